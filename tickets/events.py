"""The catalogue of domain events: every event the domain publishes, with its exact payload.

Every event is about one ticket (one, ``access_code.switched``, about an access code and so the
tickets of its code users), so the catalogue lives here, at the bottom of the apps that publish
(tickets, fleet, messenger). A service builds its event with the builder below and hands
it to ``common.events.publish_on_commit``; subscribers (``config/subscriptions.py``) and the live
push read ``event.payload`` by the keys declared here. A builder that would produce other keys
raises at once, so the catalogue, the services and ``docs/architecture.md`` (whose table
``tests/test_event_catalogue.py`` compares with :func:`markdown_table`) cannot drift apart.

``internal`` on an event means code users must never learn of it: always for staff-only events,
otherwise when the ticket is Intern (and for internal updates).
"""

from __future__ import annotations

from dataclasses import dataclass

from common.actors import actor_summary
from common.events import DomainEvent
from tickets.choices import UpdateKind, Visibility


@dataclass(frozen=True)
class EventType:
    name: str
    payload: tuple[str, ...]  # the payload's keys, exactly
    summary: str  # what happened, for the docs table
    publisher: str  # the service that publishes it
    staff_only: bool = False  # True: internal whatever the ticket's visibility


CATALOGUE: dict[str, EventType] = {}


def _declare(name, payload, summary, publisher, *, staff_only=False) -> EventType:
    event_type = EventType(name, tuple(payload), summary, publisher, staff_only)
    CATALOGUE[name] = event_type
    return event_type


def _event(event_type: EventType, ticket, actor, payload: dict, *, internal: bool = False) -> DomainEvent:
    if tuple(payload) != event_type.payload:
        raise ValueError(f"{event_type.name}: payload keys {tuple(payload)} differ from the catalogue's {event_type.payload}")
    return DomainEvent(
        name=event_type.name,
        ticket_id=ticket.pk,
        ticket_number=ticket.number,
        actor=actor_summary(actor),
        payload=payload,
        internal=event_type.staff_only or internal or ticket.visibility == Visibility.INTERNAL,
    )


# --- tickets --------------------------------------------------------------------------------------

TICKET_CREATED = _declare(
    "ticket.created", ("status", "visibility"), "A ticket was created (as Entwurf).", "tickets.services.ticket_create"
)
TICKET_CHANGED = _declare(
    "ticket.changed", ("fields", "step"),
    "General information, template fields or the access code changed (`fields`: their names), "
    "and/or a creation step was completed (`step`, else null).",
    "tickets.services.ticket_update_fields",
)
TICKET_TRANSITIONED = _declare(
    "ticket.transitioned", ("transition", "from", "to", "reason"),
    "The progress status changed by a lifecycle transition.", "tickets.services.ticket_transition",
)
TICKET_VISIBILITY_CHANGED = _declare(
    "ticket.visibility_changed", ("from", "to"), "Intern ↔ Öffentlich.", "tickets.services.ticket_set_visibility"
)
TICKET_UPDATE_POSTED = _declare(
    "ticket.update_posted", ("update_id", "kind", "corrects"),
    "A public or internal update was added (`corrects`: the update it corrects, or null); "
    "internal updates are staff only.",
    "tickets.services.update_post",
)
TICKET_FEEDBACK_GIVEN = _declare(
    "ticket.feedback_given", ("stars",), "The code user rated the finished work (the ticket is closed).",
    "tickets.services.feedback_submit",
)


def ticket_created(ticket, actor) -> DomainEvent:
    return _event(TICKET_CREATED, ticket, actor, {"status": ticket.status, "visibility": ticket.visibility})


def ticket_changed(ticket, actor, *, fields: list[str], step: str | None) -> DomainEvent:
    return _event(TICKET_CHANGED, ticket, actor, {"fields": list(fields), "step": step})


def ticket_transitioned(ticket, actor, *, transition: str, old: str, reason: str) -> DomainEvent:
    payload = {"transition": transition, "from": old, "to": ticket.status, "reason": reason}
    return _event(TICKET_TRANSITIONED, ticket, actor, payload)


def ticket_visibility_changed(ticket, actor, *, old: str) -> DomainEvent:
    # Internal when the ticket was or became Intern; code users learn of it only when it became public.
    return _event(TICKET_VISIBILITY_CHANGED, ticket, actor, {"from": old, "to": ticket.visibility})


def ticket_update_posted(ticket, actor, update) -> DomainEvent:
    payload = {"update_id": update.pk, "kind": update.kind, "corrects": update.corrects_id}
    return _event(TICKET_UPDATE_POSTED, ticket, actor, payload, internal=update.kind == UpdateKind.INTERNAL)


def ticket_feedback_given(ticket, code_user, *, stars: int) -> DomainEvent:
    return _event(TICKET_FEEDBACK_GIVEN, ticket, code_user, {"stars": stars})


# --- fleet ----------------------------------------------------------------------------------------

