"""The call's socket: who may join, the participant limit, the relay of signals between exactly the
two peers named, frame validation, media state, ending, and code users leaving a ticket that turned
internal. Real channel layer (Redis when REDIS_URL is set), real database."""

import json

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings

from config.asgi import application
from fleet.roles import Role
from tests.factories import AccessCodeFactory, CodeUserFactory, UserFactory, make_ticket
from tests.messenger.conftest import session_cookie_for_code_user, session_cookie_for_staff
from tickets import services as ticket_services
from tickets.choices import Status, Visibility
from videosessions import services
from videosessions.choices import SessionState
from videosessions.models import Participation, VideoSession

pytestmark = pytest.mark.django_db(transaction=True)

OFFER = {"type": "offer", "sdp": "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\n"}


@pytest.fixture(autouse=True)
def _a_channel_layer_per_test():
    from channels.layers import channel_layers

    channel_layers.backends = {}
    yield
    channel_layers.backends = {}


@pytest.fixture
def call(transactional_db):
    code = AccessCodeFactory()
    assignee = UserFactory(first_name="Mia", last_name="Schneider")
    ticket = make_ticket(Status.IN_PROGRESS, access_code=code, visibility=Visibility.PUBLIC, assignees=[assignee])
    customer = CodeUserFactory(access_code=code, display_name="Petra Huber")
    neighbour = CodeUserFactory(access_code=code, display_name="Nina Nachbar")
    stranger = CodeUserFactory(display_name="Fremder")
    moderator = UserFactory(role=Role.MODERATOR, first_name="Moritz", last_name="Berger")
    colleague = UserFactory(first_name="Jonas", last_name="Fischer")
    session = services.session_create(assignee, ticket, title="Pumpe ansehen", visibility=Visibility.PUBLIC)
    return {
        "ticket": ticket, "session": session, "assignee": assignee, "customer": customer, "moderator": moderator,
        "sessions": {
            "assignee": session_cookie_for_staff(assignee),
            "moderator": session_cookie_for_staff(moderator),
            "colleague": session_cookie_for_staff(colleague),
            "customer": session_cookie_for_code_user(customer),
            "neighbour": session_cookie_for_code_user(neighbour),
            "stranger": session_cookie_for_code_user(stranger),
        },
    }


