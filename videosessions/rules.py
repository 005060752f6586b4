"""Who may see, plan, join and steer a video session: the one place of these rules for every door
(the staff tab, the customer's page, the call's socket, the REST API).

A session belongs to a ticket and follows its access rule (``tickets.permissions.can_see``): staff
who see the ticket see all its sessions; a code user who sees the (public) ticket sees its
*public* sessions. The predicates of the transitions (``permission=`` on
``VideoSession``) take (session, actor), like the ticket's.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy

from common.actors import is_code_user
from tickets import lifecycle, permissions
from tickets.choices import Status, Visibility
from videosessions.choices import SessionState


def may_see(actor, session) -> bool:
    if not permissions.can_see(actor, session.ticket):
        return False
    return permissions.is_staff(actor) or session.visibility == Visibility.PUBLIC


def visible_filter(actor) -> Q:
    """``may_see`` for the sessions of a ticket the actor sees: code users only the public ones."""
    return Q() if permissions.is_staff(actor) else Q(visibility=Visibility.PUBLIC)


def ticket_open_for_sessions(ticket) -> bool:
    """New sessions are for tickets being worked on: not a draft, not closed or cancelled."""
    return ticket.status not in (Status.DRAFT, Status.CLOSED, Status.CANCELLED)


def ticket_takes_calls(session) -> bool:
    """A session is confirmed or started only while its ticket is being worked on (the same rule
    as for planning new ones): once the ticket is closed or cancelled, its sessions are only wound
    down (called off or ended). A condition of ``confirm`` and ``start`` on ``VideoSession``."""
    return ticket_open_for_sessions(session.ticket)


ticket_takes_calls.reason = gettext_lazy(
    "The ticket is no longer being worked on: its video sessions can only be called off or ended."
)


def may_create(ticket, actor) -> bool:
    """Staff who see the ticket plan or start sessions on it."""
    return permissions.is_staff(actor) and permissions.can_see(actor, ticket) and ticket_open_for_sessions(ticket)


def may_create_public(ticket, actor) -> bool:
    """A public session (the ticket's code users see and join it) needs a public ticket; an internal
    ticket has internal sessions only."""
    return may_create(ticket, actor) and ticket.visibility == Visibility.PUBLIC


def visibility_choices(ticket, actor) -> list[str]:
    """The visibilities staff may give a new session of this ticket."""
    if may_create_public(ticket, actor):
        return [Visibility.INTERNAL, Visibility.PUBLIC]
    return [Visibility.INTERNAL]


def default_visibility(ticket, actor) -> str:
    """A new session is public where it may be (a public ticket: the customer is usually who the
    call is with, and "start now" in the conversation invites them), internal otherwise."""
    return Visibility.PUBLIC if may_create_public(ticket, actor) else Visibility.INTERNAL


def may_request(ticket, actor) -> bool:
    """A code user of a public ticket asks for a session."""
    return is_code_user(actor) and permissions.can_see(actor, ticket) and ticket_open_for_sessions(ticket)


# --- transitions (session, actor) ------------------------------------------------------------------


def is_manager(session, actor) -> bool:
    """Staff who see the ticket steer its sessions (confirm, start, end, cancel)."""
    return permissions.is_staff(actor) and permissions.can_see(actor, session.ticket)


def is_requester(session, actor) -> bool:
    return is_code_user(actor) and session.requested_by_code_user_id == actor.pk and may_see(actor, session)


def is_system(session, actor) -> bool:
    """No person: the sweep (a session nobody joined, one everybody left)."""
    return actor is None


def may_confirm(session, actor) -> bool:
    """Staff confirm what a customer asked for; a customer confirms what staff planned (public)."""
    if is_manager(session, actor):
        return True
    return is_code_user(actor) and session.requested_by_code_user_id is None and may_see(actor, session)


def may_start(session, actor) -> bool:
    """The first one to join starts it: staff at any time, a code user once it is confirmed."""
    if is_manager(session, actor):
        return True
    return may_see(actor, session) and session.state == SessionState.CONFIRMED


def may_end(session, actor) -> bool:
    return is_manager(session, actor) or is_system(session, actor)


def may_cancel(session, actor) -> bool:
    return is_manager(session, actor) or is_requester(session, actor)


# --- in the call --------------------------------------------------------------------------------------


def may_join(session, actor) -> bool:
    """Who may be in the call now: who sees the session while it can be joined (a requested one only
    staff, whose joining starts it)."""
    if not may_see(actor, session):
        return False
    if session.state == SessionState.RUNNING:
        return True
    return (
        may_start(session, actor)
        and session.state in (SessionState.REQUESTED, SessionState.CONFIRMED)
        and ticket_takes_calls(session)
    )


def may_store_snapshot(session, actor, *, public: bool) -> bool:
    """A participant keeps an annotated snapshot in the service log when they may write that kind
    of update on the ticket (``tickets.lifecycle.may_post_update``; code users: public only)."""
    kind = "public" if public else "internal"
    if public and session.visibility != Visibility.PUBLIC:
        return False  # an internal session's pictures stay internal
    return may_see(actor, session) and lifecycle.may_post_update(session.ticket, actor, kind)


def may_rate(session, actor) -> bool:
    """A code user rates a finished public session when the ticket's template asks for feedback."""
    return (
        is_code_user(actor)
        and may_see(actor, session)
        and session.state == SessionState.ENDED
        and session.ticket.template.asks_feedback
    )


def may_see_snapshot(session, actor, snapshot) -> bool:
    """Who sees the update it is kept in (public: the ticket's code users too; internal: staff), and
    everyone who was in the call it was taken in (it was shown to them there)."""
    if not may_see(actor, session):
        return False
    if permissions.is_staff(actor) or snapshot.update.kind == "public":
        return True
    return session.participations.filter(code_user=actor).exists()


def may_announce_snapshot(session, actor, snapshot) -> bool:
    """Who may show a stored snapshot to everyone in the call (the socket's "snapshot" frame): the
    person who just stored it, in that call. Snapshot ids are easy to guess: anyone else naming one
    (a code user an internal snapshot staff took before they joined) would hear its text and show
    it to the whole call, customers included (found by issue 24's socket matrix)."""
    if snapshot.session_id != session.pk or not may_see(actor, session):
        return False
    update = snapshot.update
    if is_code_user(actor):
        return update.author_code_user_id == actor.pk
    return update.author_id == actor.pk
