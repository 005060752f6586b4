"""Who may see a ticket: the one access rule for every door (pages, portal, sockets, feedback,
personal links, the API).

- Staff see every ticket they hold ``tickets.view_ticket`` for, except other people's unfinished
  drafts (moderators and administrators see those too).
- A code user sees a ticket when it came through *their* access code, that code is *active*, the
  ticket is *public* and it is *not a draft*: ``code_user_can_see``. Acting on it (a transition,
  an update, feedback) additionally needs the lifecycle's permission for that action.

Each rule exists twice, as a predicate for one ticket and as a queryset filter for lists, side by
side here so that they cannot drift apart (``tests/tickets/test_permissions.py`` compares them).
Pure functions of the actor and the ticket: no model imports, so ``tickets.lifecycle`` (the
transitions' ``permission=`` predicates on the model) builds on them.
"""

from __future__ import annotations

from django.db.models import Q

from common.actors import is_code_user
from tickets.choices import Status, Visibility


def is_staff(actor) -> bool:
    """A signed-in, active staff member (code users and the system are not staff)."""
    return (
        actor is not None
        and not is_code_user(actor)
        and getattr(actor, "is_authenticated", False)
        and getattr(actor, "is_active", False)
    )


def sees_name(viewer_kind: str, other_kind: str) -> bool:
    """Who learns whose name on a ticket's live pages (presence, typing, read receipts, who is in a
    video call): staff see everyone there, code users see staff only (never another customer).
    Kinds: "staff", "code_user"."""
    return viewer_kind == "staff" or other_kind == "staff"


# --- code users ----------------------------------------------------------------------------------


def code_user_of(ticket, code_user) -> bool:
    """The code user belongs to this ticket: same access code, the code is active, the ticket is
    public. Drafts included (a code user's report is a draft for the moment it is submitted)."""
    return (
        is_code_user(code_user)
        and ticket.access_code_id is not None
        and code_user.access_code_id == ticket.access_code_id
        and ticket.visibility == Visibility.PUBLIC
        and ticket.access_code.is_active
    )


def code_user_can_see(code_user, ticket) -> bool:
    """Active code, same code, public, not a draft."""
    return code_user_of(ticket, code_user) and ticket.status != Status.DRAFT


def code_user_tickets(access_code) -> Q | None:
    """``code_user_can_see`` as a filter for the tickets of one code; None when the code is off."""
    if not access_code.is_active:
        return None
    return Q(access_code=access_code, visibility=Visibility.PUBLIC) & ~Q(status=Status.DRAFT)


# --- staff ---------------------------------------------------------------------------------------


def staff_tickets(user) -> Q | None:
    """What a staff member sees as a filter; None when they see nothing."""
    if not is_staff(user) or not user.has_perm("tickets.view_ticket"):
        return None
    if user.has_perm("tickets.moderate_ticket"):
        return Q()
    return ~Q(status=Status.DRAFT) | Q(created_by=user)


def staff_can_see(user, ticket) -> bool:
    if not is_staff(user) or not user.has_perm("tickets.view_ticket"):
        return False
    return ticket.status != Status.DRAFT or user.has_perm("tickets.moderate_ticket") or ticket.created_by_id == user.pk


def can_see(actor, ticket) -> bool:
    if is_code_user(actor):
        return code_user_can_see(actor, ticket)
    return staff_can_see(actor, ticket)