def communicator(session_id, session_key, language="de"):
    cookies = f"{settings.LANGUAGE_COOKIE_NAME}={language}; {settings.SESSION_COOKIE_NAME}={session_key}"
    return WebsocketCommunicator(
        application, f"/ws/video/{session_id}/",
        headers=[(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1"), (b"cookie", cookies.encode())],
    )


async def join(call, who):
    ws = communicator(call["session"].pk, call["sessions"][who])
    connected, _code = await ws.connect(timeout=5)
    assert connected
    frame = await ws.receive_json_from(timeout=5)
    assert frame["type"] == "hello", frame
    return ws, frame


async def next_of(ws, frame_type, timeout=5):
    for _ in range(20):
        frame = await ws.receive_json_from(timeout=timeout)
        if frame["type"] == frame_type:
            return frame
    raise AssertionError(f"no {frame_type} frame")


async def refused(call, who):
    """Who may not see the session: the handshake is refused (None). Who may see it but not join
    now: accepted, told why (the error frame is returned), closed with 4403."""
    ws = communicator(call["session"].pk, call["sessions"][who])
    connected, code = await ws.connect(timeout=5)
    if not connected:
        assert code == 4403
        return None
    frame = await ws.receive_output(timeout=5)
    error = json.loads(frame["text"]) if frame["type"] == "websocket.send" else None
    closing = await ws.receive_output(timeout=5) if error is not None else frame
    assert closing == {"type": "websocket.close", "code": 4403}
    return error


async def test_staff_and_the_customer_meet_and_signals_reach_exactly_the_peer_named(call):
    staff_ws, staff_hello = await join(call, "assignee")
    assert staff_hello["me"]["name"] == "Mia Schneider" and staff_hello["peers"] == []
    assert staff_hello["max_participants"] == 4 and staff_hello["can_end"] is True
    customer_ws, customer_hello = await join(call, "customer")
    assert [p["name"] for p in customer_hello["peers"]] == ["Mia Schneider"]
    joined = await next_of(staff_ws, "peer.joined")
    assert joined["who"] == {"peer": customer_hello["me"]["peer"], "kind": "code_user", "name": "Petra Huber"}
    assert customer_hello["can_end"] is False and customer_hello["can_store_public"] is True

    # The newcomer offers; the offer reaches the one peer named, with the sender's id.
    staff_peer = staff_hello["me"]["peer"]
    await customer_ws.send_json_to({"type": "signal", "to": staff_peer, "kind": "offer", "data": OFFER})
    signal = await next_of(staff_ws, "signal")
    assert signal == {"type": "signal", "from": customer_hello["me"]["peer"], "kind": "offer", "data": OFFER}
    await staff_ws.send_json_to({
        "type": "signal", "to": customer_hello["me"]["peer"], "kind": "candidate",
        "data": {"candidate": "candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host", "sdpMid": "0", "sdpMLineIndex": 0},
    })
    candidate = await next_of(customer_ws, "signal")
    assert candidate["kind"] == "candidate" and candidate["data"]["sdpMLineIndex"] == 0

    await customer_ws.send_json_to({"type": "media", "audio": False, "video": True, "screen": False})
    assert await next_of(staff_ws, "media") == {
        "type": "media", "peer": customer_hello["me"]["peer"], "audio": False, "video": True, "screen": False,
    }

    await customer_ws.disconnect()
    assert await next_of(staff_ws, "peer.left") == {"type": "peer.left", "peer": customer_hello["me"]["peer"]}
    stays = await database_sync_to_async(lambda: list(Participation.objects.order_by("id").values_list("name", "left_at")))()
    assert [name for name, _ in stays] == ["Mia Schneider", "Petra Huber"]
    assert stays[0][1] is None and stays[1][1] is not None
    await staff_ws.disconnect()


async def test_a_customer_sees_staff_names_only(call):
    staff_ws, _ = await join(call, "assignee")
    neighbour_ws, _ = await join(call, "neighbour")
    customer_ws, customer_hello = await join(call, "customer")
    assert sorted(p["name"] for p in customer_hello["peers"]) == ["Kunde", "Mia Schneider"]
    for ws in (staff_ws, neighbour_ws, customer_ws):
        await ws.disconnect()


@pytest.mark.parametrize(
    "frame, code",
    [
        ("not json", "bad_json"),
        ('{"no": "type"}', "bad_frame"),
        ('{"type": "dance"}', "unknown_type"),
        ('{"type": "signal", "to": 1e400, "kind": "offer", "data": {}}', "bad_frame"),
        ('{"type": "signal", "to": 999999, "kind": "offer", "data": {"type": "offer", "sdp": "v=0"}}', "unknown_peer"),
        ('{"type": "signal", "to": 1, "kind": "bye", "data": {}}', "bad_frame"),
        ('{"type": "signal", "to": 1, "kind": "offer", "data": {"type": "answer", "sdp": "v=0"}}', "bad_frame"),
        ('{"type": "signal", "to": 1, "kind": "candidate", "data": {"candidate": 7}}', "bad_frame"),
        ('{"type": "media", "audio": "yes", "video": true, "screen": false}', "bad_frame"),
        ('{"type": "snapshot", "id": 424242}', "not_found"),
    ],
)
async def test_bad_frames_get_an_error_and_the_call_goes_on(call, frame, code):
    ws, hello = await join(call, "assignee")
    await ws.send_to(text_data=frame)
    error = await next_of(ws, "error")
    assert error["code"] == code, error
    await ws.send_json_to({"type": "ping"})
    assert await next_of(ws, "pong") == {"type": "pong"}
    await ws.disconnect()


async def test_oversized_frames_and_floods_are_refused(call, settings):
    settings.VIDEO_MAX_FRAME_BYTES, settings.VIDEO_RATE_BURST, settings.VIDEO_RATE_PER_SECOND = 1000, 3, 0.001
    ws, _ = await join(call, "assignee")
    await ws.send_to(text_data=json.dumps({"type": "ping", "pad": "x" * 2000}))
    assert (await next_of(ws, "error"))["code"] == "too_large"
    for _ in range(4):
        await ws.send_json_to({"type": "ping"})
    errors = [await ws.receive_json_from(timeout=5) for _ in range(4)]
    assert [frame["type"] for frame in errors] == ["pong", "pong", "pong", "error"]
    assert errors[3]["code"] == "rate_limited" and errors[3]["message"] == "Zu viele Nachrichten auf einmal. Bitte warten Sie einen Moment."
    await ws.disconnect()


async def test_who_may_not_see_the_session_is_refused(call):
    assert await refused(call, "stranger") is None  # nothing said about a session they cannot see
    internal = await database_sync_to_async(services.session_create)(call["assignee"], call["ticket"], title="Intern")
    call["session"] = internal
    assert await refused(call, "customer") is None
    colleague_ws, _ = await join(call, "colleague")  # staff who see the ticket may join
    await colleague_ws.disconnect()


async def test_the_fifth_hears_the_call_is_full(call):
    sockets = [(await join(call, who))[0] for who in ("assignee", "moderator", "colleague", "customer")]
    error = await refused(call, "neighbour")
    assert error["code"] == "session_full"
    assert error["message"].startswith("Dieser Anruf ist voll: An einem Anruf im Browser können höchstens 4 Personen")
    for ws in sockets:
        await ws.disconnect()


async def test_staff_end_the_call_for_everyone_and_it_cannot_be_joined_again(call):
    staff_ws, _ = await join(call, "assignee")
    customer_ws, _ = await join(call, "customer")
    await customer_ws.send_json_to({"type": "end"})
    assert (await next_of(customer_ws, "error"))["code"] == "permission_denied"
    await staff_ws.send_json_to({"type": "end"})
    for ws in (staff_ws, customer_ws):
        assert (await next_of(ws, "ended"))["state"] == SessionState.ENDED
        assert await ws.receive_output(timeout=5) == {"type": "websocket.close", "code": 4403}
    session = await database_sync_to_async(VideoSession.objects.get)(pk=call["session"].pk)
    assert session.state == SessionState.ENDED
    error = await refused(call, "customer")
    assert error == {"type": "error", "code": "wrong_state", "message": "Diese Video-Session ist Beendet: Eine Teilnahme ist nicht möglich."}


async def test_code_users_leave_the_call_when_the_ticket_turns_internal(call):
    staff_ws, _ = await join(call, "assignee")
    customer_ws, _ = await join(call, "customer")
    await database_sync_to_async(ticket_services.ticket_set_visibility)(call["assignee"], call["ticket"], Visibility.INTERNAL)
    assert (await next_of(customer_ws, "ended"))["state"] == "revoked"
    assert await customer_ws.receive_output(timeout=5) == {"type": "websocket.close", "code": 4403}
    await customer_ws.disconnect()  # the browser's side of the closing handshake
    assert (await next_of(staff_ws, "peer.left"))["type"] == "peer.left"  # staff stay, and see them go
    await staff_ws.send_json_to({"type": "ping"})
    assert await next_of(staff_ws, "pong") == {"type": "pong"}
    await staff_ws.disconnect()


async def test_a_page_back_after_losing_its_socket_ends_its_previous_stay_at_once(call):
    staff_ws, staff_hello = await join(call, "assignee")
    customer_ws, customer_hello = await join(call, "customer")
    old_peer = customer_hello["me"]["peer"]
    await next_of(staff_ws, "peer.joined")
    # The connection is lost without a goodbye: the server still holds her stay.
    await database_sync_to_async(
        lambda: Participation.objects.filter(pk=old_peer).update(channel="gone")
    )()
    back = communicator(call["session"].pk, call["sessions"]["customer"])
    back.scope["query_string"] = f"replaces={old_peer}".encode()
    connected, _ = await back.connect(timeout=5)
    assert connected
    hello = await next_of(back, "hello")
    assert [p["name"] for p in hello["peers"]] == ["Mia Schneider"]  # not her own ghost
    assert await next_of(staff_ws, "peer.left") == {"type": "peer.left", "peer": old_peer}
    assert (await next_of(staff_ws, "peer.joined"))["who"]["peer"] == hello["me"]["peer"]
    left = await database_sync_to_async(lambda: Participation.objects.get(pk=old_peer).left_at)()
    assert left is not None
    # Someone else's stay cannot be ended that way.
    other = communicator(call["session"].pk, call["sessions"]["neighbour"])
    other.scope["query_string"] = f"replaces={staff_hello['me']['peer']}".encode()
    connected, _ = await other.connect(timeout=5)
    assert connected
    await next_of(other, "hello")
    staff_left = await database_sync_to_async(lambda: Participation.objects.get(pk=staff_hello["me"]["peer"]).left_at)()
    assert staff_left is None
    for ws in (staff_ws, customer_ws, back, other):
        await ws.disconnect()
