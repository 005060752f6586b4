"""The permission matrix of the sockets (issue 24): every consumer of ``config.routing`` × every
actor (``worlds.ACTORS``) × the ticket's variants (state × visibility): the handshake (accepted, or
closed with which code) and every inbound frame type of the consumer (its ``HANDLERS``) with what
the actor hears back. Written out by hand, never computed from the app's rules. And: no code user
ever receives an internal event (a staff-only frame) on a ticket's socket.

Tokens, one per actor in ``ACTORS`` order:

    handshake   ok: accepted, the "hello" frame came      4403: closed without a word
                an error code: accepted, that error frame, then closed with 4403 (the video call)
    frames      the type of the first answer to the sender (``ack`` = message.ack, ``batch`` =
                message.batch, ``read`` = message.read, ``pong``, ``snapshot``, ``ended``), or the
                error frame's code, ``-`` for nothing back (what goes to the others only), ``x`` for
                a socket that was not opened.

The sockets run against ``config.asgi.application`` (origin check, session cookies) with the real
channel layer (Redis when REDIS_URL is set) in other threads than the test, so the worlds are
committed: built once per module and the database flushed at its end. What a frame changes that
later cases would see (an ended call, a switched-off code) is put back after the case; messages
and read receipts stay (no expectation counts them)."""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

import config.routing
from config.asgi import application
from fleet import services as fleet_services
from messenger import services as messenger_services
from messenger.consumers import TicketConsumer, TicketListConsumer
from tests.factories import png_bytes
from tests.matrix.worlds import (
    ACTORS,
    STATES,
    VISIBILITIES,
    World,
)
from tickets import services as ticket_services
from tickets.models import AccessCode
from videosessions.consumers import VideoConsumer
from videosessions.models import SessionState, VideoSession

pytestmark = pytest.mark.services_pass

REPLY_SECONDS = 0.3  # how long "nothing back" is waited for (a reply to the sender comes in milliseconds)
# What comes back through the channel layer (one's own read receipt) is not waited for by the clock
# (on Redis with both CI passes running it once came after more than 3 s): see ``_through_layer``.
LAYER_ANSWERS = {"message.read"}
SENTINEL_AREA = "matrix.sentinel"


# --- the rows ------------------------------------------------------------------------------------


def per_state(**lines: str) -> dict[str, list[str]]:
    rest = lines.pop("rest", None)
    out = {state: (lines.get(state) or rest).split() for state in STATES}  # (columns aligned by spaces)
    assert all(len(line) == len(ACTORS) for line in out.values()), lines
    return out


def both(public: dict[str, list[str]], internal: dict[str, list[str]] | None = None) -> dict:
    """A row's lines: {state: line} for a public ticket, {(state, "internal"): line} where an
    internal ticket's differ (only code users' answers can: staff rights do not depend on it)."""
    lines: dict = dict(public)
    for state, line in (internal or {}).items():
        lines[state, "internal"] = line
    return lines


# The ticket's socket and the call's: staff who see the ticket (a Mitarbeiter never another
# person's draft); code users of the ticket's active code while it is public and no draft.
#                          anon code_a code_b link off  staff assignee moderator admin
OPENS = both(
    per_state(draft="      4403 4403   4403   4403 4403 4403  4403     ok        ok",
              rest="       4403 ok     4403   ok   4403 ok    ok       ok        ok"),
    per_state(draft="      4403 4403   4403   4403 4403 4403  4403     ok        ok",
              rest="       4403 4403   4403   4403 4403 ok    ok       ok        ok"),
)


def answered(answer: str, *, code_users: str | None = None) -> dict:
    """Every open socket hears ``answer`` (code users ``code_users`` where they differ); the
    sockets that did not open: ``x``."""
    def line(handshake: list[str]) -> list[str]:
        out = []
        for actor, token in zip(ACTORS, handshake):
            if token != "ok":
                out.append("x")
            elif code_users is not None and actor in ("code_a", "code_b", "code_link", "code_off"):
                out.append(code_users)
            else:
                out.append(answer)
        return out

    return {key: line(handshake) for key, handshake in OPENS.items()}


