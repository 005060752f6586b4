"""Feedback: the code user rates a finished ticket (and closes it), or says the problem persists
(and reopens it); without an answer the system closes it after FEEDBACK_AUTOCLOSE_DAYS days; a
ticket that becomes Fertig asks for feedback in the messenger."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import translation

from common.errors import InvalidInput, PermissionDenied, WrongState
from messenger.models import Message, MessageKind
from messenger.services import serialize
from tests.factories import AccessCodeFactory, CodeUserFactory, TicketTemplateFactory, make_ticket
from tickets import services
from tickets.choices import HistoryAction, Status, UpdateKind, Visibility
from tickets.selectors import feedback_requested
from tickets.services import feedback_problem_persists, feedback_submit, tickets_autoclose
from tickets.models import Feedback, ParticipationKind, Ticket, TicketHistory, TicketUpdate

pytestmark = pytest.mark.django_db


@pytest.fixture
def done(cast, ticket_in):
    """A public ticket in Fertig on the cast's code; its template asks for feedback (the default)."""
    ticket = ticket_in(Status.DONE)
    assert ticket.template.asks_feedback
    services.participate(cast.code_user, ticket, ParticipationKind.WROTE)  # the customer who rates took part
    return ticket


def _reload(ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


def _unchanged(ticket, status=Status.DONE):
    assert _reload(ticket).status == status
    assert not Feedback.objects.filter(ticket=ticket).exists()


# --- feedback_requested ----------------------------------------------------------------------------


def test_feedback_is_requested_while_done_and_unrated(done, cast):
    assert feedback_requested(done)
    feedback_submit(cast.code_user, done, stars=5)
    assert not feedback_requested(_reload(done))


@pytest.mark.parametrize("status", [Status.OPEN, Status.IN_PROGRESS, Status.CLOSED, Status.CANCELLED])
def test_feedback_is_not_requested_before_or_after_fertig(ticket_in, status):
    assert not feedback_requested(ticket_in(status))


def test_feedback_is_not_requested_when_the_template_does_not_ask(done):
    done.template.asks_feedback = False
    done.template.save()
    assert not feedback_requested(_reload(done))


# --- feedback_submit ---------------------------------------------------------------------------------


def test_rating_stores_feedback_closes_the_ticket_and_writes_history(done, cast, received, django_capture_on_commit_callbacks):
    received.clear()
    with django_capture_on_commit_callbacks(execute=True):
        feedback = feedback_submit(cast.code_user, done, stars=4, text="  Schnell und sauber, danke!  ")
        assert received == []  # events only after the commit

    assert (feedback.stars, feedback.text, feedback.code_user) == (4, "Schnell und sauber, danke!", cast.code_user)
    assert feedback.stars_display == "★★★★☆"
    ticket = _reload(done)
    assert ticket.status == Status.CLOSED
    assert ticket.feedback == feedback

    rating = TicketHistory.objects.get(ticket=ticket, action=HistoryAction.FEEDBACK)
    assert (rating.field, rating.new_value, rating.actor_code_user, rating.actor) == (
        "feedback", "★★★★☆", cast.code_user, None,
    )
    assert rating.data["stars"] == 4 and rating.data["feedback_id"] == feedback.pk
    assert rating.field_label == "Rating"
    closing = TicketHistory.objects.filter(ticket=ticket, action=HistoryAction.TRANSITION).first()  # newest first
    assert (closing.old_value, closing.new_value, closing.actor_code_user) == ("done", "closed", cast.code_user)
    assert "★★★★☆" in closing.reason

    names = [event.name for event in received]
    assert names == ["ticket.transitioned", "ticket.feedback_given"]
    given = received[-1]
    assert given.payload == {"stars": 4}
    assert given.actor == {"kind": "code_user", "id": cast.code_user.pk, "name": cast.code_user.display_name}
    assert given.ticket_number == ticket.number and given.internal is False


def test_text_is_optional_and_strings_of_digits_count(done, cast):
    feedback = feedback_submit(cast.code_user, done, stars="5")
    assert (feedback.stars, feedback.text) == (5, "")


def test_any_code_user_who_took_part_may_rate_not_only_the_opener(done, cast):
    colleague = CodeUserFactory(access_code=cast.access_code)
    with pytest.raises(PermissionDenied, match="Only customers who reported this ticket or wrote in it can rate it"):
        feedback_submit(colleague, done, stars=3)
    services.participate(colleague, done, ParticipationKind.FOLLOWED)
    assert feedback_submit(colleague, done, stars=3).code_user == colleague


def test_a_ticket_is_rated_once(done, cast):
    feedback_submit(cast.code_user, done, stars=4)
    colleague = CodeUserFactory(access_code=cast.access_code)
    services.participate(colleague, done, ParticipationKind.WROTE)
    for actor in (cast.code_user, colleague):
        with pytest.raises(WrongState, match="A ticket is rated once"):
            feedback_submit(actor, done, stars=1, text="Doch nicht")
    assert Feedback.objects.get(ticket=done).stars == 4


@pytest.mark.parametrize("stars", [0, 6, -1, None, "", "vier", 4.5, True, [4]])
def test_bad_stars_are_refused(done, cast, stars):
    with pytest.raises(InvalidInput) as raised:
        feedback_submit(cast.code_user, done, stars=stars)
    assert "stars" in raised.value.errors
    _unchanged(done)


def test_text_is_limited_to_5000_characters(done, cast):
    with pytest.raises(InvalidInput) as raised:
        feedback_submit(cast.code_user, done, stars=3, text="x" * 5001)
    assert "text" in raised.value.errors
    _unchanged(done)
    with pytest.raises(InvalidInput) as raised:
        feedback_submit(cast.code_user, done, stars=3, text=["nicht", "Text"])
    assert "text" in raised.value.errors
    assert len(feedback_submit(cast.code_user, done, stars=3, text="x" * 5000).text) == 5000


@pytest.mark.parametrize("who", ["foreign_code_user", "assignee", "moderator", "admin", "creator", "other_staff"])
def test_only_code_users_of_the_ticket_may_rate(done, cast, who):
    with pytest.raises(PermissionDenied):
        feedback_submit(cast[who], done, stars=5)
    with pytest.raises(PermissionDenied):
        feedback_problem_persists(cast[who], done, text="Läuft nicht")
    _unchanged(done)


def test_internal_tickets_cannot_be_rated(cast):
    ticket = make_ticket(
        Status.DONE, access_code=cast.access_code, visibility=Visibility.INTERNAL, assignees=[cast.assignee]
    )
    with pytest.raises(PermissionDenied):
        feedback_submit(cast.code_user, ticket, stars=5)
    _unchanged(ticket)


def test_inactive_codes_cannot_rate(done, cast):
    cast.access_code.is_active = False
    cast.access_code.save()
    with pytest.raises(PermissionDenied):
        feedback_submit(cast.code_user, done, stars=5)
    _unchanged(done)


def test_no_rating_when_the_template_does_not_ask(done, cast):
    done.template.asks_feedback = False
    done.template.save()
    with pytest.raises(WrongState):
        feedback_submit(cast.code_user, done, stars=5)
    with pytest.raises(WrongState):
        feedback_problem_persists(cast.code_user, done, text="Läuft nicht")
    _unchanged(done)


@pytest.mark.parametrize("status", [Status.OPEN, Status.ASSIGNED, Status.IN_PROGRESS, Status.CLOSED])
def test_no_rating_unless_fertig(ticket_in, cast, status):
    ticket = ticket_in(status)
    services.participate(cast.code_user, ticket, ParticipationKind.WROTE)
    with pytest.raises(WrongState):
        feedback_submit(cast.code_user, ticket, stars=5)
    with pytest.raises(WrongState):
        feedback_problem_persists(cast.code_user, ticket, text="Läuft nicht")
    _unchanged(ticket, status)


def test_feedback_is_append_only_and_the_database_checks_the_stars(done, cast):
    feedback = feedback_submit(cast.code_user, done, stars=2)
    feedback.stars = 5
    with pytest.raises(ValidationError):
        feedback.save()
    with pytest.raises(ValidationError):
        feedback.delete()
    other = make_ticket(Status.DONE, access_code=cast.access_code)
    with pytest.raises(IntegrityError), transaction.atomic():
        Feedback.objects.create(ticket=other, stars=6)
    with pytest.raises(IntegrityError), transaction.atomic():
        Feedback.objects.create(ticket=done, stars=3)  # one per ticket


# --- feedback_problem_persists ------------------------------------------------------------------------


def test_problem_persists_reopens_with_a_public_update_in_the_users_words(done, cast, received, django_capture_on_commit_callbacks):
    received.clear()
    with django_capture_on_commit_callbacks(execute=True):
        ticket = feedback_problem_persists(cast.code_user, done, text="  Die Pumpe tropft immer noch.  ")

    assert ticket.status == Status.IN_PROGRESS == _reload(done).status
    update = TicketUpdate.objects.get(ticket=done, author_code_user=cast.code_user)
    assert (update.kind, update.text) == (UpdateKind.PUBLIC, "Die Pumpe tropft immer noch.")
    reopening = TicketHistory.objects.filter(ticket=done, action=HistoryAction.TRANSITION).first()
    assert (reopening.old_value, reopening.new_value, reopening.actor_code_user) == ("done", "in_progress", cast.code_user)
    assert [event.name for event in received] == ["ticket.update_posted", "ticket.transitioned"]
    assert not Feedback.objects.filter(ticket=done).exists()

    # Finished again, the ticket asks again, and the rating works then.
    ticket = services.ticket_finish(cast.assignee, ticket)
    assert feedback_requested(ticket)
    feedback_submit(cast.code_user, ticket, stars=5)
    assert _reload(ticket).status == Status.CLOSED


@pytest.mark.parametrize("text", ["", "   ", None, "x" * 10_001])
def test_problem_persists_needs_words(done, cast, text):
    with pytest.raises(InvalidInput) as raised:
        feedback_problem_persists(cast.code_user, done, text=text)
    assert "text" in raised.value.errors
    _unchanged(done)
    assert not TicketUpdate.objects.filter(ticket=done, author_code_user=cast.code_user).exists()


def test_problem_persists_is_refused_after_a_rating(done, cast):
    feedback_submit(cast.code_user, done, stars=1)
    with pytest.raises(WrongState):
        feedback_problem_persists(cast.code_user, done, text="Doch kaputt")
    assert _reload(done).status == Status.CLOSED


# --- closing without an answer ------------------------------------------------------------------------


@pytest.fixture
def fourteen_days(settings):
    settings.FEEDBACK_AUTOCLOSE_DAYS = 14
    return timedelta(days=14)


def test_autoclose_waits_the_configured_days(done, fourteen_days, received, django_capture_on_commit_callbacks):
    finished = _reload(done).status_changed_at
    assert tickets_autoclose(now=finished + fourteen_days - timedelta(seconds=1)) == 0
    assert _reload(done).status == Status.DONE

    received.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert tickets_autoclose(now=finished + fourteen_days + timedelta(seconds=1)) == 1
    ticket = _reload(done)
    assert ticket.status == Status.CLOSED
    entry = TicketHistory.objects.filter(ticket=ticket, action=HistoryAction.TRANSITION).first()
    assert (entry.old_value, entry.new_value, entry.actor, entry.actor_code_user) == ("done", "closed", None, None)
    assert entry.actor_name == "System"
    assert entry.reason == "No feedback within 14 days"
    (event,) = received
    assert event.name == "ticket.transitioned" and event.actor["kind"] == "system"
    assert not Feedback.objects.filter(ticket=ticket).exists()
    # Nothing left to do the next time.
    assert tickets_autoclose(now=finished + 2 * fourteen_days) == 0


def test_autoclose_leaves_others_alone(cast, done, fourteen_days):
    later = _reload(done).status_changed_at + 3 * fourteen_days
    # The template does not ask for feedback.
    quiet_code = AccessCodeFactory(template=TicketTemplateFactory(asks_feedback=False))
    not_asked = make_ticket(Status.DONE, access_code=quiet_code)
    # Rated once, reopened by an admin and finished again: it waits for staff, not for feedback.
    rated = make_ticket(Status.DONE, access_code=cast.access_code, assignees=[cast.assignee])
    services.participate(cast.code_user, rated, ParticipationKind.FOLLOWED)
    feedback_submit(cast.code_user, rated, stars=3)
    services.ticket_reopen(cast.admin, rated)
    services.ticket_finish(cast.assignee, rated)
    # Still being worked on.
    working = make_ticket(Status.IN_PROGRESS, access_code=cast.access_code)

    assert tickets_autoclose(now=later) == 1
    assert _reload(done).status == Status.CLOSED
    assert _reload(not_asked).status == Status.DONE
    assert _reload(rated).status == Status.DONE
    assert _reload(working).status == Status.IN_PROGRESS


def test_autoclose_task_and_command(done, settings, capsys):
    from tickets.tasks import autoclose_done_tickets

    settings.FEEDBACK_AUTOCLOSE_DAYS = 0  # everything in Fertig is due right away
    second = make_ticket(Status.DONE, access_code=done.access_code)
    assert autoclose_done_tickets.delay().get() == 2
    assert _reload(done).status == _reload(second).status == Status.CLOSED

    third = make_ticket(Status.DONE, access_code=done.access_code)
    call_command("autoclose_tickets")
    assert "1 ticket(s) closed" in capsys.readouterr().out
    assert _reload(third).status == Status.CLOSED


def test_the_system_may_close_only_from_fertig(ticket_in, cast):
    for status in (Status.OPEN, Status.ASSIGNED, Status.IN_PROGRESS):
        ticket = ticket_in(status)
        with pytest.raises(PermissionDenied):
            services.ticket_close(None, ticket)
    with pytest.raises(PermissionDenied):
        services.ticket_reopen(None, ticket_in(Status.DONE))
    with pytest.raises(PermissionDenied):
        services.ticket_cancel(None, ticket_in(Status.OPEN))


# --- asking in the messenger -------------------------------------------------------------------------


def _system_messages(ticket):
    return list(Message.objects.filter(ticket=ticket, kind=MessageKind.SYSTEM).order_by("id"))


def test_fertig_asks_the_code_user_for_feedback_after_the_status_notice(ticket_in, cast, django_capture_on_commit_callbacks):
    ticket = ticket_in(Status.IN_PROGRESS)
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_finish(cast.assignee, ticket)
    status_notice, request = _system_messages(ticket)
    assert status_notice.data["event"] == "status"
    assert request.data == {"event": "feedback_requested"}
    assert request.author_id is None and request.author_code_user_id is None
    with translation.override("en"):
        assert serialize(request)["text"] == (
            "Please rate the completed work: give it 1 to 5 stars, or tell us if the problem persists."
        )


def test_no_feedback_request_when_the_template_does_not_ask(cast, django_capture_on_commit_callbacks):
    code = AccessCodeFactory(template=TicketTemplateFactory(asks_feedback=False))
    ticket = make_ticket(Status.IN_PROGRESS, access_code=code, assignees=[cast.assignee])
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_finish(cast.assignee, ticket)
    assert [m.data["event"] for m in _system_messages(ticket)] == ["status"]


def test_no_feedback_request_without_code_or_on_internal_tickets(cast, django_capture_on_commit_callbacks):
    no_code = make_ticket(Status.IN_PROGRESS, visibility=Visibility.PUBLIC, assignees=[cast.assignee])
    internal = make_ticket(
        Status.IN_PROGRESS, access_code=cast.access_code, visibility=Visibility.INTERNAL, assignees=[cast.assignee]
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_finish(cast.assignee, no_code)
        services.ticket_finish(cast.assignee, internal)
    assert not any(m.data.get("event") == "feedback_requested" for m in _system_messages(no_code))
    assert _system_messages(internal) == []


def test_other_transitions_do_not_ask(ticket_in, cast, django_capture_on_commit_callbacks):
    ticket = ticket_in(Status.DONE)
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_reopen(cast.assignee, ticket)
        services.ticket_close(cast.admin, ticket, reason="Vor Ort erledigt")
    assert not any(m.data.get("event") == "feedback_requested" for m in _system_messages(ticket))


# --- demo data -------------------------------------------------------------------------------------------


def test_demo_gives_the_closed_filter_ticket_a_rating_once():
    call_command("seed_demo")
    ticket = Ticket.objects.get(title="Filter verstopft")
    assert ticket.status == Status.CLOSED
    feedback = ticket.feedback
    assert feedback.stars == 4 and feedback.text and feedback.code_user is not None
    assert TicketHistory.objects.filter(ticket=ticket, action=HistoryAction.FEEDBACK, new_value="★★★★☆").count() == 1
    call_command("seed_demo")
    assert Feedback.objects.count() == 1
    assert TicketHistory.objects.filter(ticket=ticket, action=HistoryAction.FEEDBACK).count() == 1
