"""Intern or Öffentlich: who may change a ticket's visibility, and changing it."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from common.errors import InvalidInput, PermissionDenied, WrongState
from common.events import publish_on_commit
from common.text import clean_text
from tickets import events, lifecycle
from tickets.choices import HistoryAction, Visibility
from tickets.models import Ticket
from tickets.services.support import history_record, lock_ticket


@transaction.atomic
def ticket_set_visibility(actor, ticket: Ticket | int, visibility: str, *, reason: str = "") -> Ticket:
    ticket = lock_ticket(ticket)
    if visibility not in Visibility.values:
        raise InvalidInput(_("Unknown visibility."), errors={"visibility": ["invalid"]})
    if not lifecycle.may_change_visibility(ticket, actor):
        if ticket.is_final and lifecycle.is_staff(actor):
            raise WrongState(_("A closed or cancelled ticket cannot be changed."), current_status=ticket.status)
        raise PermissionDenied(_("You are not allowed to change the visibility of this ticket."))
    if ticket.visibility == visibility:
        return ticket
    old = ticket.visibility
    ticket.visibility = visibility
    ticket.save(update_fields=["visibility", "updated_at"])
    reason = clean_text(reason, field="reason", label=_("Reason"), max_length=2000, required=False)
    history_record(ticket, actor, HistoryAction.VISIBILITY, field="visibility", old=old, new=visibility, reason=reason)
    # Code users learn of it only when the ticket became visible to them.
    publish_on_commit(events.ticket_visibility_changed(ticket, actor, old=old))
    return ticket
