"""Malformed, binary, deeply nested and non-text frames on every socket (issue 24), filling the gaps
next to tests/messenger/test_socket_hardening.py and tests/videosessions/test_consumer.py: each gets
an error frame with a clear code, nothing is stored or relayed, and the socket answers a valid
frame afterwards."""

import json

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings

from config.asgi import application
from messenger.models import Message
from tests.messenger.conftest import _a_channel_layer_per_test, chat  # noqa: F401 - fixtures
from tests.messenger.test_consumer import connect, hello, receive_until
from tests.videosessions.test_consumer import call, join, next_of  # noqa: F401 - the fixture `call`

pytestmark = pytest.mark.django_db(transaction=True)

DEEP = "[" * 5000 + "]" * 5000  # a few KB, far below the size limit, deeper than any parser's recursion
DEEP_OBJECT = '{"type": "ping", "x": ' + DEEP + "}"

# (frame as text or bytes, error code) for both conversation and call.
COMMON = [
    (b"\xff\xfe\x00\x01", "bad_json"),  # binary, not UTF-8
    (b"\x00" * 64, "bad_json"),
    (DEEP, "bad_json"),
    (DEEP_OBJECT, "bad_json"),
    ('"\\ud800"', "bad_frame"),  # valid JSON, a lone surrogate, not an object
    ("null", "bad_frame"),
    ('{"type": null}', "bad_frame"),
    ('{"type": ["message.send"]}', "bad_frame"),
    ('{"type": "__init__"}', "unknown_type"),
    ('{"type": "_send"}', "unknown_type"),
]

MESSENGER = COMMON + [
    ('{"type": "message.send", "text": "\\ud800", "client_id": "lone"}', "invalid"),
    ('{"type": "message.send", "text": "ok", "client_id": "\\udfff"}', "invalid"),
    ('{"type": "message.send", "text": "\\u0000\\u0000", "client_id": "nul"}', "invalid"),
    ('{"type": "message.send", "text": "x", "client_id": "' + "c" * 5000 + '"}', "invalid"),
]

VIDEO = COMMON + [
    ('{"type": "signal", "to": "1\\u00b2", "kind": "offer", "data": {"type": "offer", "sdp": "v=0"}}', "bad_frame"),
    ('{"type": "signal", "to": "\\u0663", "kind": "offer", "data": {"type": "offer", "sdp": "v=0"}}', "bad_frame"),
    ('{"type": "signal", "to": -1, "kind": "candidate", "data": {"candidate": "c"}}', "bad_frame"),
    ('{"type": "signal", "to": 1, "kind": "candidate", "data": {"candidate": "c", "sdpMLineIndex": 1e400}}', "bad_frame"),
    ('{"type": "signal", "to": 1, "kind": "candidate", "data": {"candidate": "c", "sdpMid": {"a": 1}}}', "bad_frame"),
    ('{"type": "signal", "to": 1, "kind": "candidate", "data": []}', "bad_frame"),
    ('{"type": "signal", "to": 1, "kind": "offer", "data": {"type": "offer", "sdp": "\\ud800"}}', "bad_frame"),
    ('{"type": "snapshot", "id": -3}', "bad_frame"),
    ('{"type": "snapshot", "id": "1e400"}', "bad_frame"),
    ('{"type": "media", "audio": true, "video": true}', "bad_frame"),
    ('{"type": "end", "extra": "\\ud800"}', "permission_denied"),  # a code user may not end the call
]


def _send(ws, raw):
    return ws.send_to(bytes_data=raw) if isinstance(raw, bytes) else ws.send_to(text_data=raw)


@pytest.mark.parametrize(("raw", "code"), MESSENGER, ids=[f"m{i}" for i in range(len(MESSENGER))])
async def test_the_conversation_refuses_a_malformed_frame_and_goes_on(chat, settings, raw, code):  # noqa: F811
    settings.MESSENGER_RATE_BURST = 1000
    ws, _, _ = await connect(chat["ticket"].number, chat["staff_session"])
    await hello(ws)
    before = await database_sync_to_async(Message.objects.count)()
    await _send(ws, raw)
    error = await receive_until(ws, "error")
    assert error["code"] == code and error["message"], error
    assert await database_sync_to_async(Message.objects.count)() == before
    await ws.send_json_to({"type": "message.send", "text": "Noch da", "client_id": "after"})
    assert (await receive_until(ws, "message.ack"))["client_id"] == "after"
    assert await database_sync_to_async(Message.objects.count)() == before + 1
    await ws.disconnect()


@pytest.mark.parametrize(("raw", "code"), VIDEO, ids=[f"v{i}" for i in range(len(VIDEO))])
async def test_the_call_refuses_a_malformed_frame_relays_nothing_and_goes_on(call, settings, raw, code):  # noqa: F811
    settings.VIDEO_RATE_BURST = 1000
    staff, staff_hello = await join(call, "assignee")  # staff first: that starts the call
    customer, _hello = await join(call, "customer")
    if isinstance(raw, str):  # signals name the staff member's real peer id: only the value is wrong
        raw = raw.replace('"to": 1,', f'"to": {staff_hello["me"]["peer"]},')
    await next_of(staff, "peer.joined")
    await _send(customer, raw)
    error = await next_of(customer, "error")
    assert error["code"] == code and error["message"], error
    assert await staff.receive_nothing(timeout=0.2)  # nothing was relayed to the other peer
    await customer.send_json_to({"type": "ping"})
    assert await next_of(customer, "pong") == {"type": "pong"}
    for ws in (customer, staff):
        await ws.disconnect()


@pytest.mark.parametrize("raw", [b"\xff\xfe", "{not json", DEEP, '{"type": "message.send", "text": "x"}'])
async def test_the_ticket_list_socket_only_listens_and_says_so(chat, raw):  # noqa: F811
    cookies = f"{settings.SESSION_COOKIE_NAME}={chat['staff_session']}"
    ws = WebsocketCommunicator(
        application, "/ws/tickets/",
        headers=[(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1"), (b"cookie", cookies.encode())],
    )
    connected, _ = await ws.connect(timeout=5)
    assert connected
    for _ in range(2):  # the socket goes on answering
        await _send(ws, raw)
        frame = json.loads(await ws.receive_from(timeout=5))
        assert frame["type"] == "error" and frame["code"] == "read_only" and frame["message"]
    await ws.disconnect()
