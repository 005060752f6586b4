"""Who works on which ticket. Every page and the API call these.

Assignment rules: administrators and moderators assign and unassign anyone; an assignee may
remove themselves (release). Becoming an assignee grants the per-ticket permissions; leaving
revokes them. The ticket follows automatically: Offen → Zugewiesen with the first assignee,
back to Offen when the last one leaves.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from common.errors import InvalidInput, PermissionDenied, WrongState
from fleet.models import Assignment, User
from fleet.permissions import grant_assignee_permissions, revoke_assignee_permissions
from tickets import lifecycle
from tickets import services as ticket_services
from tickets.choices import HistoryAction, Status
from tickets.models import Ticket


@transaction.atomic
def assignee_add(actor, ticket: Ticket | int, user: User, *, via_offer: bool = False) -> Assignment:
    """Make ``user`` an assignee. By a moderator/admin, or by the user accepting an offer."""
    ticket = ticket_services.lock_ticket(ticket)
    if not lifecycle.is_staff(user):
        raise InvalidInput(_("Only active staff members can be assigned."))
    if via_offer:
        if actor != user:
            raise PermissionDenied(_("Only the offered staff member can accept an offer."))
    elif not lifecycle.is_moderator(ticket, actor):
        raise PermissionDenied(_("Only administrators and moderators assign staff members."))
    if ticket.status in (Status.DRAFT, Status.DONE, Status.CLOSED, Status.CANCELLED):
        raise WrongState(
            _("Nobody can be assigned while the ticket is %(status)s.") % {"status": ticket.get_status_display()},
            current_status=ticket.status,
        )
    if Assignment.objects.filter(ticket=ticket, user=user).exists():
        raise InvalidInput(_("%(name)s is already assigned.") % {"name": user.display_name})
    assignment = Assignment.objects.create(ticket=ticket, user=user, assigned_by=actor)
    grant_assignee_permissions(user, ticket)
    ticket_services.history_record(
        ticket, actor, HistoryAction.ASSIGNMENT, field="assignees", new=user.display_name,
        data={"user_id": user.pk, "change": "added", "via_offer": via_offer},
    )
    ticket_services.publish_ticket_event("fleet.assignee_added", ticket, actor, {"user_id": user.pk, "via_offer": via_offer})
    if ticket.status == Status.OPEN:
        ticket_services.ticket_transition(actor, ticket, "assign")
    return assignment


@transaction.atomic
def assignee_remove(actor, ticket: Ticket | int, user: User, *, reason: str = "") -> None:
    """Remove an assignee (release by themselves, unassign by a moderator/admin)."""
    ticket = ticket_services.lock_ticket(ticket)
    if not (actor == user or lifecycle.is_moderator(ticket, actor)):
        raise PermissionDenied(_("You may only release tickets you are assigned to."))
    deleted, _rows = Assignment.objects.filter(ticket=ticket, user=user).delete()
    if not deleted:
        raise InvalidInput(_("%(name)s is not assigned to this ticket.") % {"name": user.display_name})
    revoke_assignee_permissions(user, ticket)
    ticket_services.history_record(
        ticket, actor, HistoryAction.ASSIGNMENT, field="assignees", old=user.display_name, reason=reason,
        data={"user_id": user.pk, "change": "removed"},
    )
    ticket_services.publish_ticket_event("fleet.assignee_removed", ticket, actor, {"user_id": user.pk})
    if ticket.status in (Status.ASSIGNED, Status.IN_PROGRESS) and not Assignment.objects.filter(ticket=ticket).exists():
        ticket_services.ticket_transition(actor, ticket, "release", reason=reason)
