"""Who may move a ticket where: every allowed transition per role, every forbidden one."""

import pytest

from common.errors import ConditionUnmet, PermissionDenied, StaleState, WrongState
from fleet import services as fleet_services
from tests.factories import CodeUserFactory, TemplateFieldFactory, TicketTemplateFactory, UserFactory, make_ticket
from tickets import services
from tickets.choices import Status
from tickets.models import Ticket, TicketHistory

pytestmark = pytest.mark.django_db

# (transition, from state, actor, to state)
ALLOWED = [
    ("submit", Status.DRAFT, "creator", Status.OPEN),
    ("start", Status.ASSIGNED, "assignee", Status.IN_PROGRESS),
    ("start", Status.ASSIGNED, "moderator", Status.IN_PROGRESS),
    ("start", Status.ASSIGNED, "admin", Status.IN_PROGRESS),
    ("finish", Status.IN_PROGRESS, "assignee", Status.DONE),
    ("finish", Status.IN_PROGRESS, "moderator", Status.DONE),
    ("finish", Status.IN_PROGRESS, "admin", Status.DONE),
    ("close", Status.DONE, "assignee", Status.CLOSED),
    ("close", Status.DONE, "moderator", Status.CLOSED),
    ("close", Status.DONE, "admin", Status.CLOSED),
    ("close", Status.DONE, "code_user", Status.CLOSED),  # on the code user's rating
    ("close", Status.DRAFT, "admin", Status.CLOSED),
    ("close", Status.OPEN, "admin", Status.CLOSED),
    ("close", Status.ASSIGNED, "admin", Status.CLOSED),
    ("close", Status.IN_PROGRESS, "admin", Status.CLOSED),
    # Before Fertig, with a reason: the assignee closes their own ticket, a moderator any.
    ("close", Status.ASSIGNED, "assignee", Status.CLOSED),
    ("close", Status.IN_PROGRESS, "assignee", Status.CLOSED),
    ("close", Status.IN_PROGRESS, "moderator", Status.CLOSED),
    ("reopen", Status.DONE, "assignee", Status.IN_PROGRESS),
    ("reopen", Status.DONE, "moderator", Status.IN_PROGRESS),
    ("reopen", Status.DONE, "admin", Status.IN_PROGRESS),
    ("reopen", Status.DONE, "code_user", Status.IN_PROGRESS),  # "the problem persists"
    ("reopen", Status.CLOSED, "admin", Status.IN_PROGRESS),
    ("cancel", Status.DRAFT, "creator", Status.CANCELLED),
    ("cancel", Status.DRAFT, "moderator", Status.CANCELLED),
    ("cancel", Status.DRAFT, "admin", Status.CANCELLED),
    ("cancel", Status.OPEN, "moderator", Status.CANCELLED),
    ("cancel", Status.OPEN, "admin", Status.CANCELLED),
    ("cancel", Status.ASSIGNED, "assignee", Status.CANCELLED),
    ("cancel", Status.ASSIGNED, "moderator", Status.CANCELLED),
    ("cancel", Status.IN_PROGRESS, "assignee", Status.CANCELLED),
    ("cancel", Status.IN_PROGRESS, "admin", Status.CANCELLED),
    ("cancel", Status.DONE, "moderator", Status.CANCELLED),
]

# (transition, from state, actor): right state, wrong person
FORBIDDEN_ROLE = [
    ("submit", Status.DRAFT, "moderator"),
    ("submit", Status.DRAFT, "admin"),
    ("submit", Status.DRAFT, "other_staff"),
    ("start", Status.ASSIGNED, "other_staff"),
    ("start", Status.ASSIGNED, "creator"),
    ("start", Status.ASSIGNED, "code_user"),
    ("finish", Status.IN_PROGRESS, "other_staff"),
    ("finish", Status.IN_PROGRESS, "code_user"),
    ("close", Status.DONE, "other_staff"),
    ("close", Status.DONE, "foreign_code_user"),
    ("close", Status.OPEN, "moderator"),
    ("close", Status.IN_PROGRESS, "other_staff"),
    ("close", Status.IN_PROGRESS, "code_user"),
    ("reopen", Status.DONE, "other_staff"),
    ("reopen", Status.DONE, "foreign_code_user"),
    ("reopen", Status.CLOSED, "moderator"),
    ("reopen", Status.CLOSED, "assignee"),
    ("reopen", Status.CLOSED, "code_user"),
    ("cancel", Status.DRAFT, "other_staff"),
    ("cancel", Status.OPEN, "creator"),  # the creator only while it is a draft
    ("cancel", Status.OPEN, "other_staff"),
    ("cancel", Status.OPEN, "code_user"),  # a code user, but not the one who opened it
    ("cancel", Status.ASSIGNED, "other_staff"),
    ("cancel", Status.ASSIGNED, "creator"),
    ("cancel", Status.IN_PROGRESS, "code_user"),
]

