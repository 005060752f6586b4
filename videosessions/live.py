"""The call hears what the domain decides: a session that ended (or was called off) closes every
socket of its call; a ticket that turned internal, or whose access code was switched off, sends its
code users out of its running calls. Subscribers of the event catalogue (config/subscriptions.py)."""

from __future__ import annotations

from common import events
from common.sockets import group_send_from_sync
from videosessions import selectors


def call_group(session_id: int) -> str:
    return f"video.{session_id}"


def push_call_event(event: events.DomainEvent) -> None:
    """Subscriber of "video.session_changed"."""
    if event.payload["change"] in ("end", "cancel", "miss"):
        group_send_from_sync(call_group(event.payload["session_id"]), {"type": "call.ended", "state": event.payload["state"]})


def revoke_code_users(event: events.DomainEvent) -> None:
    """Subscriber of "ticket.visibility_changed", "ticket.changed" (its access code) and
    "access_code.switched": code users who may no longer see the ticket leave its calls."""
    if event.name == "access_code.switched":
        if event.payload["active"]:
            return
        session_ids = selectors.running_session_ids(access_code_id=event.payload["access_code_id"])
    elif event.name == "ticket.visibility_changed":
        if event.payload["to"] != "internal":
            return
        session_ids = selectors.running_session_ids(ticket_id=event.ticket_id)
    elif event.name == "ticket.changed":
        if "access_code" not in event.payload["fields"]:
            return
        session_ids = selectors.running_session_ids(ticket_id=event.ticket_id)
    else:
        return
    for session_id in session_ids:
        group_send_from_sync(call_group(session_id), {"type": "access.revoked"})
