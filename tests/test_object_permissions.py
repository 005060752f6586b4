"""Per-object permissions are read once per request and never answered from an outdated memo
(``common.object_permissions``)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from common.object_permissions import permission_memo
from fleet import permissions as fleet_permissions
from fleet.models import User
from tests.factories import UserFactory, make_ticket
from tickets import lifecycle
from tickets.choices import Status

pytestmark = pytest.mark.django_db


def _object_permission_queries(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if "objectpermission" in q["sql"]]


def test_within_a_request_each_user_and_ticket_is_read_once():
    ticket = make_ticket(Status.OPEN)
    member = UserFactory()
    with permission_memo(), CaptureQueriesContext(connection) as captured:
        answers = [lifecycle.is_assignee(ticket, member) for _ in range(4)]
        answers.append(member.has_perm("tickets.change_ticket", ticket))
    assert answers == [False] * 5
    # guardian reads the user's and their groups' permissions on the ticket: two queries, once.
    assert len(_object_permission_queries(captured)) == 2


def test_outside_a_request_every_question_reads_the_database():
    ticket = make_ticket(Status.OPEN)
    member = UserFactory()
    with CaptureQueriesContext(connection) as captured:
        assert lifecycle.is_assignee(ticket, member) is False
        assert lifecycle.is_assignee(ticket, member) is False
    assert len(_object_permission_queries(captured)) == 4


@pytest.mark.parametrize(
    ("status", "change", "before"),
    [
        (Status.OPEN, fleet_permissions.grant_assignee_permissions, False),
        (Status.IN_PROGRESS, fleet_permissions.revoke_assignee_permissions, True),
    ],
    ids=["grant", "revoke"],
)
def test_a_grant_or_revoke_within_the_request_is_seen_at_once_by_every_instance_of_the_user(status, change, before):
    ticket = make_ticket(status)
    member = ticket.assignments.get().user if before else UserFactory()
    with permission_memo():
        assert lifecycle.is_assignee(ticket, member) is before
        # The service changes them through an instance of its own (as fleet.services loads members).
        change(User.objects.get(pk=member.pk), ticket)
        assert lifecycle.is_assignee(ticket, member) is not before
        assert member.has_perm("tickets.change_ticket", ticket) is not before


def test_each_user_has_their_own_answers():
    ticket = make_ticket(Status.IN_PROGRESS)
    assignee = ticket.assignments.get().user
    other = UserFactory()
    with permission_memo():
        assert lifecycle.is_assignee(ticket, assignee) is True
        assert lifecycle.is_assignee(ticket, other) is False
        assert lifecycle.is_assignee(ticket, assignee) is True


def test_an_inactive_user_has_no_object_permission_even_from_the_memo():
    ticket = make_ticket(Status.IN_PROGRESS)
    assignee = ticket.assignments.get().user
    assignee.is_active = False
    with permission_memo():
        assert lifecycle.is_assignee(ticket, assignee) is False
