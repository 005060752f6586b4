"""Who may change a ticket (move it through its lifecycle, edit it, write updates), and when.

The predicates here are the ``permission=`` and ``conditions=`` of the transitions on
``tickets.models.Ticket``. An *actor* is either a staff member (``fleet.User``) or a code user
(``tickets.models.CodeUser``). Role rights come from model permissions of the role groups
(``fleet/roles.py``); an assignee's rights on one ticket are django-guardian object permissions
granted when they become assignee.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from common.actors import is_code_user
from tickets.choices import Status, UpdateKind
from tickets.custom_fields import custom_values_errors
from tickets.permissions import code_user_of, is_staff

# --- who the actor is ----------------------------------------------------------------------

# ``is_staff`` comes from tickets.permissions, the one place of the access rules.


def is_administrator(ticket, actor) -> bool:
    return is_staff(actor) and actor.has_perm("tickets.administer_ticket")


def is_moderator(ticket, actor) -> bool:
    """Moderators and administrators: they steer every ticket."""
    return is_staff(actor) and actor.has_perm("tickets.moderate_ticket")


def is_assignee(ticket, actor) -> bool:
    """An assignee holds the per-ticket permission to work on it (granted by fleet services)."""
    return is_staff(actor) and actor.has_perm("tickets.work_ticket", ticket)


def is_code_user_of(ticket, actor) -> bool:
    """A code user of the ticket: its code, active, public (``tickets.permissions.code_user_of``)."""
    return code_user_of(ticket, actor)


def is_opener(ticket, actor) -> bool:
    """The code user who opened the ticket."""
    return is_code_user_of(ticket, actor) and ticket.created_by_code_user_id == actor.pk


def is_system(ticket, actor) -> bool:
    """No person: the system acts on its own (e.g. tickets.feedback.tickets_autoclose).

    Only a few transitions accept it, and only where named explicitly (``may_close_done``).
    Doors (pages, API, sockets) always pass the signed-in user, never ``None``.
    """
    return actor is None


def is_creator(ticket, actor) -> bool:
    if is_code_user(actor):
        return is_opener(ticket, actor)
    return is_staff(actor) and ticket.created_by_id == actor.pk


# --- transition permissions ------------------------------------------------------------------


def may_work(ticket, actor) -> bool:
    """start, finish: an assignee, a moderator, an admin."""
    return is_moderator(ticket, actor) or is_assignee(ticket, actor)


def may_submit(ticket, actor) -> bool:
    return is_creator(ticket, actor)


def may_assign(ticket, actor) -> bool:
    """Automatic when someone became assignee: the new assignee (offer accepted) or a moderator."""
    return may_work(ticket, actor)


def may_release(ticket, actor) -> bool:
    """Automatic when the last assignee left. Who may remove an assignee is decided by
    fleet.services (the assignee themselves, a moderator, an admin) before this runs."""
    return is_staff(actor)


def may_close_done(ticket, actor) -> bool:
    """done → closed: by the code user's rating, staff working on it without a rating, or the
    system when no feedback came in time (``tickets.feedback.tickets_autoclose``)."""
    return may_work(ticket, actor) or is_code_user_of(ticket, actor) or is_system(ticket, actor)


def may_close_early(ticket, actor) -> bool:
    """assigned/in_progress → closed (before Fertig): the ticket's assignees and moderators, like
    every other step of the work, and administrators; with a reason (``ticket_transition``)."""
    return may_work(ticket, actor) or is_administrator(ticket, actor)


def may_reopen_done(ticket, actor) -> bool:
    """done → in_progress: the code user says the problem persists, or staff."""
    return may_work(ticket, actor) or is_code_user_of(ticket, actor)


def may_cancel(ticket, actor) -> bool:
    if may_work(ticket, actor):
        return True
    if ticket.status == Status.DRAFT and is_creator(ticket, actor):
        return True
    return ticket.status == Status.OPEN and is_opener(ticket, actor)


# --- editing, visibility, updates ----------------------------------------------------------------


def may_edit(ticket, actor) -> bool:
    """General information, template fields and the access code: the ticket's workers, staff with
    the role-wide change right, and the creator of a draft. Never a code user; never when final."""
    if ticket.is_final or not is_staff(actor):
        return False
    if may_work(ticket, actor) or actor.has_perm("tickets.change_ticket", ticket):
        return True
    return ticket.status == Status.DRAFT and is_creator(ticket, actor)


def may_change_visibility(ticket, actor) -> bool:
    if not is_staff(actor) or ticket.is_final:
        return False
    return (
        actor.has_perm("tickets.change_ticket")
        or actor.has_perm("tickets.change_ticket", ticket)
        or (ticket.status == Status.DRAFT and is_creator(ticket, actor))
    )


def may_post_update(ticket, actor, kind: str) -> bool:
    """Public updates: the ticket's code users (until it is final) and its staff; internal: staff."""
    if is_code_user(actor):
        return kind == UpdateKind.PUBLIC and is_code_user_of(ticket, actor) and not ticket.is_final
    if not is_staff(actor):
        return False
    return may_work(ticket, actor) or is_creator(ticket, actor)


# --- transition conditions ---------------------------------------------------------------------


def creation_complete(ticket) -> bool:
    """Every creation step of the template is done and the template fields are valid."""
    required = set(ticket.template.creation_steps or [])
    if not required <= set(ticket.completed_steps or []):
        return False
    return not custom_values_errors(ticket.template, ticket.custom_values)


creation_complete.reason = _("Not every creation step is complete.")


def has_assignees(ticket) -> bool:
    return ticket.assignments.exists()


has_assignees.reason = _("The ticket has no assignee.")


def has_no_assignees(ticket) -> bool:
    return not ticket.assignments.exists()


has_no_assignees.reason = _("The ticket still has assignees.")
