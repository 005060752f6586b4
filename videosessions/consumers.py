"""The call's WebSocket (``ws/video/<session id>/``): who is in the call, and the signalling the
browsers need to reach each other (WebRTC offers, answers, ICE candidates), relayed peer to peer.
Media never passes the server: the browsers send it to each other (a mesh).

Frames are JSON objects with a ``type``. From the client:
  {"type": "signal", "to": <peer>, "kind": "offer" | "answer" | "candidate", "data": {...}}
      → the peer: {"type": "signal", "from": <peer>, "kind", "data"}
  {"type": "media", "audio": bool, "video": bool, "screen": bool}   → everyone: {"type": "media", "peer", ...}
  {"type": "snapshot", "id": <snapshot id>}   (after uploading it) → everyone: {"type": "snapshot", "id", "url", "text", "by"}
  {"type": "end"}                                                   (staff) → everyone: {"type": "ended"}, sockets close
  {"type": "ping"}                                                  → {"type": "pong"} (and the stay is alive)
To the client besides: "hello" (me, the peers already in the call, ICE servers), "peer.joined",
"peer.left", "error". A page that lost its socket reconnects to ``ws/video/<id>/?replaces=<its
previous peer id>``: that stay ends at once (everyone hears "peer.left"). Joining is ``videosessions.services.session_join``: who may not (not their
session, ended, full) gets an error frame with the reason and the socket closes with 4403; a
bad frame gets an error and the socket stays; a lost channel layer closes with 4013 (the page
rejoins).
"""

from __future__ import annotations

import json
import logging
import time
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from common.errors import DomainError
from common.sockets import CLOSE_FORBIDDEN, LayerGuardedConsumer, TokenBucket, describe, whole_number
from common.text import is_unicode_text
from portal.sessions import socket_actor
from tickets import permissions
from videosessions import rules, selectors, services
from videosessions.live import call_group

logger = logging.getLogger(__name__)

SIGNAL_KINDS = {"offer", "answer", "candidate"}
CANDIDATE_MAX = 4096
# A stay's sign of life is written at most this often (the page pings every 20 s).
SEEN_EVERY_SECONDS = 15.0


