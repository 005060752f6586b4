"""The per-ticket WebSocket: the chat both ways, live ticket events, typing and presence.

Frames are JSON objects with a ``type``. From the client:
  {"type": "message.send", "text": "...", "client_id": "..."}   → {"type": "message.ack", "client_id", "id", "seq", "created_at"}
  {"type": "resume", "after_seq": 12}                             → {"type": "message.batch", "messages": [...], "more": bool}
  {"type": "history", "before_id": 123 | null, "limit": 50}       → {"type": "message.batch", "older": true, ...}
  {"type": "read", "up_to_id": 123}                                → everyone: {"type": "message.read", ...}
  {"type": "typing"}                                               → the others: {"type": "typing", ...}
To the client besides: "hello", "chat.message", "ticket.event", "presence", "error".
A bad frame gets {"type": "error", "code": ..., "message": ..., "client_id": ...}; the connection
stays open. A frame the server cannot take now (the socket's inbox is full, or the process has too
much in flight) gets {"type": "error", "code": "busy", "frame_type": ..., "client_id": ...}: the
page sends it again with backoff. Numbers in frames are whole numbers in range (``_whole_number``); read receipts have
their own small rate bucket; every channel-layer call is guarded (a full channel or a Redis outage
degrades presence, never the socket; a handshake without a layer is closed with 4013, and when
the layer's receive fails every socket of the process closes with 4013 so that its page reconnects
and catches up by number). Code users
see staff names only (presence, typing, receipts), and their sockets close when the ticket turns
internal.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from common.errors import DomainError, NotFound
from common.sockets import (
    CLOSE_FORBIDDEN,
    CLOSE_TRY_AGAIN,
    LayerGuardedConsumer,
    TokenBucket,
    describe,
    push_without_waiting,
    whole_number,
)
from messenger import live
from messenger import selectors, services
from tickets import lifecycle, permissions
from tickets import selectors as ticket_selectors
from tickets import services as ticket_services
from portal.sessions import socket_actor

logger = logging.getLogger(__name__)

# Read receipts: their own small bucket (never the chat's); extra ones are dropped, the next carries
# the highest id read.
READ_RECEIPT_BURST, READ_RECEIPTS_PER_SECOND = 3, 1.0
# Catching up after a reconnect: pages of this many messages, the client asks until "more" is false.
RESUME_PAGE = 200
# The socket keeps the ticket it was opened for and reads it again only when a status or visibility
# event arrives for it, or when this many seconds have passed (an access code switched off, …).
TICKET_STATE_SECONDS = 5.0


def _client_id(frame: dict) -> str | None:
    return frame.get("client_id") if isinstance(frame.get("client_id"), str) else None


class TicketConsumer(LayerGuardedConsumer):
    # Frames of all sockets of this process that wait for or are in their handler; past
    # MESSENGER_MAX_IN_FLIGHT the server is not keeping up and new frames are refused as "busy".
    in_flight = 0

    async def websocket_receive(self, message):
        """A frame from the client is checked at once (size, JSON, type, rate) and then goes into
        this socket's bounded inbox, handled in order by ``_work``. When the inbox is full or the
        process has too much in flight, the sender hears "busy" at once (with its client id) and
        retries later: nothing piles up unseen, nothing is dropped silently."""
        if self.inbox is None:
            return  # not open (refused or closing)
        frame = await self._admit(message["text"] if message.get("text") is not None else message.get("bytes"))
        if frame is None:
            return
        if self.inbox.full() or TicketConsumer.in_flight >= settings.MESSENGER_MAX_IN_FLIGHT:
            return await self._busy(frame)
        TicketConsumer.in_flight += 1
        self.inbox.put_nowait(frame)

    async def _admit(self, raw):
        """The frame as a dict if it may be handled; otherwise the client has its error (None)."""
        if raw is None or len(raw) > settings.MESSENGER_MAX_FRAME_BYTES:
            return await self._error("too_large", _("This frame is too large."))
        try:
            frame = json.loads(raw)
        except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested too deep
            if not self.bucket.take():  # garbage counts against the sender too
                return await self._error("rate_limited", _("Too many messages at once. Please wait a moment."))
            return await self._error("bad_json", _("This frame is not valid JSON."))
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            return await self._error("bad_frame", _("A frame needs a type."))
        if frame["type"] == "read":
            if not self.read_bucket.take():
                return self._coalesce_read(frame)  # sent a moment later, with the highest id read
        elif not self.bucket.take():  # every other frame, unknown ones too, counts against the sender
            # Named by client id and frame type, so that the page sends that message (or asks for
            # that catch-up) again a little later.
            return await self._error(
                "rate_limited", _("Too many messages at once. Please wait a moment."), client_id=_client_id(frame),
                frame_type=frame["type"],
            )
        if frame["type"] not in self.HANDLERS:
            return await self._error("unknown_type", _("Unknown frame type."))
        return frame

    async def _work(self):
        while True:
            frame = await self.inbox.get()
            try:
                await self._handle(frame)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - a bug must not end the conversation: logged, answered
                logger.exception("messenger frame failed on %s", self.channel_name)
                await self._error("server_error", _("Something went wrong. Please try again."), client_id=_client_id(frame))
            finally:
                TicketConsumer.in_flight -= 1

    async def _busy(self, frame):
        if frame["type"] == "typing":
            return  # a typing notice is only worth something now
        if frame["type"] == "read":
            return self._coalesce_read(frame)  # the next receipt carries it
        await self._send({
            "type": "error", "code": "busy", "frame_type": frame["type"], "client_id": _client_id(frame),
            "message": _("The server is busy. Trying again in a moment …"),
        })

    async def connect(self):
        self.inbox = None
        push_without_waiting(asyncio.get_running_loop())
        self.actor, self.ticket, can_write, read, history = await self._resolve()
        if self.actor is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.ticket_read_at, self.ticket_stale = time.monotonic(), False
        self.is_code_user = lifecycle.is_code_user(self.actor)
        self.language = self._language()
        self.bucket = TokenBucket(settings.MESSENGER_RATE_BURST, settings.MESSENGER_RATE_PER_SECOND)
        self.last_typing = 0.0
        self.read_bucket = TokenBucket(READ_RECEIPT_BURST, READ_RECEIPTS_PER_SECOND)
        self.pending_read = 0  # the highest id of receipts held back by the bucket
        self.read_flush = None
        self.groups_joined = []
        self.shown_present = set()  # the channels of the sockets this client has been told are here
        await self.accept()
        # Every socket hears the ticket's public group; staff sockets also its staff group, code
        # users' sockets the group of their access code (switched off, it closes them).
        groups = [live.public_group(self.ticket.pk)] + (
            [live.code_group(self.actor.access_code_id)] if self.is_code_user else [live.staff_group(self.ticket.pk)]
        )
        for group in groups:
            if not await self._layer(self.channel_layer.group_add(group, self.channel_name)):
                # No channel layer (Redis down): no live page; the client reconnects and catches up.
                await self.close(code=CLOSE_TRY_AGAIN)
                return
            self.groups_joined.append(group)
        LayerGuardedConsumer.open_sockets.add(self)
        self.inbox = asyncio.Queue(maxsize=settings.MESSENGER_INBOX_SIZE)
        self.worker = asyncio.ensure_future(self._work())
        self.me = {
            "kind": "code_user" if self.is_code_user else "staff",
            "id": self.actor.pk,
            "name": self.actor.display_name,
            "channel": self.channel_name,
        }
        hello = {"type": "hello", "me": self._public(self.me), "can_write": can_write, "read": read}
        if history is not None:
            hello["history"] = history  # the newest messages, oldest first (as a "history" frame's batch)
        await self._send(hello)
        # Presence: announce ourselves; who is here answers straight to us (``presence_join``).
        await self._to_all({"type": "presence.join", "who": self.me})

    def _coalesce_read(self, frame) -> None:
        """Too many receipts at once: keep the highest id and send one when the bucket allows."""
        try:
            up_to = whole_number(frame.get("up_to_id"), default=0)
        except ValueError:
            return
        self.pending_read = max(self.pending_read, up_to)
        if self.read_flush is None:
            self.read_flush = asyncio.create_task(self._flush_read())

    async def _flush_read(self):
        try:
            await asyncio.sleep(1.0 / READ_RECEIPTS_PER_SECOND)
            up_to, self.pending_read = self.pending_read, 0
            if up_to:
                await self._read({"up_to_id": up_to})
        except DomainError:
            pass  # no longer allowed to read: nothing to tell
        finally:
            self.read_flush = None

    async def _leave(self):
        """Every exit path comes here (once): stop the worker, presence leave, out of the groups."""
        if getattr(self, "left", False):
            return
        self.left = True
        await super()._leave()
        if getattr(self, "worker", None) is not None:
            self.worker.cancel()
            # Frames still waiting in the inbox are not handled: give back their in-flight count.
            TicketConsumer.in_flight -= self.inbox.qsize()
            self.inbox = None
        if getattr(self, "read_flush", None) is not None:
            self.read_flush.cancel()
        if getattr(self, "me", None):
            await self._to_all({"type": "presence.leave", "who": self.me})  # guarded: never raises
            if self.is_code_user:  # leaving the page: what staff write from now on may go out by e-mail
                await database_sync_to_async(ticket_services.participant_seen)(self.actor, self.ticket)
        for group in getattr(self, "groups_joined", []):
            await self._layer(self.channel_layer.group_discard(group, self.channel_name))

    # --- from the client ----------------------------------------------------------------------
    HANDLERS = {
        "message.send": "_message_send",
        "resume": "_resume",
        "history": "_history",
        "read": "_read",
        "typing": "_typing",
    }

    async def _handle(self, frame):
        try:
            await getattr(self, self.HANDLERS[frame["type"]])(frame)
        except DomainError as error:
            await self._error(error.code, str(error.message), client_id=_client_id(frame))
        except (TypeError, ValueError, OverflowError):
            await self._error("bad_frame", _("This frame has invalid values."), client_id=_client_id(frame))

    async def _message_send(self, frame):
        # No timed re-read of the ticket: message_post reads the state its write rule depends on in
        # the statement that numbers the message (a re-read here was a fifth of a message's cost).
        message, created = await self._db(
            services.message_post, text=frame.get("text"), client_id=frame.get("client_id"), timed_reread=False,
        )
        await self._send({
            "type": "message.ack", "client_id": message.client_id or None, "id": message.pk, "seq": message.seq,
            "created_at": message.created_at.isoformat(), "duplicate": not created,
        })

    async def _resume(self, frame):
        # By sequence number (a client that saw a gap, or reconnects); "after_id" for older clients.
        after_seq = whole_number(frame.get("after_seq"), default=None)
        if after_seq is not None:
            messages = await self._db(selectors.messages_for, after_seq=after_seq, limit=RESUME_PAGE)
        else:
            after_id = whole_number(frame.get("after_id"), default=0)
            messages = await self._db(selectors.messages_for, after_id=after_id, limit=RESUME_PAGE)
        # "more": the page is full; the client asks again after the last id until it is not.
        await self._send({
            "type": "message.batch", "messages": await self._serialize(messages), "older": False,
            "more": len(messages) >= RESUME_PAGE,
        })

    async def _history(self, frame):
        before = whole_number(frame.get("before_id"), default=None)
        limit = whole_number(frame.get("limit"), default=50, maximum=200)
        messages = await self._db(selectors.messages_for, before_id=before, limit=max(limit, 1))
        await self._send({"type": "message.batch", "messages": await self._serialize(messages), "older": True})

    async def _read(self, frame):
        up_to = await self._db(services.mark_read, whole_number(frame.get("up_to_id"), default=0))
        if up_to:
            await self._to_all(live.read_receipt(self._public(self.me), up_to))

    async def _typing(self, frame):
        now = time.monotonic()
        if now - self.last_typing < 1.0:
            return
        self.last_typing = now
        if await database_sync_to_async(services.may_write)(self.actor, self.ticket):
            await self._to_all({"type": "typing.notice", "who": self.me})

    # --- from the channel layer -----------------------------------------------------------------
    async def chat_message(self, event):
        """Encoded once per language by ``live.push_message``; sent as it is."""
        frames = event["frames"]
        await self._send_text(frames.get(self.language) or frames[settings.LANGUAGE_CODE])

    async def ticket_event(self, event):
        if event["event"]["area"] == "status":
            self.ticket_stale = True  # who may write can have changed: read the ticket again
        await self._send({"type": "ticket.event", "event": event["event"]})

    async def message_read(self, event):
        if not self._visible(event["reader"]):
            return  # code users see staff names only (and their own receipts are theirs)
        await self._send({"type": "message.read", "reader": event["reader"], "up_to_id": event["up_to_id"]})

    async def access_revoked(self, event):
        """The ticket turned internal or moved to another code, or the code was switched off: a
        code user's socket closes (staff sockets stay open)."""
        if self.is_code_user:
            await self.close(code=CLOSE_FORBIDDEN)

    async def typing_notice(self, event):
        if event["who"]["channel"] != self.channel_name and self._visible(event["who"]):
            await self._send({"type": "typing", "who": self._public(event["who"])})

    async def presence_join(self, event):
        """Someone opened the ticket: show them, and tell them (straight to their socket) that I am
        here if they may see me. One group message per newcomer, one reply per socket present."""
        who, me = event["who"], getattr(self, "me", None)
        if who["channel"] == self.channel_name or me is None:
            return
        await self._show_present(who)
        if permissions.sees_name(who["kind"], me["kind"]):  # the newcomer may see me
            # A full or unreachable channel of another socket degrades presence, never this socket.
            await self._layer(self.channel_layer.send(who["channel"], {"type": "presence.here", "who": me}))

    async def presence_leave(self, event):
        who = event["who"]
        if who["channel"] in self.shown_present:
            self.shown_present.discard(who["channel"])
            await self._send({"type": "presence", "change": "leave", "who": self._public(who)})

    async def presence_here(self, event):
        await self._show_present(event["who"])

    async def _show_present(self, who):
        """A socket is here: tell the client once. The same socket can be announced twice: on the
        Pub/Sub layer a group message already on its way when this socket joined the group still
        reaches it (an earlier socket's join), and that socket also answers this one's join."""
        if who["channel"] != self.channel_name and who["channel"] not in self.shown_present and self._visible(who):
            self.shown_present.add(who["channel"])
            await self._send({"type": "presence", "change": "join", "who": self._public(who)})

    # --- helpers ------------------------------------------------------------------------------
    def _visible(self, who) -> bool:
        """Whether this socket's person may see ``who`` (``permissions.sees_name``)."""
        return permissions.sees_name("code_user" if self.is_code_user else "staff", who["kind"])

    @staticmethod
    def _public(who) -> dict:
        return {"kind": who["kind"], "id": who["id"], "name": who["name"], "key": who["channel"][-12:]}

    async def _to_all(self, message):
        """To every socket of the ticket, staff and code users (each consumer filters what it shows)."""
        await self._layer(self.channel_layer.group_send(live.public_group(self.ticket.pk), message))

    async def _send(self, frame):
        await self._send_text(json.dumps(frame, ensure_ascii=False))

    async def _send_text(self, text: str):
        """To this socket's client; a client already gone (it gave up during a slow handshake, or
        its connection broke) is no error here: the disconnect that follows cleans up."""
        try:
            await self.send(text_data=text)
        except Exception as error:  # noqa: BLE001 - daphne raises autobahn's Disconnected, other servers their own
            logger.info("not sent, the client is gone (%s): %s", self.channel_name, describe(error))

    async def _error(self, code, message, client_id=None, frame_type=None):
        error = {"type": "error", "code": code, "message": message, "client_id": client_id}
        if frame_type is not None:
            error["frame_type"] = frame_type
        await self._send(error)

    async def _db(self, function, *args, timed_reread: bool = True, **kwargs):
        """A service call for this actor and the ticket as the socket knows it: read again only
        after a status or visibility event for it, or (``timed_reread``) after TICKET_STATE_SECONDS."""

        def call():
            with translation.override(self.language):
                return function(self.actor, self._current_ticket(timed_reread=timed_reread), *args, **kwargs)

        return await database_sync_to_async(call)()

    def _current_ticket(self, *, timed_reread: bool = True):
        """Status and visibility come as events (and a code switched off, or a ticket moved to
        another code, closes code users' sockets), so the socket's copy serves until one arrives,
        or TICKET_STATE_SECONDS pass (a safety net for what no event announces)."""
        now = time.monotonic()
        if self.ticket_stale or (timed_reread and now - self.ticket_read_at > TICKET_STATE_SECONDS):
            self.ticket_stale = False
            self.ticket, self.ticket_read_at = ticket_selectors.ticket_reloaded(self.ticket.pk), now
        return self.ticket

    async def _serialize(self, messages):
        def run():
            with translation.override(self.language):
                return [services.serialize(m) for m in messages]

        return await database_sync_to_async(run)()

    def _language(self) -> str:
        cookie = self.scope.get("cookies", {}).get(settings.LANGUAGE_COOKIE_NAME)
        codes = dict(settings.LANGUAGES)
        if cookie in codes:
            return cookie
        return getattr(self.actor, "preferred_language", None) or settings.LANGUAGE_CODE

    @database_sync_to_async
    def _resolve(self):
        """Everything the connect needs, in one trip to the database thread (under a connect storm
        that thread is the bottleneck): the actor (staff by their login session, code users by
        their code session), the ticket if they may read it, whether they may write, how far the
        others have read, and, when the page asks for it (``?history=50`` on its first connect), the
        newest messages. (None, None, False, None, None) when the socket is refused."""
        number = self.scope["url_route"]["kwargs"]["number"]
        actor = socket_actor(self.scope.get("session"), lambda: ticket_selectors.access_code_id_of(number))
        if actor is None:
            return None, None, False, None, None
        try:
            ticket = ticket_selectors.access_ticket(actor, number)
        except NotFound:
            return None, None, False, None, None
        ticket_services.participant_seen(actor, ticket)  # code users: the page is open (no e-mail needed)
        self.actor, history = actor, None
        wanted = self._history_wanted()
        if wanted:
            with translation.override(self._language()):
                history = [services.serialize(m) for m in selectors.messages_for(actor, ticket, limit=wanted)]
        return actor, ticket, services.may_write(actor, ticket), selectors.read_state(ticket), history

    def _history_wanted(self) -> int:
        """``?history=N`` (at most 200) on the socket's URL; 0 when absent or not a whole number."""
        values = parse_qs(self.scope.get("query_string", b"").decode("latin-1")).get("history", [""])
        try:
            return min(whole_number(values[0], default=0), 200)
        except ValueError:
            return 0


class TicketListConsumer(LayerGuardedConsumer):
    """Open staff ticket lists hear about new tickets and status changes."""

    async def connect(self):
        if not lifecycle.is_staff(self.scope.get("user")):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        await self.accept()
        if not await self._layer(self.channel_layer.group_add(live.TICKET_LIST_GROUP, self.channel_name)):
            await self.close(code=CLOSE_TRY_AGAIN)  # no layer: the list reconnects later
            return
        self.joined = True
        LayerGuardedConsumer.open_sockets.add(self)

    async def _leave(self):
        await super()._leave()
        if getattr(self, "joined", False):
            self.joined = False
            await self._layer(self.channel_layer.group_discard(live.TICKET_LIST_GROUP, self.channel_name))

    async def receive(self, text_data=None, bytes_data=None):
        await self.send(text_data=json.dumps({"type": "error", "code": "read_only", "message": _("This socket only listens.")}))

    async def list_changed(self, event):
        await self.send(text_data=json.dumps({"type": "list.changed", "ticket": event["ticket"], "event": event["event"]}))
