"""Live updates: domain events and chat messages pushed to open ticket pages and ticket lists.

Groups on the channel layer (Redis across processes, in memory in one process):
- ``ticket.<id>.public`` – every socket of a ticket, staff and code users: what code users may see;
- ``ticket.<id>.staff``  – the staff sockets of a ticket besides: what only staff may see;
- ``code.<id>``          – the code-user sockets of an access code (closed when it is switched off);
- ``tickets.staff``      – open staff ticket lists: new tickets and status changes.
Each push goes to exactly one of a ticket's groups (one group send per message: a public chat
message reaches staff and code users through the public group), so no socket gets it twice.

Delivery through the layer is best effort; nothing is lost because messages are stored first and
numbered per ticket: clients fetch any gap they see and catch up after the last number they hold
on every (re)connect.
"""

from __future__ import annotations

import json
import logging

from common import events
from common.sockets import group_send_from_sync

logger = logging.getLogger(__name__)

TICKET_LIST_GROUP = "tickets.staff"

# Domain events the open ticket pages react to (everything else stays server-side).
PAGE_EVENTS = {
    "ticket.transitioned": "status",
    "ticket.visibility_changed": "status",
    "ticket.changed": "ticket",
    "ticket.update_posted": "updates",
    "fleet.assignee_added": "fleet",
    "fleet.assignee_removed": "fleet",
    "fleet.forwarded": "fleet",
    "fleet.offers_sent": "fleet",
    "fleet.offer_declined": "fleet",
    "fleet.offer_withdrawn": "fleet",
    "fleet.offers_expired": "fleet",
    "fleet.seen": "fleet",
    "video.session_changed": "video",
}
# Fleet and history details are for staff, whatever the ticket's visibility.
STAFF_ONLY_AREAS = {"fleet", "ticket"}


def staff_group(ticket_id: int) -> str:
    return f"ticket.{ticket_id}.staff"


def public_group(ticket_id: int) -> str:
    return f"ticket.{ticket_id}.public"


def code_group(access_code_id: int) -> str:
    return f"code.{access_code_id}"


def read_receipt(reader: dict, up_to_id: int) -> dict:
    """The group message that tells a ticket's open pages how far ``reader`` ({kind, id, name,
    key}) has read; each socket shows it only to whom may see that name (``permissions.sees_name``)."""
    return {"type": "message.read", "reader": reader, "up_to_id": up_to_id}


def push_read(ticket_id: int, reader: dict, up_to_id: int) -> None:
    """A read receipt from outside a socket (the REST API) to the ticket's open pages."""
    group_send_from_sync(public_group(ticket_id), read_receipt(reader, up_to_id))


def push_page_event(event: events.DomainEvent) -> None:
    """Subscriber for every domain event: tell open pages what changed."""
    if event.name == "access_code.switched":
        if not event.payload["active"]:  # its code users' open ticket pages close (they may not come back)
            group_send_from_sync(code_group(event.payload["access_code_id"]), {"type": "access.revoked"})
        return
    if event.ticket_id is None:
        return
    area = PAGE_EVENTS.get(event.name)
    if event.name == "messenger.message_posted":
        push_message(event)
        return
    if area is not None:
        frame = {
            "type": "ticket.event",
            "event": {
                "name": event.name, "area": area, "ticket": event.ticket_number,
                "payload": _public_payload(event), "actor": event.actor,
            },
        }
        staff_only = event.internal or area in STAFF_ONLY_AREAS
        group_send_from_sync(staff_group(event.ticket_id) if staff_only else public_group(event.ticket_id), frame)
    if (event.name == "ticket.visibility_changed" and event.payload.get("to") == "internal") or (
        event.name == "ticket.changed" and "access_code" in event.payload["fields"]
    ):
        # Open code-user sockets of a ticket that turned internal, or moved to another access code,
        # close (no presence, no typing, nothing); those still allowed come back when they reconnect.
        group_send_from_sync(public_group(event.ticket_id), {"type": "access.revoked"})
    if event.name in ("ticket.created", "ticket.transitioned", "ticket.visibility_changed"):
        group_send_from_sync(TICKET_LIST_GROUP, {"type": "list.changed", "ticket": event.ticket_number, "event": event.name})


def _public_payload(event: events.DomainEvent) -> dict:
    allowed = {"transition", "from", "to", "kind", "update_id"}
    return {key: value for key, value in event.payload.items() if key in allowed}


def push_message(event: events.DomainEvent) -> None:
    """One chat message to every open page of the ticket: the frame is encoded once per language
    here and the channel layer fans it out; the sockets send it as it is (nothing is read again)."""
    frames = {
        language: json.dumps({"type": "chat.message", "message": message}, ensure_ascii=False)
        for language, message in event.payload["shown"].items()
    }
    group_message = {"type": "chat.message", "frames": frames}
    group_send_from_sync(staff_group(event.ticket_id) if event.internal else public_group(event.ticket_id), group_message)