EXPECT: dict = {
    "TicketConsumer": {
        "handshake": OPENS,
        # Staff write on every ticket but a draft (no conversation yet: 409 wrong_state); code
        # users until it is closed or cancelled.
        "message.send": both(
            per_state(
                draft=      "x x   x x   x x   x   wrong_state wrong_state",
                closed=     "x wrong_state x wrong_state x ack ack ack ack",
                cancelled=  "x wrong_state x wrong_state x ack ack ack ack",
                rest=       "x ack x ack x ack ack ack ack",
            ),
            per_state(draft="x x x x x x x wrong_state wrong_state", rest="x x x x x ack ack ack ack"),
        ),
        "resume": answered("batch"),
        "history": answered("batch"),
        # One's own read receipt comes back to staff (they see every name), not to a code user
        # (who sees staff names only). A draft has no message to read: nothing.
        "read": both(
            per_state(draft="x x x x x x x - -", rest="x - x - x read read read read"),
            per_state(draft="x x x x x x x - -", rest="x x x x x read read read read"),
        ),
        "typing": answered("-"),  # to the others only
    },
    # The staff ticket list: staff only, and it only listens.
    "TicketListConsumer": {
        "handshake": per_state(rest="4403 4403 4403 4403 4403 ok ok ok ok"),
        "any frame": per_state(rest="x x x x x read_only read_only read_only read_only"),
    },
    "VideoConsumer": {
        "handshake": OPENS,
        "ping": answered("pong"),
        "media": answered("-"),  # to the others only
        "signal": answered("unknown_peer"),  # the peer named is not in the call
        # Showing a snapshot to the call is its author's (the moderator took both): everyone else,
        # code users above all, hears not_found (issue 24: they heard an internal one's text).
        "snapshot": both(
            per_state(draft="x x x x x x x snapshot not_found",
                      rest="x not_found x not_found x not_found not_found snapshot not_found"),
            per_state(draft="x x x x x x x snapshot not_found", rest="x x x x x not_found not_found snapshot not_found"),
        ),
        "snapshot (internal, staff's)": both(
            per_state(draft="x x x x x x x snapshot not_found",
                      rest="x not_found x not_found x not_found not_found snapshot not_found"),
            per_state(draft="x x x x x x x snapshot not_found", rest="x x x x x not_found not_found snapshot not_found"),
        ),
        # Ending the call: staff who see the ticket; a code user is refused.
        "end": answered("ended", code_users="permission_denied"),
    },
}


# --- the worlds ----------------------------------------------------------------------------------


class SocketWorld(World):
    """The page matrix's world, and what the sockets need besides: a message in the conversation
    and, in the running video session, an internal snapshot staff took while no customer was there."""

    def build_all(self) -> None:
        super().build_all()
        _ = self.last_message_id, self.internal_snapshot

    @property
    def last_message_id(self) -> int:
        if not hasattr(self, "_last_message_id"):
            try:
                message, _created = messenger_services.message_post(self.users["moderator"], self.ticket, text="Wir kommen morgen.")
                self._last_message_id = message.pk
            except Exception:  # noqa: BLE001 - no conversation on this ticket (a draft): nothing to read
                self._last_message_id = 0
        return self._last_message_id

    @property
    def internal_snapshot(self):
        if not hasattr(self, "_internal_snapshot"):
            from videosessions.models import Snapshot

            update = ticket_services.update_post(
                self.users["moderator"], self.ticket, text="Intern: Ventil defekt, Kulanz prüfen", internal=True,
                attachments=[SimpleUploadedFile("intern.png", png_bytes("intern"), content_type="image/png")],
            )
            self._internal_snapshot = Snapshot.objects.create(session=self.video_session, update=update)
        return self._internal_snapshot


# --- the frames each consumer takes ----------------------------------------------------------------

