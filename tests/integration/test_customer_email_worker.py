"""The customer's e-mail digest end to end through real processes: staff answer through a daphne
server, the server queues the digest on Redis, a real Celery worker sends it into a file outbox
(at most one e-mail per interval; here 1 s grace and 4 s interval). Runs against the machine's
Redis in every CI pass, like the two-process test."""

import asyncio
import email
import email.policy
import json
import os
from pathlib import Path

import pytest
import websockets

from tests.factories import AccessCodeFactory, CodeUserFactory, UserFactory, make_ticket
from tests.messenger.conftest import session_cookie_for_staff
from tests.servers import AsgiServer, CeleryWorker, database_url_for_subprocess, redis_namespace, wait_for
from tickets.choices import Status
from tickets.models import TicketParticipant

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]

REDIS_URL = os.environ.get("REDIS_URL", "").strip() or "redis://127.0.0.1:6379/7"


@pytest.fixture
def server_and_worker(tmp_path):
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    env = {
        **redis_namespace(REDIS_URL),
        "EMAIL_URL": f"filemail://{outbox}",
        "CUSTOMER_EMAIL_GRACE_SECONDS": "1",
        "CUSTOMER_EMAIL_INTERVAL_SECONDS": "4",
    }
    worker = CeleryWorker(database_url=database_url_for_subprocess(), extra_env=env)
    server = AsgiServer(database_url=database_url_for_subprocess(), extra_env=env)
    worker.start()
    try:
        server.start()
        yield server, outbox
    finally:
        server.stop()
        worker.stop()


def _mails(outbox: Path, to: str) -> list[email.message.Message]:
    found = []
    for path in sorted(outbox.glob("*.log")):
        for raw in path.read_text().split("-" * 79):
            if raw.strip():
                message = email.message_from_string(raw.strip(), policy=email.policy.default)
                if message["To"] == to:
                    found.append(message)
    return found


def _text(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


async def _say(server, number, session, texts):
    socket = await websockets.connect(
        f"ws://127.0.0.1:{server.port}/ws/tickets/{number}/",
        additional_headers={"Cookie": f"sessionid={session}", "Origin": server.url},
        open_timeout=10,
    )
    try:
        async with asyncio.timeout(15):
            while json.loads(await socket.recv())["type"] != "hello":
                pass
            for index, text in enumerate(texts):
                await socket.send(json.dumps({"type": "message.send", "text": text, "client_id": f"c{index}-{text[:8]}"}))
                while json.loads(await socket.recv())["type"] != "message.ack":
                    pass
    finally:
        await socket.close()


def test_staff_answers_reach_the_customer_batched_through_a_real_worker(server_and_worker):
    server, outbox = server_and_worker
    code = AccessCodeFactory(label="Presse 7")
    petra = CodeUserFactory(access_code=code, display_name="Petra Huber", email="petra@example.org")
    mia = UserFactory(first_name="Mia", last_name="Schneider")
    ticket = make_ticket(Status.IN_PROGRESS, code_user=petra, assignees=[mia])
    session = session_cookie_for_staff(mia)

    asyncio.run(_say(server, ticket.number, session, ["Wir kommen um 9 Uhr."]))
    first = wait_for(lambda: _mails(outbox, "petra@example.org"), timeout=30, message="the first e-mail")
    assert len(first) == 1
    assert str(first[0]["Subject"]) == f"[Leitstand] Mia Schneider hat auf Ihr Ticket {ticket.number} geantwortet"
    assert "Mia Schneider:\nWir kommen um 9 Uhr." in _text(first[0])

    # Two more at once: within the interval they wait and then go out together, in one e-mail.
    asyncio.run(_say(server, ticket.number, session, ["Bitte Strom abschalten.", "Danke!"]))
    both = wait_for(lambda: (m := _mails(outbox, "petra@example.org")) and len(m) >= 2 and m, timeout=30,
                    message="the second e-mail")
    body = _text(both[1])
    assert body.index("Bitte Strom abschalten.") < body.index("Danke!")
    assert "Wir kommen um 9 Uhr." not in body
    # Nothing else is pending, so nothing else comes.
    assert list(TicketParticipant.objects.filter(ticket=ticket).values_list("email_due_at", flat=True)) == [None]
    assert len(_mails(outbox, "petra@example.org")) == 2
