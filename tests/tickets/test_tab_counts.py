"""The staff list's tab counts: active states from their partial index, Geschlossen/Abgebrochen
cached and forgotten by every status, visibility and assignment event, exact where people look."""

import pytest
from django.core.cache import cache

from common import events
from fleet import services as fleet_services
from fleet.roles import Role
from tests.factories import UserFactory, make_ticket
from tickets import selectors
from tickets import services as ticket_services
from tickets.choices import Status, Visibility

pytestmark = pytest.mark.django_db

URL = "/tickets/"


def tab_counts(client, **params) -> dict[str, int]:
    response = client.get(URL, params)
    assert response.status_code == 200
    return {tab["key"]: tab["count"] for tab in response.context["tabs"]}


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory())
    return client


def test_every_event_that_changes_status_visibility_or_assignment_forgets_the_cache():
    for name in ["ticket.transitioned", "ticket.visibility_changed", "fleet.assignee_added",
                 "fleet.assignee_removed", "fleet.forwarded"]:
        assert selectors.forget_final_counts in events._subscribers[name], name


def test_counts_stay_exact_through_closing_cancelling_and_reopening(staff_client, django_capture_on_commit_callbacks):
    admin = UserFactory(role=Role.ADMINISTRATOR)
    worker = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(Status.DONE, assignees=[worker])
        other = make_ticket(Status.OPEN)
    assert tab_counts(staff_client)["closed"] == 0  # now cached

    with django_capture_on_commit_callbacks(execute=True):
        ticket_services.ticket_close(worker, ticket)
    counts = tab_counts(staff_client)
    assert (counts["done"], counts["closed"], counts["all"]) == (0, 1, 2)
    response = staff_client.get(URL, {"status": "closed"})
    assert [row["ticket"].number for row in response.context["rows"]] == [ticket.number]  # says 1, lists 1

    with django_capture_on_commit_callbacks(execute=True):
        ticket_services.ticket_cancel(admin, other, reason="Doppelt")
    assert tab_counts(staff_client)["cancelled"] == 1

    with django_capture_on_commit_callbacks(execute=True):
        ticket_services.ticket_transition(admin, ticket, "reopen")
    counts = tab_counts(staff_client)
    assert (counts["closed"], counts["in_progress"], counts["cancelled"]) == (0, 1, 1)


def test_counts_per_visibility(staff_client, django_capture_on_commit_callbacks):
    moderator = UserFactory(role=Role.MODERATOR)
    with django_capture_on_commit_callbacks(execute=True):
        make_ticket(Status.CLOSED, visibility=Visibility.INTERNAL)
        ticket = make_ticket(Status.DONE, visibility=Visibility.INTERNAL)
    assert tab_counts(staff_client, visibility="internal")["closed"] == 1
    assert tab_counts(staff_client, visibility="public")["closed"] == 0
    # Finished tickets keep their visibility; the event forgets the counts all the same.
    before = cache.get(selectors.FINAL_COUNTS_VERSION_KEY)
    with django_capture_on_commit_callbacks(execute=True):
        ticket_services.ticket_set_visibility(moderator, ticket, Visibility.PUBLIC)
    assert cache.get(selectors.FINAL_COUNTS_VERSION_KEY) != before
    with django_capture_on_commit_callbacks(execute=True):
        ticket_services.ticket_close(moderator, ticket)
    assert tab_counts(staff_client, visibility="public")["closed"] == 1
    assert tab_counts(staff_client, visibility="internal")["closed"] == 1


def test_assignment_events_forget_the_cache(django_capture_on_commit_callbacks):
    moderator = UserFactory(role=Role.MODERATOR)
    worker, other = UserFactory(), UserFactory()
    ticket = make_ticket(Status.OPEN)
    for change in (
        lambda: fleet_services.assignee_add(moderator, ticket, worker),
        lambda: fleet_services.assignee_add(moderator, ticket, other),
        lambda: fleet_services.assignee_remove(moderator, ticket, other),
    ):
        before = cache.get(selectors.FINAL_COUNTS_VERSION_KEY)
        with django_capture_on_commit_callbacks(execute=True):
            change()
        assert cache.get(selectors.FINAL_COUNTS_VERSION_KEY) != before


def test_a_count_made_before_a_change_is_never_read_after_it(staff_client, django_capture_on_commit_callbacks):
    """The version is bumped after the commit; a count taken earlier is stored under the old one."""
    worker = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(Status.DONE, assignees=[worker])
    version = cache.get_or_set(selectors.FINAL_COUNTS_VERSION_KEY, 1)
    stale_key = f"tickets:final-counts:{version}:any"
    with django_capture_on_commit_callbacks(execute=True):
        ticket_services.ticket_close(worker, ticket)
    cache.set(stale_key, {}, timeout=60)  # a slow reader stores what it counted before the close
    assert tab_counts(staff_client)["closed"] == 1


def test_counts_are_zero_for_someone_who_sees_nothing(client):
    make_ticket(Status.CLOSED)
    client.force_login(UserFactory(role=None))
    counts = tab_counts(client)
    assert counts["closed"] == 0 and counts["all"] == 0
