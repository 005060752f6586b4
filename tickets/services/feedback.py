"""Feedback: the code user rates the finished work, or says the problem persists.

When a ticket becomes Fertig and its template asks for feedback, the code users of its access
code are asked (a system message in the messenger). They either rate the work with 1 to 5 stars
(``feedback_submit``: stored once, the ticket is closed) or say the problem is not solved
(``feedback_problem_persists``: their words become a public update, the ticket goes back to
In Bearbeitung). Nobody answering within ``settings.FEEDBACK_AUTOCLOSE_DAYS`` days closes the
ticket by itself (``tickets_autoclose``, run by Celery beat and ``manage.py autoclose_tickets``).

Like ``tickets.services``: the actor comes first, one transaction, history, events after commit.
The lifecycle steps themselves go through ``tickets.ticket_transition``.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from common.errors import DomainError, InvalidInput, PermissionDenied, WrongState
from common.events import publish_on_commit
from common.text import clean_text
from tickets import events, permissions, selectors
from tickets.choices import HistoryAction, Status
from tickets.models import FEEDBACK_TEXT_MAX, STARS_MAX, STARS_MIN, Feedback, Ticket, stars_display
from tickets.services.support import history_record, lock_ticket
from tickets.services.transitions import ticket_transition
from tickets.services.updates import update_post

logger = logging.getLogger(__name__)

# --- the code user's answer ----------------------------------------------------------------------


def _check_may_answer(code_user, ticket: Ticket) -> None:
    """Raise unless this is a code user of the ticket and the ticket waits for feedback."""
    if not permissions.code_user_can_see(code_user, ticket):
        raise PermissionDenied(
            _("Only the customer of this ticket can give feedback on it."), current_status=ticket.status
        )
    if not selectors.is_participant(code_user, ticket):
        raise PermissionDenied(
            _("Only customers who reported this ticket or wrote in it can rate it."), current_status=ticket.status
        )
    if Feedback.objects.filter(ticket_id=ticket.pk).exists():
        raise WrongState(_("A ticket is rated once."), current_status=ticket.status)
    if not selectors.feedback_requested(ticket):
        raise WrongState(
            _("This ticket is %(status)s: no feedback is asked for.") % {"status": ticket.get_status_display()},
            current_status=ticket.status,
        )


def _clean_stars(stars) -> int:
    if isinstance(stars, str) and stars.strip().isdigit():
        stars = int(stars.strip())  # straight from a form
    # bool is an int in Python, but True is not a rating.
    if isinstance(stars, bool) or not isinstance(stars, int) or not STARS_MIN <= stars <= STARS_MAX:
        raise InvalidInput(
            _("Please choose between %(min)d and %(max)d stars.") % {"min": STARS_MIN, "max": STARS_MAX},
            errors={"stars": ["invalid"]},
        )
    return stars


def _clean_text(text, *, field: str, max_length: int, required: bool) -> str:
    return clean_text(
        text, field=field, max_length=max_length, required=required,
        type_message=_("Please write text."), required_message=_("Please describe what is still wrong."),
        too_long_message=_("The text may have at most %(max)d characters."),
    )


@transaction.atomic
def feedback_submit(code_user, ticket: Ticket | int, *, stars, text="") -> Feedback:
    """The code user rates the finished work (1–5 stars, optional text); the ticket is closed.

    Raises PermissionDenied (not a code user of this ticket), WrongState (no feedback asked for
    now, e.g. already rated) or InvalidInput (``errors`` "stars" / "text"). Nothing is changed then.
    """
    ticket = lock_ticket(ticket)
    _check_may_answer(code_user, ticket)
    stars = _clean_stars(stars)
    text = _clean_text(text, field="text", max_length=FEEDBACK_TEXT_MAX, required=False)

    feedback = Feedback.objects.create(ticket=ticket, code_user=code_user, stars=stars, text=text)
    history_record(
        ticket, code_user, HistoryAction.FEEDBACK, field="feedback", new=stars_display(stars),
        data={"feedback_id": feedback.pk, "stars": stars, "text": text},
    )
    ticket = ticket_transition(
        code_user, ticket, "close",
        reason=_("Rated with %(stars)s by the customer.") % {"stars": stars_display(stars)},
    )
    publish_on_commit(events.ticket_feedback_given(ticket, code_user, stars=stars))
    return feedback


@transaction.atomic
def feedback_problem_persists(code_user, ticket: Ticket | int, *, text) -> Ticket:
    """"Problem not solved": the code user's words become a public update and the ticket goes
    back from Fertig to In Bearbeitung. Same rules as ``feedback_submit``; ``text`` is required."""
    ticket = lock_ticket(ticket)
    _check_may_answer(code_user, ticket)
    text = _clean_text(text, field="text", max_length=settings.UPDATE_MAX_LENGTH, required=True)
    update_post(code_user, ticket, text=text)
    return ticket_transition(code_user, ticket, "reopen", reason=_("The problem is not solved."))


# --- closing without an answer ---------------------------------------------------------------------


def tickets_autoclose(*, now: datetime | None = None) -> int:
    """Close (as the system) every ticket whose feedback did not come in time; return how many.

    Each ticket is closed in its own transaction under its row lock, and checked again there:
    a rating or a reopening that came in meanwhile wins. The reason in the history is worded in
    the active language (the Celery task and the command activate ``settings.LANGUAGE_CODE``).
    """
    now = now or timezone.now()
    days = settings.FEEDBACK_AUTOCLOSE_DAYS
    reason = ngettext(
        "No feedback within %(days)d day", "No feedback within %(days)d days", days
    ) % {"days": days}
    closed = 0
    for pk in selectors.tickets_awaiting_autoclose(now=now).order_by("status_changed_at", "pk").values_list("pk", flat=True):
        try:
            with transaction.atomic():
                ticket = lock_ticket(pk)
                if not selectors.tickets_awaiting_autoclose(now=now).filter(pk=pk).exists():
                    continue  # rated, reopened or closed meanwhile
                ticket_transition(None, ticket, "close", reason=reason, expected_status=Status.DONE)
        except DomainError as error:
            logger.info("ticket %s not closed automatically: %s", pk, error.message)
            continue
        closed += 1
    return closed