# (name in the matrix, frame type, body, the answer types that count as the reply)
TICKET_FRAMES = [
    ("message.send", "message.send", lambda w: {"text": "Ist das Ersatzteil da?", "client_id": "matrix-1"}, {"message.ack": "ack"}),
    ("resume", "resume", lambda w: {"after_seq": 0}, {"message.batch": "batch"}),
    ("history", "history", lambda w: {"before_id": None, "limit": 5}, {"message.batch": "batch"}),
    ("read", "read", lambda w: {"up_to_id": w.last_message_id}, {"message.read": "read"}),
    ("typing", "typing", lambda w: {}, {"typing": "typing"}),
]
LIST_FRAMES = [("any frame", "resume", lambda w: {"after_seq": 0}, {})]
VIDEO_FRAMES = [
    ("ping", "ping", lambda w: {}, {"pong": "pong"}),
    ("media", "media", lambda w: {"audio": True, "video": False, "screen": False}, {"media": "media"}),
    ("signal", "signal", lambda w: {"to": 999999, "kind": "offer", "data": {"type": "offer", "sdp": "v=0\r\n"}}, {"signal": "signal"}),
    ("snapshot", "snapshot", lambda w: {"id": w.snapshot.pk}, {"snapshot": "snapshot"}),
    # Staff's internal snapshot, taken while no customer was in the call: announcing it again is
    # its author's (a code user naming its id must not hear its text).
    ("snapshot (internal, staff's)", "snapshot", lambda w: {"id": w.internal_snapshot.pk}, {"snapshot": "snapshot"}),
    ("end", "end", lambda w: {}, {"ended": "ended"}),
]
CONSUMERS = {
    "TicketConsumer": (TicketConsumer, lambda w: f"/ws/tickets/{w.ticket.number}/", TICKET_FRAMES),
    "TicketListConsumer": (TicketListConsumer, lambda w: "/ws/tickets/", LIST_FRAMES),
    "VideoConsumer": (VideoConsumer, lambda w: f"/ws/video/{w.video_session.pk}/", VIDEO_FRAMES),
}


# --- completeness ----------------------------------------------------------------------------------


def _routed_consumers() -> set[type]:
    found = set()
    for route in config.routing.websocket_urlpatterns:
        app = route.callback
        while not hasattr(app, "consumer_class") and hasattr(app, "inner"):
            app = app.inner  # (the list's AuthMiddleware)
        found.add(app.consumer_class)
    return found


def test_the_matrix_has_a_row_for_every_consumer_and_frame_type():
    routed = _routed_consumers()
    rows = {consumer for consumer, _url, _frames in CONSUMERS.values()}
    assert routed == rows, f"consumers without rows, or rows for no routed consumer: {routed ^ rows}"
    for name, (consumer, _url, frames) in CONSUMERS.items():
        handlers = set(getattr(consumer, "HANDLERS", {}))
        types = {frame_type for _row, frame_type, _body, _reply in frames}
        if handlers:
            assert handlers == types, f"{name}: frame types without a row, or rows for none: {handlers ^ types}"
        assert set(EXPECT[name]) == {"handshake"} | {row for row, *_ in frames}, name


# --- running a socket --------------------------------------------------------------------------


