"""Webhooks through real processes: staff write in a ticket's conversation through a daphne
server, the server queues the delivery on Redis after commit, a real Celery worker signs and sends
it to the test's receiver, and retries it (with its own eta) when the receiver fails."""

import asyncio
import json
import os
import uuid

import pytest
import websockets
from standardwebhooks.webhooks import Webhook

from tests.factories import UserFactory, make_ticket
from tests.messenger.conftest import session_cookie_for_staff
from tests.servers import AsgiServer, CeleryWorker, database_url_for_subprocess, redis_namespace, wait_for
from tickets.choices import Status
from webhooks import services
from webhooks.models import Attempt, Delivery, DeliveryState

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]

REDIS_URL = os.environ.get("REDIS_URL", "").strip() or "redis://127.0.0.1:6379/7"


@pytest.fixture
def server_and_worker():
    env = {
        **redis_namespace(REDIS_URL),
        "WEBHOOK_ALLOW_PRIVATE_NETWORKS": "true",  # the receiver is on 127.0.0.1
        "WEBHOOK_RETRY_BASE_SECONDS": "1",
    }
    worker = CeleryWorker(database_url=database_url_for_subprocess(), extra_env=env)
    server = AsgiServer(database_url=database_url_for_subprocess(), extra_env=env)
    worker.start()
    try:
        server.start()
        yield server, worker
    finally:
        server.stop()
        worker.stop()


async def _say(server, number, session, text):
    socket = await websockets.connect(
        f"ws://127.0.0.1:{server.port}/ws/tickets/{number}/",
        additional_headers={"Cookie": f"sessionid={session}", "Origin": server.url}, open_timeout=10,
    )
    try:
        async with asyncio.timeout(15):
            while json.loads(await socket.recv())["type"] != "hello":
                pass
            await socket.send(json.dumps({"type": "message.send", "text": text, "client_id": uuid.uuid4().hex}))
            while json.loads(await socket.recv())["type"] != "message.ack":
                pass
    finally:
        await socket.close()


def test_a_message_reaches_the_receiver_signed_and_a_failure_is_retried_by_the_worker(
    server_and_worker, admin, receiver
):
    server, worker = server_and_worker
    mia = UserFactory(first_name="Mia", last_name="Schneider")
    ticket = make_ticket(Status.IN_PROGRESS, assignees=[mia])
    endpoint, secret = services.endpoint_create(
        admin, url=receiver.url, description="", event_types=["message.posted"], include_internal=True
    )
    receiver.answer_first((500, "kaputt"))  # then 200 "ok"

    asyncio.run(_say(server, ticket.number, session_cookie_for_staff(mia), "Wir kommen um 9 Uhr."))

    delivery = wait_for(
        lambda: Delivery.objects.filter(endpoint=endpoint, state=DeliveryState.SUCCEEDED).first(),
        timeout=30, message=f"the retried delivery\n{worker.log()}",
    )
    assert list(Attempt.objects.filter(delivery=delivery).values_list("number", "status_code")) == [(1, 500), (2, 200)]
    first, second = receiver.requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == delivery.message_id
    body = Webhook(secret).verify(second.body, second.headers)
    assert body["type"] == "message.posted"
    assert body["data"]["message"]["text"] == "Wir kommen um 9 Uhr."
    assert body["data"]["actor"] == {"kind": "staff", "id": mia.pk, "name": "Mia Schneider"}
