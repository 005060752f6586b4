"""The webhook types and their bodies, made from the domain event catalogue (``tickets/events.py``).

Administrators subscribe an endpoint to webhook *types*; each type is fed by one or more domain
events (``SOURCES``). :func:`body_for` is the one place that says what a type's JSON body holds:

    {"type": "ticket.status_changed", "timestamp": "2026-05-04T08:15:00Z",
     "data": {"ticket": {"number", "title", "status", "visibility", "url"},
              "actor": {"kind", "id", "name"}, "event": <the catalogue payload>, "source": <event name>,
              … what the type adds (message, update, users)}}

Texts (system messages) are worded in the site's language (``LANGUAGE_CODE``). The per-language
``shown`` blob of ``messenger.message_posted`` is never sent.
"""

from __future__ import annotations

from datetime import datetime, timezone as dt_timezone

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from common.events import DomainEvent
from common.links import absolute_url
from webhooks import selectors

TICKET_CREATED = "ticket.created"
STATUS_CHANGED = "ticket.status_changed"
VISIBILITY_CHANGED = "ticket.visibility_changed"
UPDATE_POSTED = "ticket.update_posted"
MESSAGE_POSTED = "message.posted"
FEEDBACK_GIVEN = "feedback.given"
ASSIGNMENT_CHANGED = "assignment.changed"
VIDEO_SESSION_CHANGED = "video_session.changed"
TEST = "webhook.test"  # the "send a test" ping; nobody subscribes to it

# The types an endpoint may subscribe to, in the order the settings page lists them.
TYPES: dict[str, str] = {
    TICKET_CREATED: _("Ticket created"),
    STATUS_CHANGED: _("Status changed"),
    VISIBILITY_CHANGED: _("Visibility changed"),
    UPDATE_POSTED: _("Update posted"),
    MESSAGE_POSTED: _("Message posted"),
    FEEDBACK_GIVEN: _("Feedback given"),
    ASSIGNMENT_CHANGED: _("Assignment changed"),
    VIDEO_SESSION_CHANGED: _("Video session changed"),
}

# Domain event (tickets/events.py) → webhook type.
SOURCES: dict[str, str] = {
    "ticket.created": TICKET_CREATED,
    "ticket.transitioned": STATUS_CHANGED,
    "ticket.visibility_changed": VISIBILITY_CHANGED,
    "ticket.update_posted": UPDATE_POSTED,
    "messenger.message_posted": MESSAGE_POSTED,
    "ticket.feedback_given": FEEDBACK_GIVEN,
    "fleet.assignee_added": ASSIGNMENT_CHANGED,
    "fleet.assignee_removed": ASSIGNMENT_CHANGED,
    "fleet.forwarded": ASSIGNMENT_CHANGED,
    "video.session_changed": VIDEO_SESSION_CHANGED,
}


def type_for(event_name: str) -> str | None:
    return SOURCES.get(event_name)


def iso_utc(moment: datetime) -> str:
    """ISO 8601 in UTC with a Z, to the second's fraction Python keeps."""
    return moment.astimezone(dt_timezone.utc).isoformat().replace("+00:00", "Z")


def _ticket(ticket) -> dict:
    return {
        "number": ticket.number,
        "title": ticket.title,
        "status": ticket.status,
        "visibility": ticket.visibility,
        "url": absolute_url(ticket.get_absolute_url()),
    }


def body_for(event: DomainEvent) -> dict | None:
    """The body of the webhook this event makes, or None when it makes none (not a webhook
    type, or the ticket is gone)."""
    webhook_type = type_for(event.name)
    if webhook_type is None or event.ticket_id is None:
        return None
    ticket = selectors.ticket_for_webhook(event.ticket_id)
    if ticket is None:
        return None
    payload = dict(event.payload)
    data: dict = {"ticket": _ticket(ticket), "actor": dict(event.actor), "source": event.name}
    if webhook_type == MESSAGE_POSTED:
        shown = payload.pop("shown", {}) or {}
        message = shown.get(settings.LANGUAGE_CODE) or next(iter(shown.values()), None)
        if message is not None:
            data["message"] = {
                "id": message["id"], "seq": message["seq"], "kind": message["kind"], "text": message["text"],
                "author": {"kind": message["author"]["kind"], "name": message["author"]["name"]},
                "created_at": message["created_at"],
            }
    elif webhook_type == UPDATE_POSTED:
        update = selectors.update_for_webhook(payload["update_id"])
        if update is not None:
            data["update"] = update
    elif webhook_type == ASSIGNMENT_CHANGED:
        ids = [payload[key] for key in ("user_id", "from_user_id", "to_user_id") if key in payload]
        data["users"] = selectors.staff_names(ids)
    elif webhook_type == VIDEO_SESSION_CHANGED:
        data["video_session"] = selectors.video_session_for_webhook(payload["session_id"])
    data["event"] = payload
    return {"type": webhook_type, "timestamp": iso_utc(event.occurred_at), "data": data}


def test_body(endpoint, *, now: datetime) -> dict:
    return {"type": TEST, "timestamp": iso_utc(now), "data": {"endpoint": {"url": endpoint.url}}}
