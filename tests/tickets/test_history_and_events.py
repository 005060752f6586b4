"""Every change writes history that nobody can edit and publishes exactly one event after commit."""

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from common import events
from common.errors import WrongState
from fleet import services as fleet_services
from tests.factories import TicketTemplateFactory
from tickets import services
from tickets.choices import HistoryAction, Status
from tickets.models import TicketHistory

pytestmark = pytest.mark.django_db


def test_a_transition_publishes_one_event_after_commit(cast, ticket_in, received, django_capture_on_commit_callbacks):
    ticket = ticket_in(Status.ASSIGNED)
    received.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_start(cast.assignee, ticket, reason="Vor Ort")
        assert received == []  # nothing before the commit
    (event,) = received
    assert event.name == "ticket.transitioned"
    assert event.ticket_id == ticket.pk and event.ticket_number == ticket.number
    assert event.payload == {"transition": "start", "from": "assigned", "to": "in_progress", "reason": "Vor Ort"}
    assert event.actor == {"kind": "staff", "id": cast.assignee.pk, "name": cast.assignee.display_name}
    assert event.internal is False  # a public ticket


def test_no_event_and_no_history_on_rollback(cast, ticket_in, received, django_capture_on_commit_callbacks):
    ticket = ticket_in(Status.ASSIGNED)
    received.clear()
    history = TicketHistory.objects.filter(ticket=ticket).count()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                services.ticket_start(cast.assignee, ticket)
                raise RuntimeError("something later in the same request failed")
    assert callbacks == []
    assert received == []
    assert TicketHistory.objects.filter(ticket=ticket).count() == history
    ticket.refresh_from_db()
    assert ticket.status == Status.ASSIGNED


def test_a_refused_transition_publishes_nothing(cast, ticket_in, received, django_capture_on_commit_callbacks):
    ticket = ticket_in(Status.ASSIGNED)
    received.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(WrongState):
            services.ticket_finish(cast.assignee, ticket)
    assert callbacks == [] and received == []


def test_each_kind_of_change_has_its_history_entry_and_event(cast, received, django_capture_on_commit_callbacks):
    template = TicketTemplateFactory()
    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.ticket_create(cast.creator, template=template, title="Tor klemmt", access_code=cast.access_code)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.ticket_update_fields(cast.creator, ticket, title="Rolltor klemmt")
    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.ticket_set_visibility(cast.creator, ticket, "public", reason="Kunde informieren")
    for step in ("fields", "access"):
        with django_capture_on_commit_callbacks(execute=True):
            ticket = services.ticket_update_fields(cast.creator, ticket, complete_step=step)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.ticket_submit(cast.creator, ticket)
    with django_capture_on_commit_callbacks(execute=True):
        fleet_services.assignee_add(cast.moderator, ticket, cast.assignee)
    with django_capture_on_commit_callbacks(execute=True):
        services.update_post(cast.assignee, ticket, text="Ersatzteil bestellt", internal=True)

    assert [e.name for e in received] == [
        "ticket.created",
        "ticket.changed",
        "ticket.visibility_changed",
        "ticket.changed",
        "ticket.changed",
        "ticket.transitioned",
        "fleet.offers_sent",  # the fleet reacts to Offen: offers go out
        "fleet.assignee_added",
        "ticket.transitioned",  # Offen → Zugewiesen, automatically
        "ticket.update_posted",
    ]
    assert received[-1].internal is True  # internal updates never reach code users
    history = list(TicketHistory.objects.filter(ticket=ticket).order_by("created_at", "id"))
    assert [(h.action, h.field, h.old_value, h.new_value) for h in history] == [
        (HistoryAction.CREATED, "status", "", "draft"),
        (HistoryAction.FIELDS, "title", "Tor klemmt", "Rolltor klemmt"),
        (HistoryAction.VISIBILITY, "visibility", "internal", "public"),
        (HistoryAction.STEP, "completed_steps", "", "fields"),
        (HistoryAction.STEP, "completed_steps", "", "access"),
        (HistoryAction.TRANSITION, "status", "draft", "open"),
        (HistoryAction.OFFER, "offers", "", history[6].new_value),
        (HistoryAction.ASSIGNMENT, "assignees", "", cast.assignee.display_name),
        (HistoryAction.TRANSITION, "status", "open", "assigned"),
        (HistoryAction.UPDATE, "internal", "", "Ersatzteil bestellt"),
    ]
    assert history[2].reason == "Kunde informieren"
    assert {h.actor for h in history[:6]} == {cast.creator}


def test_saving_the_same_values_changes_nothing_and_publishes_nothing(cast, ticket_in, received, django_capture_on_commit_callbacks):
    ticket = ticket_in(Status.OPEN)
    received.clear()
    history = TicketHistory.objects.filter(ticket=ticket).count()
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_update_fields(cast.moderator, ticket, title=ticket.title)
        services.ticket_set_visibility(cast.moderator, ticket, ticket.visibility)
    assert received == []
    assert TicketHistory.objects.filter(ticket=ticket).count() == history


def test_history_cannot_be_edited_or_deleted(ticket_in):
    entry = TicketHistory.objects.filter(ticket=ticket_in(Status.OPEN)).first()
    entry.reason = "rewritten"
    with pytest.raises(ValidationError):
        entry.save()
    with pytest.raises(ValidationError):
        entry.delete()
    entry.refresh_from_db()
    assert entry.reason == ""


def test_a_failing_subscriber_does_not_stop_the_others(cast, ticket_in, received, django_capture_on_commit_callbacks):
    def broken(event):
        raise ValueError("subscriber bug")

    events.subscribe("ticket.transitioned", broken)
    try:
        ticket = ticket_in(Status.ASSIGNED)
        received.clear()
        with django_capture_on_commit_callbacks(execute=True):
            services.ticket_start(cast.assignee, ticket)
    finally:
        events.unsubscribe("ticket.transitioned", broken)
    assert [e.name for e in received] == ["ticket.transitioned"]