def _communicator(path: str, session_key: str | None) -> WebsocketCommunicator:
    cookies = f"{settings.LANGUAGE_COOKIE_NAME}=de"
    if session_key:
        cookies += f"; {settings.SESSION_COOKIE_NAME}={session_key}"
    return WebsocketCommunicator(
        application, path, headers=[(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1"), (b"cookie", cookies.encode())],
    )


NOISE = {"presence", "peer.joined", "peer.left", "chat.message", "ticket.event", "message.read", "typing", "media"}


# After each frame the test sends a marker whose direct answer is certain (the consumers answer a
# socket's frames in order): what the frame answered directly comes before the marker's answer, so
# no late answer is taken for the next frame's. Only what comes through the channel layer (one's
# own read receipt) may come after it: for that see ``_through_layer``; for the rest, to see that
# nothing comes, REPLY_SECONDS.
MARKERS = {
    "TicketConsumer": ({"type": "history", "before_id": 1, "limit": 1}, "message.batch"),
    "VideoConsumer": ({"type": "ping"}, "pong"),
}


async def _reply(ws, wanted: dict[str, str], marker: str | None) -> str:
    """The first answer to the sender among ``wanted`` (or an error's code), ``-`` for none.
    Frames that are no answer (a broadcast of one's own chat message, presence) are passed over."""
    answer = None
    for _ in range(20):  # the answer, noise, the marker's answer
        frame = await ws.receive_json_from(timeout=5)
        if answer is None and frame["type"] == "error":
            answer = frame["code"]
        elif answer is None and frame["type"] in wanted:
            answer = wanted[frame["type"]]
        elif frame["type"] == marker:
            break
        else:
            assert frame["type"] in NOISE, frame
        if marker is None and answer is not None:
            break
    else:
        raise AssertionError("no marker among 20 frames")
    if answer is None and not await ws.receive_nothing(timeout=REPLY_SECONDS, interval=0.01):
        frame = await ws.receive_json_from(timeout=5)
        assert frame["type"] in wanted or frame["type"] in NOISE, frame
        answer = wanted.get(frame["type"], "-")
    return answer or "-"


async def _through_layer(ws, world: SocketWorld, wanted: dict[str, str]) -> str:
    """What the frame sent through the channel layer to this socket, waited for without a clock.

    When the marker's answer came, the consumer had handled the frame before it (it handles a
    socket's frames one after another), so whatever that frame sent to the ticket's group is in the
    layer. A sentinel the test sends to the same group now comes after it (one process's messages
    to a channel arrive in the order sent, on Redis as in memory): what is not there before the
    sentinel was never sent."""
    from channels.layers import get_channel_layer

    from messenger import live

    await get_channel_layer().group_send(
        live.public_group(world.ticket.pk), {"type": "ticket.event", "event": {"area": SENTINEL_AREA}},
    )
    answer = None
    for _ in range(20):
        frame = await ws.receive_json_from(timeout=10)
        if frame["type"] == "ticket.event" and frame["event"]["area"] == SENTINEL_AREA:
            return answer or "-"
        assert frame["type"] in wanted or frame["type"] in NOISE, frame
        if answer is None and frame["type"] in wanted:
            answer = wanted[frame["type"]]
    raise AssertionError("no sentinel among 20 frames")


async def _run(world: SocketWorld, consumer: str, actor: str) -> dict[str, str]:
    _cls, url, frames = CONSUMERS[consumer]
    ws = _communicator(url(world), world.sessions[actor])
    connected, code = await ws.connect(timeout=5)
    answers = {}
    if not connected:
        answers["handshake"] = str(code)
        answers.update({row: "x" for row, *_ in frames})
        return answers
    first = None if consumer == "TicketListConsumer" else await ws.receive_json_from(timeout=5)
    if first is not None and first["type"] == "error":  # refused after the handshake (the call)
        answers["handshake"] = first["code"]
        answers.update({row: "x" for row, *_ in frames})
        await ws.disconnect()
        return answers
    assert first is None or first["type"] == "hello", first
    answers["handshake"] = "ok"
    marker_frame, marker = MARKERS.get(consumer, (None, None))
    for row, frame_type, body, wanted in frames:
        await ws.send_json_to({"type": frame_type, **body(world)})
        ends = frame_type == "end"  # the call ends: nothing after it
        if marker_frame is not None and not ends:
            await ws.send_json_to(marker_frame)
        answer = await _reply(ws, wanted, None if ends or marker_frame is None else marker)
        if answer == "-" and LAYER_ANSWERS & set(wanted):
            answer = await _through_layer(ws, world, wanted)
        answers[row] = answer
    await ws.disconnect()
    return answers


@database_sync_to_async
def _prepare(world: SocketWorld, actor: str) -> None:
    if actor == "code_off":
        AccessCode.objects.filter(pk=world.code_a.pk).update(is_active=False)


@database_sync_to_async
def _put_back(world: SocketWorld) -> None:
    """What a case changed that the next would see: code A on, the call running again."""
    AccessCode.objects.filter(pk=world.code_a.pk).update(is_active=True)
    VideoSession.objects.filter(pk=world.video_session.pk).update(state=SessionState.RUNNING, ended_at=None)


# --- the cases ----------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _a_channel_layer_per_test():
    """A fresh layer object per test: each test has its own event loop (tests/messenger/conftest.py)."""
    from channels.layers import channel_layers

    channel_layers.backends = {}
    yield
    channel_layers.backends = {}


def _cases():
    for visibility in VISIBILITIES:
        for state in STATES:
            yield pytest.param(state, visibility, id=f"{state}-{visibility}")


def _expected(consumer: str, state: str, visibility: str) -> dict[str, list[str]] | None:
    table = EXPECT.get(consumer)
    if table is None:
        return None
    return {row: (lines.get((state, visibility)) or lines[state]) for row, lines in table.items()}


@database_sync_to_async
def _build(state: str, visibility: str) -> SocketWorld:
    world = SocketWorld(state, visibility)
    world.build_all()
    return world


# The consumers read the database in other threads: the world is committed (a transactional test,
# flushed afterwards), one per ticket variant, and every consumer and actor runs against it.
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("state", "visibility"), list(_cases()))
async def test_sockets(settings, state, visibility):
    settings.MESSENGER_RATE_BURST = 50
    world = await _build(state, visibility)
    got: dict[str, dict[str, list[str]]] = {}
    for consumer in CONSUMERS:
        rows: dict[str, list[str]] = {}
        for actor in ACTORS:
            await _prepare(world, actor)
            try:
                answers = await _run(world, consumer, actor)
            finally:
                await _put_back(world)
            for row, answer in answers.items():
                rows.setdefault(row, []).append(answer)
        got[consumer] = rows
    shown = {consumer: {row: " ".join(line) for row, line in rows.items()} for consumer, rows in got.items()}
    expected = {consumer: _expected(consumer, state, visibility) for consumer in CONSUMERS}
    assert None not in expected.values(), f"no expectation yet; the product answers: {json.dumps(shown, ensure_ascii=False)}"
    assert {consumer: set(rows) for consumer, rows in got.items()} == {consumer: set(rows) for consumer, rows in expected.items()}
    wrong = [
        f"{consumer} {row} {actor}: got {answer}, expected {want}"
        for consumer, rows in got.items() for row, line in rows.items()
        for actor, answer, want in zip(ACTORS, line, expected[consumer][row]) if answer != want
    ]
    assert not wrong, "\n".join(wrong)


# --- no code user ever hears an internal event ---------------------------------------------------

@database_sync_to_async
def _cause_internal_events(world: SocketWorld) -> None:
    """What staff do that only staff may hear of, through the services (their events leave on
    commit, as in production): an internal update, a change of the ticket's fields and a
    Mitarbeiter's first look (the history's and the fleet's events are staff-only whatever the
    ticket's visibility). Internal snapshots in the call: the
    matrix's "snapshot (internal, staff's)" row."""
    moderator = world.users["moderator"]
    ticket_services.update_post(moderator, world.ticket, text="Intern: Kulanz prüfen", internal=True)
    ticket_services.ticket_update_fields(moderator, world.ticket, title="Pumpe 3: Dichtung und Ventil")
    fleet_services.ticket_seen(world.users["staff"], world.ticket)


async def _drain(ws) -> list[dict]:
    frames = []
    while not await ws.receive_nothing(timeout=REPLY_SECONDS, interval=0.01):
        frames.append(await ws.receive_json_from(timeout=5))
    return frames


# Public tickets whose fields staff still change (closed and cancelled ones are final).
OPEN_TO_CODE_USERS = ["open", "assigned", "in_progress", "done"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("state", OPEN_TO_CODE_USERS)
async def test_no_code_user_hears_an_internal_event(state):
    world = await _build(state, "public")
    ticket_path = f"/ws/tickets/{world.ticket.number}/"
    customer = _communicator(ticket_path, world.sessions["code_a"])
    moderator = _communicator(ticket_path, world.sessions["moderator"])
    assert (await customer.connect(timeout=5))[0] and (await moderator.connect(timeout=5))[0]
    await _drain(customer), await _drain(moderator)  # hello, presence
    await _cause_internal_events(world)
    heard = [frame["event"]["name"] for frame in await _drain(moderator) if frame["type"] == "ticket.event"]
    assert sorted(heard) == ["fleet.seen", "ticket.changed", "ticket.update_posted"]  # the events went out
    assert await customer.receive_nothing(timeout=REPLY_SECONDS), await _drain(customer)
    await customer.disconnect(), await moderator.disconnect()
