"""What every ticket service shares: the row lock, the history record and the staff check."""

from __future__ import annotations

from django.utils.translation import gettext as _

from common.actors import actor_columns
from common.errors import PermissionDenied
from tickets import lifecycle
from tickets.models import Ticket, TicketHistory


def history_record(ticket, actor, action, *, field="", old="", new="", reason="", data=None) -> TicketHistory:
    return TicketHistory.objects.create(
        ticket=ticket,
        action=action,
        field=field,
        old_value="" if old is None else str(old),
        new_value="" if new is None else str(new),
        reason=reason or "",
        data=data or {},
        **actor_columns(actor),
    )


def lock_ticket(ticket: Ticket | int) -> Ticket:
    pk = ticket.pk if isinstance(ticket, Ticket) else ticket
    return Ticket.objects.select_for_update(of=("self",)).select_related("template", "access_code").get(pk=pk)


def require_staff(actor, perm: str | None = None) -> None:
    if not lifecycle.is_staff(actor) or (perm and not actor.has_perm(perm)):
        raise PermissionDenied(_("You are not allowed to do this."))



# A keyword argument left out (as opposed to given as None).
UNSET = object()
