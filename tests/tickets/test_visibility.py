"""Intern tickets are for staff; Öffentlich ones also for the code users of the ticket's code."""

import pytest

from common.errors import NotFound, PermissionDenied, WrongState
from tests.factories import AccessCodeFactory, CodeUserFactory, UserFactory, make_ticket
from tickets import selectors, services
from tickets.choices import Status, Visibility

pytestmark = pytest.mark.django_db


@pytest.fixture
def tickets(cast):
    other_code = AccessCodeFactory()
    return {
        "public": make_ticket(Status.OPEN, access_code=cast.access_code, visibility=Visibility.PUBLIC),
        "internal": make_ticket(Status.OPEN, access_code=cast.access_code, visibility=Visibility.INTERNAL),
        "public_draft": make_ticket(
            Status.DRAFT, creator=cast.creator, access_code=cast.access_code, visibility=Visibility.PUBLIC
        ),
        "other_code": make_ticket(Status.OPEN, access_code=other_code, visibility=Visibility.PUBLIC),
        "no_code": make_ticket(Status.OPEN, visibility=Visibility.PUBLIC),
        "closed_public": make_ticket(Status.CLOSED, access_code=cast.access_code, visibility=Visibility.PUBLIC),
    }


def _names(queryset, tickets):
    by_pk = {t.pk: name for name, t in tickets.items()}
    return {by_pk[pk] for pk in queryset.values_list("pk", flat=True)}


def test_staff_see_internal_and_public_tickets_but_not_others_drafts(cast, tickets):
    assert _names(selectors.tickets_for_staff(cast.other_staff), tickets) == {
        "public", "internal", "other_code", "no_code", "closed_public",
    }
    assert "public_draft" in _names(selectors.tickets_for_staff(cast.creator), tickets)
    assert "public_draft" in _names(selectors.tickets_for_staff(cast.moderator), tickets)


def test_code_user_sees_only_submitted_public_tickets_of_their_code(cast, tickets):
    assert _names(selectors.tickets_for_code_user(cast.code_user), tickets) == {"public", "closed_public"}
    assert _names(selectors.tickets_for_code_user(cast.foreign_code_user), tickets) == set()


def test_inactive_code_shows_nothing(cast, tickets):
    cast.access_code.is_active = False
    cast.access_code.save()
    cast.code_user.access_code.refresh_from_db()
    assert _names(selectors.tickets_for_code_user(cast.code_user), tickets) == set()


@pytest.mark.parametrize("name", ["internal", "public_draft", "other_code", "no_code"])
def test_access_ticket_is_404_for_code_users_outside_their_view(cast, tickets, name):
    with pytest.raises(NotFound):
        selectors.access_ticket(cast.code_user, tickets[name].number)


def test_access_ticket_for_staff_and_unknown_numbers(cast, tickets):
    assert selectors.access_ticket(cast.other_staff, tickets["internal"].number) == tickets["internal"]
    with pytest.raises(NotFound):
        selectors.access_ticket(cast.other_staff, "2099-999999")
    with pytest.raises(NotFound):
        selectors.access_ticket(cast.other_staff, tickets["public_draft"].number)


def test_staff_without_a_role_see_nothing(tickets):
    assert not selectors.tickets_for_staff(UserFactory(role=None)).exists()


def test_internal_updates_are_never_listed_for_code_users(cast, tickets):
    ticket = tickets["public"]
    services.update_post(cast.moderator, ticket, text="öffentlich")
    services.update_post(cast.moderator, ticket, text="nur intern", internal=True)
    assert [u.text for u in selectors.updates_for(cast.code_user, ticket)] == ["öffentlich"]
    assert [u.text for u in selectors.updates_for(cast.moderator, ticket)] == ["nur intern", "öffentlich"]
    assert [u.text for u in selectors.internal_updates(cast.code_user, ticket)] == []
    assert list(selectors.history_for(cast.code_user, ticket)) == []


def test_switching_visibility_changes_what_code_users_see(cast, tickets):
    ticket = tickets["internal"]
    services.ticket_set_visibility(cast.moderator, ticket, Visibility.PUBLIC)
    assert selectors.access_ticket(cast.code_user, ticket.number) == ticket
    services.ticket_set_visibility(cast.moderator, ticket, Visibility.INTERNAL)
    with pytest.raises(NotFound):
        selectors.access_ticket(cast.code_user, ticket.number)


def test_who_may_switch_visibility(cast, ticket_in):
    ticket = ticket_in(Status.ASSIGNED)
    # assignees hold change permission on their ticket, moderators and admins on all
    for actor in (cast.assignee, cast.moderator, cast.admin):
        services.ticket_set_visibility(actor, ticket, Visibility.INTERNAL)
        services.ticket_set_visibility(actor, ticket, Visibility.PUBLIC)
    for actor in (cast.other_staff, cast.creator, cast.code_user):
        with pytest.raises(PermissionDenied):
            services.ticket_set_visibility(actor, ticket, Visibility.INTERNAL)
    ticket.refresh_from_db()
    assert ticket.visibility == Visibility.PUBLIC


def test_visibility_of_a_closed_ticket_is_frozen(cast, ticket_in):
    ticket = ticket_in(Status.CLOSED)
    with pytest.raises(WrongState):
        services.ticket_set_visibility(cast.admin, ticket, Visibility.INTERNAL)


def test_unknown_visibility_is_refused(cast, ticket_in):
    from common.errors import InvalidInput

    with pytest.raises(InvalidInput):
        services.ticket_set_visibility(cast.admin, ticket_in(Status.OPEN), "secret")


def test_code_user_tickets_are_always_public_on_their_code(cast):
    code_user = CodeUserFactory(access_code=cast.access_code)
    ticket = services.ticket_create(code_user, template=cast.access_code.template, title="Drucker", visibility="internal")
    assert (ticket.visibility, ticket.access_code, ticket.created_by_code_user) == ("public", cast.access_code, code_user)



def test_saving_status_and_visibility_is_all_or_nothing():
    """SPEICHERN (tickets.services.ticket_save_status): closing is allowed, but a closed ticket's
    visibility cannot change, so neither happens."""
    assignee = UserFactory()
    ticket = make_ticket(Status.DONE, assignees=[assignee], visibility=Visibility.PUBLIC)
    with pytest.raises(WrongState):
        services.ticket_save_status(assignee, ticket, target=Status.CLOSED, visibility=Visibility.INTERNAL)
    ticket.refresh_from_db()
    assert (ticket.status, ticket.visibility) == (Status.DONE, Visibility.PUBLIC)
    assert not ticket.history.filter(field="status", new_value=Status.CLOSED).exists()

    saved = services.ticket_save_status(assignee, ticket, target=Status.CLOSED, visibility=Visibility.PUBLIC)
    assert (saved.status, saved.visibility) == (Status.CLOSED, Visibility.PUBLIC)