# (transition, from state): no actor at all may do it from there
WRONG_STATE = [
    ("submit", Status.OPEN),
    ("start", Status.OPEN),
    ("start", Status.IN_PROGRESS),
    ("finish", Status.ASSIGNED),
    ("finish", Status.DONE),
    ("close", Status.CLOSED),
    ("close", Status.CANCELLED),
    ("reopen", Status.IN_PROGRESS),
    ("reopen", Status.CANCELLED),
    ("release", Status.OPEN),
    ("release", Status.DONE),
    ("assign", Status.ASSIGNED),
    ("cancel", Status.CLOSED),
    ("cancel", Status.CANCELLED),
]


@pytest.mark.parametrize(("name", "source", "actor", "target"), ALLOWED)
def test_allowed_transition(cast, ticket_in, name, source, actor, target):
    ticket = ticket_in(source)
    assert name in services.ticket_available_transitions(cast[actor], ticket)
    ticket = services.ticket_transition(cast[actor], ticket, name, reason="Test")
    ticket.refresh_from_db()
    assert ticket.status == target
    entry = TicketHistory.objects.filter(ticket=ticket).first()
    assert (entry.field, entry.old_value, entry.new_value, entry.reason) == ("status", source, target, "Test")


def _assert_unchanged(ticket, status):
    before = TicketHistory.objects.filter(ticket=ticket).count()
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert fresh.status == status
    return before


@pytest.mark.parametrize(("name", "source", "actor"), FORBIDDEN_ROLE)
def test_forbidden_for_this_actor(cast, ticket_in, name, source, actor):
    ticket = ticket_in(source)
    history = TicketHistory.objects.filter(ticket=ticket).count()
    assert name not in services.ticket_available_transitions(cast[actor], ticket)
    with pytest.raises(PermissionDenied) as error:
        services.ticket_transition(cast[actor], ticket, name)
    assert "not allowed" in str(error.value)
    assert Ticket.objects.get(pk=ticket.pk).status == source
    assert TicketHistory.objects.filter(ticket=ticket).count() == history


@pytest.mark.parametrize(("name", "source"), WRONG_STATE)
def test_wrong_state_is_refused_for_everyone(cast, ticket_in, name, source):
    ticket = ticket_in(source)
    history = TicketHistory.objects.filter(ticket=ticket).count()
    with pytest.raises(WrongState) as error:
        services.ticket_transition(cast.admin, ticket, name)
    assert error.value.context["current_status"] == source
    assert Ticket.objects.get(pk=ticket.pk).status == source
    assert TicketHistory.objects.filter(ticket=ticket).count() == history


def test_code_user_who_opened_a_ticket_may_cancel_it_while_open_only(cast):
    opener = CodeUserFactory(access_code=cast.access_code)
    ticket = make_ticket(Status.OPEN, code_user=opener)
    assert services.ticket_available_transitions(opener, ticket) == ["cancel"]
    assert services.ticket_cancel(opener, ticket).status == Status.CANCELLED

    assigned = make_ticket(Status.ASSIGNED, code_user=opener)
    with pytest.raises(PermissionDenied):
        services.ticket_cancel(opener, assigned)


def test_code_user_submits_the_ticket_they_opened(cast):
    opener = CodeUserFactory(access_code=cast.access_code)
    ticket = make_ticket(Status.DRAFT, code_user=opener)
    assert services.ticket_submit(opener, ticket).status == Status.OPEN


def test_code_users_of_other_codes_and_internal_tickets_have_no_rights(cast):
    internal = make_ticket(Status.DONE, access_code=cast.access_code, visibility="internal")
    assert services.ticket_available_transitions(cast.code_user, internal) == []
    with pytest.raises(PermissionDenied):
        services.ticket_close(cast.code_user, internal)