FLEET_ASSIGNEE_ADDED = _declare(
    "fleet.assignee_added", ("user_id", "how"),
    "A staff member joined the ticket: `how` is `assigned` (by a moderator), `offer` (accepted one) "
    "or `claim` (took it: Übernehmen).", "fleet.services.assignee_add",
)
FLEET_ASSIGNEE_REMOVED = _declare(
    "fleet.assignee_removed", ("user_id", "released"),
    "A staff member left the ticket (removed by a moderator, or `released` it themselves).",
    "fleet.services.assignee_remove",
)
FLEET_FORWARDED = _declare(
    "fleet.forwarded", ("from_user_id", "to_user_id"), "An assignee handed the ticket on to a colleague.",
    "fleet.services.assignee_forward",
)
FLEET_OFFERS_SENT = _declare(
    "fleet.offers_sent", ("user_ids",), "Offers went out to these staff members.", "fleet.services.offers_send",
)
FLEET_OFFER_DECLINED = _declare(
    "fleet.offer_declined", ("user_id",), "A staff member declined their offer.", "fleet.services.offer_decline",
)
FLEET_OFFER_WITHDRAWN = _declare(
    "fleet.offer_withdrawn", ("user_id",), "A moderator withdrew an offer.", "fleet.services.offer_withdraw",
)
FLEET_OFFERS_EXPIRED = _declare(
    "fleet.offers_expired", ("user_ids",), "Offers ran out of time unanswered.", "fleet.services.offers_expire",
)
FLEET_SEEN = _declare(
    "fleet.seen", ("user_id",), "A staff member opened the ticket for the first time (GESEHEN).",
    "fleet.services.ticket_seen", staff_only=True,
)


def fleet_assignee_added(ticket, actor, *, user, how: str) -> DomainEvent:
    return _event(FLEET_ASSIGNEE_ADDED, ticket, actor, {"user_id": user.pk, "how": how})


def fleet_assignee_removed(ticket, actor, *, user, released: bool) -> DomainEvent:
    return _event(FLEET_ASSIGNEE_REMOVED, ticket, actor, {"user_id": user.pk, "released": released})


def fleet_forwarded(ticket, actor, *, from_user, to_user) -> DomainEvent:
    return _event(FLEET_FORWARDED, ticket, actor, {"from_user_id": from_user.pk, "to_user_id": to_user.pk})


def fleet_offers_sent(ticket, actor, *, users) -> DomainEvent:
    return _event(FLEET_OFFERS_SENT, ticket, actor, {"user_ids": [user.pk for user in users]})


def fleet_offer_declined(ticket, actor, *, user_id: int) -> DomainEvent:
    return _event(FLEET_OFFER_DECLINED, ticket, actor, {"user_id": user_id})


def fleet_offer_withdrawn(ticket, actor, *, user_id: int) -> DomainEvent:
    return _event(FLEET_OFFER_WITHDRAWN, ticket, actor, {"user_id": user_id})


def fleet_offers_expired(ticket, *, user_ids: list[int]) -> DomainEvent:
    return _event(FLEET_OFFERS_EXPIRED, ticket, None, {"user_ids": list(user_ids)})


def fleet_seen(ticket, user) -> DomainEvent:
    return _event(FLEET_SEEN, ticket, user, {"user_id": user.pk})


# --- messenger ------------------------------------------------------------------------------------

MESSENGER_MESSAGE_POSTED = _declare(
    "messenger.message_posted", ("message_id", "shown"),
    "A chat or system message was stored in the ticket's conversation (`shown`: the message as the "
    "sockets show it, per UI language, so that it is pushed without being read again).",
    "messenger.services.message_post, system_message_post",
)


def messenger_message_posted(ticket, actor, message, shown: dict) -> DomainEvent:
    return _event(MESSENGER_MESSAGE_POSTED, ticket, actor, {"message_id": message.pk, "shown": shown})


# --- video sessions -------------------------------------------------------------------------------

VIDEO_SESSION_CHANGED = _declare(
    "video.session_changed", ("session_id", "title", "change", "state", "visibility"),
    "A video session of the ticket was created, requested, confirmed, started, ended, cancelled or "
    "missed, somebody joined or left its call, a snapshot was kept or the session was rated "
    "(`change`); internal sessions are staff only.",
    "videosessions.services",
)


def video_session_changed(session, actor, *, change: str) -> DomainEvent:
    payload = {
        "session_id": session.pk, "title": session.title, "change": change, "state": session.state,
        "visibility": session.visibility,
    }
    return _event(VIDEO_SESSION_CHANGED, session.ticket, actor, payload, internal=session.visibility == Visibility.INTERNAL)


# --- access codes ---------------------------------------------------------------------------------

ACCESS_CODE_SWITCHED = _declare(
    "access_code.switched", ("access_code_id", "active"),
    "An access code was switched on or off (no ticket: the event is about the code; switched off, "
    "its code users' open ticket pages close).",
    "tickets.services.access_code_set_active", staff_only=True,
)


def access_code_switched(code, actor) -> DomainEvent:
    payload = {"access_code_id": code.pk, "active": code.is_active}
    return DomainEvent(name=ACCESS_CODE_SWITCHED.name, actor=actor_summary(actor), payload=payload, internal=True)


# --- the docs table -------------------------------------------------------------------------------


def markdown_table() -> str:
    """The table of ``docs/architecture.md``, made from the catalogue."""
    rows = ["| event | payload | staff only | what happened | published by |", "| --- | --- | --- | --- | --- |"]
    for event_type in CATALOGUE.values():
        payload = ", ".join(f"`{key}`" for key in event_type.payload)
        staff_only = "always" if event_type.staff_only else "when the ticket is Intern"
        rows.append(
            f"| `{event_type.name}` | {payload} | {staff_only} | {event_type.summary} | `{event_type.publisher}` |"
        )
    return "\n".join(rows)
