"""The lifecycle: which transitions an actor may do now (and why not), and doing them."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import ConcurrentTransition

from common.errors import ConditionUnmet, InvalidInput, PermissionDenied, StaleState, WrongState
from common.events import publish_on_commit
from common.text import clean_text
from tickets import events
from tickets.choices import FINAL_STATES, HistoryAction, Status
from tickets.models import Ticket
from tickets.services.support import history_record, lock_ticket
from tickets.services.visibility import ticket_set_visibility

TRANSITIONS = ["submit", "assign", "start", "finish", "close", "reopen", "release", "cancel"]

# Closing from these states ends the work before it is Fertig: only with a reason.
EARLY_CLOSE_FROM = (Status.ASSIGNED, Status.IN_PROGRESS)

TRANSITION_LABELS = {
    "submit": gettext_lazy("Submit"),
    "assign": gettext_lazy("Assign"),
    "start": gettext_lazy("Start work"),
    "finish": gettext_lazy("Finish"),
    "close": gettext_lazy("Close"),
    "reopen": gettext_lazy("Reopen"),
    "release": gettext_lazy("Release"),
    "cancel": gettext_lazy("Cancel"),
}


# --- the lifecycle -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TransitionOption:
    name: str
    target: str | None
    allowed: bool
    reason: str = ""  # why not, for the status bar's tooltip


def _check_transition(ticket: Ticket, actor, name: str):
    """Return the transition, or raise the error naming why it is not allowed now."""
    if name not in TRANSITIONS:
        raise InvalidInput(_("Unknown action."), errors={"transition": ["invalid"]})
    meta = getattr(Ticket, name)._django_fsm
    label = TRANSITION_LABELS[name]
    if not meta.has_transition(ticket.status):
        raise WrongState(
            _("“%(action)s” is not possible while the ticket is %(status)s.")
            % {"action": label, "status": ticket.get_status_display()},
            current_status=ticket.status,
        )
    transition = meta.get_transition(ticket.status)
    if not transition.has_perm(ticket, actor):
        raise PermissionDenied(
            _("You are not allowed to do “%(action)s” on this ticket.") % {"action": label},
            current_status=ticket.status,
        )
    unmet = [condition for condition in transition.conditions if not condition(ticket)]
    if unmet:
        raise ConditionUnmet(
            " ".join(str(getattr(condition, "reason", _("A condition is not met."))) for condition in unmet),
            current_status=ticket.status,
        )
    return transition


def ticket_transition_options(actor, ticket: Ticket) -> list[TransitionOption]:
    """For each transition: may this actor do it now, and if not, why not."""
    options = []
    for name in TRANSITIONS:
        meta = getattr(Ticket, name)._django_fsm
        transition = meta.get_transition(ticket.status)
        try:
            _check_transition(ticket, actor, name)
        except (WrongState, PermissionDenied, ConditionUnmet) as error:
            options.append(TransitionOption(name, transition and transition.target, False, str(error.message)))
        else:
            options.append(TransitionOption(name, transition.target, True))
    return options


def ticket_available_transitions(actor, ticket: Ticket) -> list[str]:
    """The transitions this actor may perform on the ticket right now."""
    return [option.name for option in ticket_transition_options(actor, ticket) if option.allowed]


@transaction.atomic
def ticket_transition(
    actor, ticket: Ticket | int, name: str, *, reason: str = "", expected_status: str | None = None
) -> Ticket:
    """Perform one lifecycle transition. ``expected_status`` guards against stale pages."""
    ticket = lock_ticket(ticket)
    if expected_status is not None and ticket.status != expected_status:
        raise StaleState(
            _("The ticket was changed meanwhile: it is now %(status)s.") % {"status": ticket.get_status_display()},
            current_status=ticket.status,
        )
    _check_transition(ticket, actor, name)
    reason = clean_text(reason, field="reason", label=_("Reason"), max_length=2000, required=False)
    if name == "close" and ticket.status in EARLY_CLOSE_FROM and not reason:
        raise InvalidInput(
            _("Closing before the work is Fertig needs a reason: it goes into the history and, for a public ticket, to the customer."),
            errors={"reason": ["required"]},
        )
    old = ticket.status
    getattr(ticket, name)()
    ticket.status_changed_at = timezone.now()
    try:
        ticket.save()
    except ConcurrentTransition:  # only without row locks; the lock above normally prevents it
        raise StaleState(_("The ticket was changed meanwhile. Please reload it.")) from None
    if (old in FINAL_STATES) != ticket.is_final:
        # The fleet's assignment rows carry whether their ticket is finished (the index of "my
        # active tickets" and the unread badge); reached by their relation, in this transaction.
        ticket.assignments.update(ticket_finished=ticket.is_final)
    history_record(
        ticket, actor, HistoryAction.TRANSITION, field="status", old=old, new=ticket.status, reason=reason,
        data={"transition": name},
    )
    publish_on_commit(events.ticket_transitioned(ticket, actor, transition=name, old=old, reason=reason))
    return ticket


def ticket_move_to(
    actor, ticket: Ticket | int, target: str, *, reason: str = "", expected_status: str | None = None
) -> Ticket:
    """Move the ticket to the progress state ``target`` (the status bar: click a state, save).

    From any state at most one transition leads to a given target; this picks it and runs it,
    or raises the error that names why the target cannot be reached now.
    """
    if target not in Status.values:
        raise InvalidInput(_("Unknown progress status."), errors={"status": ["invalid"]})
    ticket = ticket if isinstance(ticket, Ticket) else Ticket.objects.get(pk=ticket)
    if expected_status is not None and ticket.status != expected_status:
        ticket.refresh_from_db()
    for option in ticket_transition_options(actor, ticket):
        if option.target == target:
            return ticket_transition(actor, ticket, option.name, reason=reason, expected_status=expected_status)
    if expected_status is not None and ticket.status != expected_status:
        raise StaleState(
            _("The ticket was changed meanwhile: it is now %(status)s.") % {"status": ticket.get_status_display()},
            current_status=ticket.status,
        )
    raise WrongState(
        _("%(target)s cannot be reached from %(status)s.")
        % {"target": Status(target).label, "status": ticket.get_status_display()},
        current_status=ticket.status,
    )


@transaction.atomic
def ticket_save_status(
    actor, ticket: Ticket | int, *, target: str | None = None, visibility: str | None = None,
    reason: str = "", expected_status: str | None = None,
) -> Ticket:
    """SPEICHERN of the status bar: a new progress state and/or visibility, all or nothing (one
    transaction: a refused visibility change undoes the state change, and the other way round)."""
    ticket = ticket if isinstance(ticket, Ticket) else Ticket.objects.get(pk=ticket)
    if target and target != ticket.status:
        ticket = ticket_move_to(actor, ticket, target, reason=reason, expected_status=expected_status)
    if visibility and visibility != ticket.visibility:
        ticket = ticket_set_visibility(actor, ticket, visibility, reason=reason)
    return ticket





def ticket_submit(actor, ticket, **kwargs) -> Ticket:
    return ticket_transition(actor, ticket, "submit", **kwargs)


def ticket_start(actor, ticket, **kwargs) -> Ticket:
    return ticket_transition(actor, ticket, "start", **kwargs)


def ticket_finish(actor, ticket, **kwargs) -> Ticket:
    return ticket_transition(actor, ticket, "finish", **kwargs)


def ticket_close(actor, ticket, **kwargs) -> Ticket:
    return ticket_transition(actor, ticket, "close", **kwargs)


def ticket_reopen(actor, ticket, **kwargs) -> Ticket:
    return ticket_transition(actor, ticket, "reopen", **kwargs)


def ticket_cancel(actor, ticket, **kwargs) -> Ticket:
    return ticket_transition(actor, ticket, "cancel", **kwargs)
