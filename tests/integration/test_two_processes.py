"""Two ASGI server processes sharing Redis: a message sent through one reaches a client on the
other. Runs against the machine's Redis in every CI pass (the servers get REDIS_URL even when the
suite itself runs on the in-memory layer)."""

import asyncio
import json
import os

import pytest
import websockets

from tests.factories import AccessCodeFactory, CodeUserFactory, UserFactory, make_ticket
from tests.messenger.conftest import session_cookie_for_code_user, session_cookie_for_staff
from tests.servers import AsgiServer, database_url_for_subprocess, redis_namespace
from tickets.choices import Status

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]

REDIS_URL = os.environ.get("REDIS_URL", "").strip() or "redis://127.0.0.1:6379/7"


@pytest.fixture
def two_servers():
    env = redis_namespace(REDIS_URL)
    servers = [AsgiServer(database_url=database_url_for_subprocess(), extra_env=env) for _ in range(2)]
    try:
        for server in servers:
            server.start()
        yield servers
    finally:
        for server in servers:
            server.stop()


async def _socket(server, number, session):
    return await websockets.connect(
        f"ws://127.0.0.1:{server.port}/ws/tickets/{number}/",
        additional_headers={"Cookie": f"sessionid={session}", "Origin": server.url},
        open_timeout=10,
    )


async def _next(socket, frame_type, timeout=10, **match):
    """The next frame of a type (and, for chat messages, with a given text)."""
    async with asyncio.timeout(timeout):
        while True:
            frame = json.loads(await socket.recv())
            if frame["type"] == frame_type and all(frame.get("message", {}).get(k) == v for k, v in match.items()):
                return frame


def test_a_message_sent_through_one_process_reaches_a_client_on_the_other(two_servers):
    first, second = two_servers
    assert first.port != second.port
    code = AccessCodeFactory()
    staff = UserFactory(first_name="Mia", last_name="Schneider")
    ticket = make_ticket(Status.IN_PROGRESS, access_code=code, assignees=[staff])
    code_user = CodeUserFactory(access_code=code, display_name="Petra Huber")
    staff_session = session_cookie_for_staff(staff)
    code_session = session_cookie_for_code_user(code_user)

    async def scenario():
        on_first = await _socket(first, ticket.number, staff_session)
        on_second = await _socket(second, ticket.number, code_session)
        try:
            await _next(on_first, "hello")
            await _next(on_second, "hello")
            # Presence crosses processes too.
            assert (await _next(on_second, "presence"))["who"]["name"] == "Mia Schneider"

            await on_first.send(json.dumps({"type": "message.send", "text": "Über Prozess 1", "client_id": "p1"}))
            ack = await _next(on_first, "message.ack")
            arrived = await _next(on_second, "chat.message", text="Über Prozess 1")
            assert arrived["message"]["id"] == ack["id"] and arrived["message"]["text"] == "Über Prozess 1"

            await on_second.send(json.dumps({"type": "message.send", "text": "Antwort über Prozess 2", "client_id": "p2"}))
            back = await _next(on_first, "chat.message", text="Antwort über Prozess 2")
            assert back["message"]["text"] == "Antwort über Prozess 2"
            assert back["message"]["author"]["kind"] == "code_user"
        finally:
            await on_first.close()
            await on_second.close()

    asyncio.run(scenario())
    from messenger.models import Message

    assert list(Message.objects.filter(ticket=ticket, kind="text").order_by("id").values_list("text", flat=True)) == [
        "Über Prozess 1", "Antwort über Prozess 2",
    ]