def test_submit_waits_for_every_creation_step_and_required_field(cast):
    template = TicketTemplateFactory()
    TemplateFieldFactory(template=template, key="serial", label="Seriennummer", required=True)
    ticket = services.ticket_create(cast.creator, template=template, title="Heizung kalt")
    with pytest.raises(ConditionUnmet) as error:
        services.ticket_submit(cast.creator, ticket)
    assert "creation step" in str(error.value)

    ticket = services.ticket_update_fields(cast.creator, ticket, custom_values={"serial": "SN-1"}, complete_step="fields")
    ticket = services.ticket_update_fields(cast.creator, ticket, complete_step="access")
    assert services.ticket_submit(cast.creator, ticket).status == Status.OPEN


def test_assigning_someone_moves_an_open_ticket_to_assigned(cast, ticket_in):
    ticket = ticket_in(Status.OPEN)
    fleet_services.assignee_add(cast.moderator, ticket, cast.assignee)
    ticket.refresh_from_db()
    assert ticket.status == Status.ASSIGNED
    # The assignee now holds the per-ticket permission to work on it.
    assert cast.assignee.has_perm("tickets.work_ticket", ticket)
    assert not cast.other_staff.has_perm("tickets.work_ticket", ticket)


def test_assign_transition_needs_an_assignee(cast, ticket_in):
    ticket = ticket_in(Status.OPEN)
    with pytest.raises(ConditionUnmet) as error:
        services.ticket_transition(cast.moderator, ticket, "assign")
    assert "no assignee" in str(error.value)


def test_only_moderators_and_admins_assign(cast, ticket_in):
    ticket = ticket_in(Status.OPEN)
    with pytest.raises(PermissionDenied):
        fleet_services.assignee_add(cast.other_staff, ticket, cast.other_staff)
    assert Ticket.objects.get(pk=ticket.pk).status == Status.OPEN


@pytest.mark.parametrize("source", [Status.ASSIGNED, Status.IN_PROGRESS])
def test_when_the_last_assignee_leaves_the_ticket_is_open_again(cast, ticket_in, source):
    ticket = ticket_in(source)
    second = UserFactory()
    fleet_services.assignee_add(cast.moderator, ticket, second)

    fleet_services.assignee_remove(cast.assignee, ticket, cast.assignee)
    assert Ticket.objects.get(pk=ticket.pk).status == source  # one assignee remains
    assert not cast.assignee.has_perm("tickets.work_ticket", ticket)

    fleet_services.assignee_remove(cast.moderator, ticket, second)
    assert Ticket.objects.get(pk=ticket.pk).status == Status.OPEN


def test_release_transition_refuses_while_assignees_remain(cast, ticket_in):
    ticket = ticket_in(Status.ASSIGNED)
    with pytest.raises(ConditionUnmet):
        services.ticket_transition(cast.assignee, ticket, "release")


def test_a_staff_member_cannot_remove_someone_else(cast, ticket_in):
    ticket = ticket_in(Status.ASSIGNED)
    with pytest.raises(PermissionDenied):
        fleet_services.assignee_remove(cast.other_staff, ticket, cast.assignee)


def test_status_cannot_be_assigned_directly(ticket_in):
    ticket = ticket_in(Status.OPEN)
    with pytest.raises(AttributeError):
        ticket.status = Status.DONE


def test_stale_expected_status_is_refused_and_names_the_current_state(cast, ticket_in):
    ticket = ticket_in(Status.ASSIGNED)
    services.ticket_start(cast.assignee, ticket)
    with pytest.raises(StaleState) as error:
        services.ticket_transition(cast.moderator, ticket, "start", expected_status=Status.ASSIGNED)
    assert error.value.context["current_status"] == Status.IN_PROGRESS
    assert "In progress" in str(error.value)


def test_transition_options_explain_why_not(cast, ticket_in):
    ticket = ticket_in(Status.ASSIGNED)
    options = {option.name: option for option in services.ticket_transition_options(cast.other_staff, ticket)}
    assert options["start"].allowed is False
    assert options["start"].target == Status.IN_PROGRESS
    assert "not allowed" in options["start"].reason
    assert options["finish"].allowed is False
    assert "not possible" in options["finish"].reason

    assignee_options = {o.name: o for o in services.ticket_transition_options(cast.assignee, ticket)}
    assert [name for name, o in assignee_options.items() if o.allowed] == ["start", "close", "cancel"]


def test_unknown_transition_name_is_a_clear_error(cast, ticket_in):
    from common.errors import InvalidInput

    ticket = ticket_in(Status.OPEN)
    with pytest.raises(InvalidInput):
        services.ticket_transition(cast.admin, ticket, "delete")
    with pytest.raises(InvalidInput):
        services.ticket_transition(cast.admin, ticket, "_check_transition")