class VideoConsumer(LayerGuardedConsumer):
    async def connect(self):
        self.participation = None
        self.replaced = None
        self.peers: dict[int, dict] = {}  # peer id → {"channel", "kind", "name"}
        self.language = self._language()
        try:
            joined = await self._join()
        except DomainError as error:
            await self.accept()
            await self._error(error.code, str(error.message))
            await self.close(code=CLOSE_FORBIDDEN)
            return
        if joined is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        hello, others = joined
        await self.accept()
        if not await self._layer(self.channel_layer.group_add(self.group, self.channel_name)):
            await self._close_for_layer()
            return
        LayerGuardedConsumer.open_sockets.add(self)
        self.bucket = TokenBucket(settings.VIDEO_RATE_BURST, settings.VIDEO_RATE_PER_SECOND)
        self.seen_at = time.monotonic()
        self.peers = others
        await self._send(hello)
        if self.replaced is not None:  # the page's stay before it lost the socket: over
            await self._layer(self.channel_layer.group_send(self.group, {"type": "peer.left", "peer": self.replaced}))
        await self._layer(self.channel_layer.group_send(self.group, {"type": "peer.joined", "who": self.me}))

    @database_sync_to_async
    def _join(self):
        """Who, may they, the stay in the call, and what the page needs: in one trip to the database."""
        pk = self.scope["url_route"]["kwargs"]["session_id"]
        session = selectors.session_by_id(pk)
        if session is None:
            return None
        actor = socket_actor(self.scope.get("session"), lambda: session.ticket.access_code_id)
        if actor is None or not rules.may_see(actor, session):
            return None
        replaced = self._replaces()
        if replaced is not None and not services.session_leave_replaced(actor, session, replaced):
            replaced = None
        with translation.override(self.language):
            participation = services.session_join(actor, session, channel=self.channel_name)
        self.replaced = replaced
        self.actor, self.session, self.participation = actor, session, participation
        self.group = call_group(session.pk)
        self.me = {"peer": participation.pk, "kind": participation.kind, "name": participation.name, "channel": self.channel_name}
        others = {
            p.pk: {"peer": p.pk, "kind": p.kind, "name": p.name, "channel": p.channel}
            for p in selectors.in_call(session) if p.pk != participation.pk
        }
        hello = {
            "type": "hello",
            "me": self._public(self.me),
            "peers": [self._public(who) for who in others.values()],
            "ice_servers": selectors.ice_servers(f"p{participation.pk}"),
            "max_participants": settings.VIDEO_MESH_MAX,
            "can_end": rules.may_end(session, actor),
            "can_store_public": rules.may_store_snapshot(session, actor, public=True),
            "can_store_internal": rules.may_store_snapshot(session, actor, public=False),
        }
        return hello, others

    def _replaces(self) -> int | None:
        """``?replaces=<stay>``: the page comes back after losing its socket (its previous stay)."""
        values = parse_qs(self.scope.get("query_string", b"").decode("latin-1")).get("replaces", [""])
        try:
            return whole_number(values[0], default=None)
        except ValueError:
            return None

    async def _leave(self):
        await super()._leave()
        participation, self.participation = getattr(self, "participation", None), None
        if participation is None:
            return
        try:
            await database_sync_to_async(services.session_leave)(participation.pk)
        except Exception:  # noqa: BLE001 - the database away: the sweep closes the stay later
            logger.exception("could not record that participant %s left", participation.pk)
        await self._layer(self.channel_layer.group_send(self.group, {"type": "peer.left", "peer": participation.pk}))
        await self._layer(self.channel_layer.group_discard(self.group, self.channel_name))

    # --- from the client ----------------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None):
        if self.participation is None:
            return
        with translation.override(self.language):  # error messages in the page's language
            await self._receive(text_data if text_data is not None else bytes_data)

    async def _receive(self, raw):
        if raw is None or len(raw) > settings.VIDEO_MAX_FRAME_BYTES:
            return await self._error("too_large", _("This frame is too large."))
        if not self.bucket.take():
            return await self._error("rate_limited", _("Too many frames at once. Please wait a moment."))
        try:
            frame = json.loads(raw)
        except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested too deep
            return await self._error("bad_json", _("This frame is not valid JSON."))
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            return await self._error("bad_frame", _("A frame needs a type."))
        handler = self.HANDLERS.get(frame["type"])
        if handler is None:
            return await self._error("unknown_type", _("Unknown frame type."))
        try:
            await getattr(self, handler)(frame)
        except DomainError as error:
            await self._error(error.code, str(error.message))
        except (TypeError, ValueError, OverflowError):
            await self._error("bad_frame", _("This frame has invalid values."))

    HANDLERS = {"signal": "_signal", "media": "_media", "snapshot": "_snapshot", "end": "_end", "ping": "_ping"}

    async def _signal(self, frame):
        to = whole_number(frame.get("to"), default=None)
        kind, data = frame.get("kind"), frame.get("data")
        if to is None or kind not in SIGNAL_KINDS or not isinstance(data, dict):
            raise ValueError("bad signal")
        if kind == "candidate":
            data = _candidate(data)
        else:
            if data.get("type") != kind or not isinstance(data.get("sdp"), str) or not is_unicode_text(data["sdp"]):
                raise ValueError("bad description")
            data = {"type": kind, "sdp": data["sdp"]}
        peer = self.peers.get(to)
        if peer is None:
            return await self._error("unknown_peer", _("This participant is no longer in the call."))
        await self._layer(self.channel_layer.send(
            peer["channel"], {"type": "peer.signal", "from": self.me["peer"], "kind": kind, "data": data}
        ))

    async def _media(self, frame):
        state = {key: frame.get(key) for key in ("audio", "video", "screen")}
        if not all(isinstance(value, bool) for value in state.values()):
            raise ValueError("media flags are booleans")
        await self._layer(self.channel_layer.group_send(self.group, {"type": "peer.media", "peer": self.me["peer"], **state}))

    async def _snapshot(self, frame):
        """Show a snapshot the sender just stored (``snapshot_store``, over HTTP) to everyone in the
        call; only its author may (``rules.may_announce_snapshot``)."""
        pk = whole_number(frame.get("id"), default=None)
        if pk is None:
            raise ValueError("snapshot id")
        shown = await database_sync_to_async(self._snapshot_shown)(pk)
        await self._layer(self.channel_layer.group_send(self.group, {"type": "call.snapshot", "snapshot": shown}))

    def _snapshot_shown(self, pk: int) -> dict:
        snapshot = selectors.snapshot_to_announce(self.actor, self.session, pk)
        return {"id": snapshot.pk, "url": selectors.snapshot_url(snapshot), "text": snapshot.update.text,
                "by": self.me["name"], "by_kind": self.me["kind"], "public": snapshot.update.kind == "public"}

    async def _end(self, frame):
        await database_sync_to_async(services.session_transition)(self.actor, self.session.pk, "end")
        # (videosessions.live tells the call: every socket hears "ended" and closes.)

    async def _ping(self, frame):
        now = time.monotonic()
        if now - self.seen_at >= SEEN_EVERY_SECONDS:
            self.seen_at = now
            still = await database_sync_to_async(self._still_in)()
            if not still:
                await self._send({"type": "ended"})
                return await self.close(code=CLOSE_FORBIDDEN)
        await self._send({"type": "pong"})

    def _still_in(self) -> bool:
        """The stay is alive, and the person may still see the session (a ticket turned internal,
        a code switched off)."""
        session = selectors.session_by_id(self.session.pk)
        if session is None or not rules.may_see(self.actor, session):
            return False
        return services.session_seen(self.participation.pk)

    # --- from the channel layer -----------------------------------------------------------------

    async def peer_joined(self, event):
        who = event["who"]
        if who["peer"] == self.me["peer"]:
            return
        self.peers[who["peer"]] = who
        await self._send({"type": "peer.joined", "who": self._public(who)})

    async def peer_left(self, event):
        if self.peers.pop(event["peer"], None) is not None:
            await self._send({"type": "peer.left", "peer": event["peer"]})

    async def peer_signal(self, event):
        if event["from"] in self.peers:
            await self._send({"type": "signal", "from": event["from"], "kind": event["kind"], "data": event["data"]})

    async def peer_media(self, event):
        if event["peer"] != self.me["peer"]:
            await self._send({"type": "media", "peer": event["peer"], **{k: event[k] for k in ("audio", "video", "screen")}})

    async def call_snapshot(self, event):
        snapshot = dict(event["snapshot"])
        if not permissions.sees_name(self.me["kind"], snapshot.pop("by_kind")):
            with translation.override(self.language):
                snapshot["by"] = _("Customer")
        await self._send({"type": "snapshot", **snapshot})

    async def call_ended(self, event):
        await self._send({"type": "ended", "state": event["state"]})
        await self.close(code=CLOSE_FORBIDDEN)

    async def access_revoked(self, event):
        """The ticket turned internal or its code was switched off: code users leave the call."""
        if self.me["kind"] == "code_user":
            await self._send({"type": "ended", "state": "revoked"})
            await self.close(code=CLOSE_FORBIDDEN)

    # --- helpers ------------------------------------------------------------------------------

    def _public(self, who: dict) -> dict:
        """A participant as this socket's person may see them (code users: staff names only)."""
        viewer = getattr(self, "me", None)
        name = who["name"]
        if viewer is not None and who["peer"] != viewer["peer"] and not permissions.sees_name(viewer["kind"], who["kind"]):
            with translation.override(self.language):
                name = _("Customer")
        return {"peer": who["peer"], "kind": who["kind"], "name": name}

    async def _send(self, frame):
        try:
            await self.send(text_data=json.dumps(frame, ensure_ascii=False, default=str))
        except Exception as error:  # noqa: BLE001 - the client is gone: the disconnect cleans up
            logger.info("not sent, the client is gone (%s): %s", self.channel_name, describe(error))

    async def _error(self, code, message):
        await self._send({"type": "error", "code": code, "message": message})

    def _language(self) -> str:
        cookie = self.scope.get("cookies", {}).get(settings.LANGUAGE_COOKIE_NAME)
        return cookie if cookie in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def _candidate(data: dict) -> dict:
    """An ICE candidate as RTCIceCandidateInit: the fields a browser needs, checked."""
    candidate, mid, index = data.get("candidate"), data.get("sdpMid"), data.get("sdpMLineIndex")
    if not isinstance(candidate, str) or len(candidate) > CANDIDATE_MAX or not is_unicode_text(candidate):
        raise ValueError("candidate")
    if mid is not None and (not isinstance(mid, str) or len(mid) > 64 or not is_unicode_text(mid)):
        raise ValueError("sdpMid")
    if index is not None:
        index = whole_number(index, default=None, maximum=64)
    return {"candidate": candidate, "sdpMid": mid, "sdpMLineIndex": index}
