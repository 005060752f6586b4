"""The per-ticket WebSocket: the chat both ways, live ticket events, typing and presence.

Frames are JSON objects with a ``type``. From the client:
  {"type": "message.send", "text": "...", "client_id": "..."}   → {"type": "message.ack", "client_id", "id", "created_at"}
  {"type": "resume", "after_id": 123}                             → {"type": "message.batch", "messages": [...]}
  {"type": "history", "before_id": 123 | null, "limit": 50}       → {"type": "message.batch", "older": true, ...}
  {"type": "read", "up_to_id": 123}                                → everyone: {"type": "message.read", ...}
  {"type": "typing"}                                               → the others: {"type": "typing", ...}
To the client besides: "hello", "chat.message", "ticket.event", "presence", "error".
A bad frame gets {"type": "error", "code": ..., "message": ...}; the connection stays open.
"""

from __future__ import annotations

import json
import time

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from common.errors import DomainError, NotFound
from messenger import live
from messenger import selectors, services
from tickets import lifecycle
from tickets import selectors as ticket_selectors
from tickets import services as ticket_services
from portal.sessions import code_user_from_session

CLOSE_FORBIDDEN = 4403


class TokenBucket:
    """Per-connection rate limit: a burst, refilled steadily."""

    def __init__(self, burst: int, per_second: float):
        self.capacity, self.rate = burst, per_second
        self.tokens, self.stamp = float(burst), time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class TicketConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        self.actor, self.ticket = await self._resolve()
        if self.actor is None or self.ticket is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.is_code_user = lifecycle.is_code_user(self.actor)
        self.language = self._language()
        self.bucket = TokenBucket(settings.MESSENGER_RATE_BURST, settings.MESSENGER_RATE_PER_SECOND)
        self.last_typing = 0.0
        self.groups_joined = [live.public_group(self.ticket.pk) if self.is_code_user else live.staff_group(self.ticket.pk)]
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        self.me = {
            "kind": "code_user" if self.is_code_user else "staff",
            "id": self.actor.pk,
            "name": self.actor.display_name,
            "channel": self.channel_name,
        }
        if self.is_code_user:
            await database_sync_to_async(ticket_services.participant_seen)(self.actor, self.ticket)
        can_write = await database_sync_to_async(services.may_write)(self.actor, self.ticket)
        read = await database_sync_to_async(selectors.read_state)(self.ticket)
        await self._send({"type": "hello", "me": self._public(self.me), "can_write": can_write, "read": read})
        # Presence: announce ourselves and ask who else is here (replies come straight to us).
        await self._to_all({"type": "presence.join", "who": self.me})
        await self._to_all({"type": "presence.query", "who": self.me})

    async def disconnect(self, code):
        if getattr(self, "me", None):
            await self._to_all({"type": "presence.leave", "who": self.me})
            if self.is_code_user:  # leaving the page: what staff write from now on may go out by e-mail
                await database_sync_to_async(ticket_services.participant_seen)(self.actor, self.ticket)
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    # --- from the client ----------------------------------------------------------------------
    async def receive(self, text_data=None, bytes_data=None):
        raw = text_data if text_data is not None else bytes_data
        if raw is None or len(raw) > settings.MESSENGER_MAX_FRAME_BYTES:
            return await self._error("too_large", _("This frame is too large."))
        if not self.bucket.take():
            return await self._error("rate_limited", _("Too many messages at once. Please wait a moment."))
        try:
            frame = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            return await self._error("bad_json", _("This frame is not valid JSON."))
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            return await self._error("bad_frame", _("A frame needs a type."))
        handler = {
            "message.send": self._message_send,
            "resume": self._resume,
            "history": self._history,
            "read": self._read,
            "typing": self._typing,
        }.get(frame["type"])
        if handler is None:
            return await self._error("unknown_type", _("Unknown frame type."))
        try:
            await handler(frame)
        except DomainError as error:
            await self._error(error.code, str(error.message), client_id=frame.get("client_id"))
        except (TypeError, ValueError):
            await self._error("bad_frame", _("This frame has invalid values."), client_id=frame.get("client_id"))

    async def _message_send(self, frame):
        message, created = await self._db(services.message_post, text=frame.get("text"), client_id=frame.get("client_id"))
        await self._send({
            "type": "message.ack", "client_id": message.client_id or None, "id": message.pk,
            "created_at": message.created_at.isoformat(), "duplicate": not created,
        })

    async def _resume(self, frame):
        after_id = int(frame.get("after_id") or 0)
        messages = await self._db(selectors.messages_for, after_id=after_id, limit=200)
        await self._send({"type": "message.batch", "messages": await self._serialize(messages), "older": False})

    async def _history(self, frame):
        before = frame.get("before_id")
        messages = await self._db(
            selectors.messages_for, before_id=int(before) if before else None, limit=int(frame.get("limit") or 50)
        )
        await self._send({"type": "message.batch", "messages": await self._serialize(messages), "older": True})

    async def _read(self, frame):
        up_to = await self._db(services.mark_read, int(frame.get("up_to_id") or 0))
        if up_to:
            await self._to_all({"type": "message.read", "reader": self._public(self.me), "up_to_id": up_to})

    async def _typing(self, frame):
        now = time.monotonic()
        if now - self.last_typing < 1.0:
            return
        self.last_typing = now
        if await database_sync_to_async(services.may_write)(self.actor, self.ticket):
            await self._to_all({"type": "typing.notice", "who": self.me})

    # --- from the channel layer -----------------------------------------------------------------
    async def chat_message(self, event):
        message = event["message"]
        if message["kind"] == "system":  # worded in this reader's language
            message = await self._serialize_by_id(message["id"])
        await self._send({"type": "chat.message", "message": message})

    async def ticket_event(self, event):
        await self._send({"type": "ticket.event", "event": event["event"]})

    async def message_read(self, event):
        await self._send({"type": "message.read", "reader": event["reader"], "up_to_id": event["up_to_id"]})

    async def typing_notice(self, event):
        if event["who"]["channel"] != self.channel_name and self._visible(event["who"]):
            await self._send({"type": "typing", "who": self._public(event["who"])})

    async def presence_join(self, event):
        if event["who"]["channel"] != self.channel_name and self._visible(event["who"]):
            await self._send({"type": "presence", "change": "join", "who": self._public(event["who"])})

    async def presence_leave(self, event):
        if event["who"]["channel"] != self.channel_name and self._visible(event["who"]):
            await self._send({"type": "presence", "change": "leave", "who": self._public(event["who"])})

    async def presence_query(self, event):
        if event["who"]["channel"] != self.channel_name:
            await self.channel_layer.send(event["who"]["channel"], {"type": "presence.here", "who": self.me})

    async def presence_here(self, event):
        if self._visible(event["who"]):
            await self._send({"type": "presence", "change": "join", "who": self._public(event["who"])})

    # --- helpers ------------------------------------------------------------------------------
    def _visible(self, who) -> bool:
        """Code users see the names of staff only."""
        return not self.is_code_user or who["kind"] == "staff"

    @staticmethod
    def _public(who) -> dict:
        return {"kind": who["kind"], "id": who["id"], "name": who["name"], "key": who["channel"][-12:]}

    async def _to_all(self, message):
        """To the staff and the code users of the ticket (each consumer filters what it shows)."""
        await self.channel_layer.group_send(live.staff_group(self.ticket.pk), message)
        await self.channel_layer.group_send(live.public_group(self.ticket.pk), message)

    async def _send(self, frame):
        await self.send(text_data=json.dumps(frame, ensure_ascii=False))

    async def _error(self, code, message, client_id=None):
        await self._send({"type": "error", "code": code, "message": message, "client_id": client_id})

    async def _db(self, function, *args, **kwargs):
        """A service call for this actor and a fresh copy of the ticket (its state may have moved)."""

        def call():
            with translation.override(self.language):
                ticket = ticket_selectors.ticket_reloaded(self.ticket.pk)
                return function(self.actor, ticket, *args, **kwargs)

        return await database_sync_to_async(call)()

    async def _serialize(self, messages):
        def run():
            with translation.override(self.language):
                return [services.serialize(m) for m in messages]

        return await database_sync_to_async(run)()

    async def _serialize_by_id(self, pk):
        def run():
            with translation.override(self.language):
                return services.serialize(selectors.message_with_author(pk))

        return await database_sync_to_async(run)()

    def _language(self) -> str:
        cookie = self.scope.get("cookies", {}).get(settings.LANGUAGE_COOKIE_NAME)
        codes = dict(settings.LANGUAGES)
        if cookie in codes:
            return cookie
        return getattr(self.actor, "preferred_language", None) or settings.LANGUAGE_CODE

    @database_sync_to_async
    def _resolve(self):
        """The actor (staff by session login, code user by code session) and the ticket, if they
        may read it; otherwise (None, None) and the socket is refused."""
        number = self.scope["url_route"]["kwargs"]["number"]
        user = self.scope.get("user")
        if lifecycle.is_staff(user):
            actor = user
        else:
            # A code user is known per access code: the one of the ticket's code, if any.
            actor = code_user_from_session(self.scope.get("session"), ticket_selectors.access_code_id_of(number))
        if actor is None:
            return None, None
        try:
            return actor, ticket_selectors.access_ticket(actor, number)
        except NotFound:
            return None, None


class TicketListConsumer(AsyncWebsocketConsumer):
    """Open staff ticket lists hear about new tickets and status changes."""

    async def connect(self):
        if not lifecycle.is_staff(self.scope.get("user")):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        await self.channel_layer.group_add(live.TICKET_LIST_GROUP, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        await self.channel_layer.group_discard(live.TICKET_LIST_GROUP, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        await self.send(text_data=json.dumps({"type": "error", "code": "read_only", "message": _("This socket only listens.")}))

    async def list_changed(self, event):
        await self.send(text_data=json.dumps({"type": "list.changed", "ticket": event["ticket"], "event": event["event"]}))
