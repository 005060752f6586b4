"""Issue 20's socket findings, each with its fix: numbers by type and range, a refused message names
its client id, read receipts keep off the chat's bucket and code users see staff names only, a
ticket turning internal closes code users' sockets, catching up comes in pages until done, and a
full channel of another socket degrades presence, never this socket."""

import json

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from messenger import services as messenger_services
from messenger.models import Message
from tests.factories import CodeUserFactory
from tests.messenger.conftest import session_cookie_for_code_user
from tests.messenger.test_consumer import connect, hello, receive_until
from tickets import services as ticket_services
from tickets.choices import Visibility

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    "frame",
    [
        {"type": "resume", "after_id": 1e400},
        {"type": "history", "limit": 1e400},
        {"type": "history", "before_id": 1e400},
        {"type": "read", "up_to_id": 1e400},
        {"type": "history", "limit": -5},
        {"type": "resume", "after_id": True},
        {"type": "resume", "after_id": 2.5},
    ],
    ids=["resume-huge", "history-limit-huge", "history-before-huge", "read-huge", "negative", "boolean", "fraction"],
)
async def test_numbers_out_of_range_are_a_bad_frame_and_the_socket_lives(chat, frame):
    ws, _, _ = await connect(chat["ticket"].number, chat["staff_session"])
    await hello(ws)
    await ws.send_to(text_data=json.dumps(frame).replace("Infinity", "1e400"))
    error = await receive_until(ws, "error")
    assert error["code"] == "bad_frame"
    await ws.send_json_to({"type": "message.send", "text": "Noch da", "client_id": "after"})
    assert (await receive_until(ws, "message.ack"))["client_id"] == "after"
    await ws.disconnect()


async def test_a_refused_message_names_its_client_id_and_receipts_use_their_own_bucket(chat):
    ws, _, _ = await connect(chat["ticket"].number, chat["staff_session"])
    await hello(ws)
    for i in range(30):  # receipts never use up the chat's bucket
        await ws.send_json_to({"type": "read", "up_to_id": 0})
    await ws.send_json_to({"type": "message.send", "text": "erste", "client_id": "m-0"})
    assert (await receive_until(ws, "message.ack"))["client_id"] == "m-0"
    for i in range(1, 25):
        await ws.send_json_to({"type": "message.send", "text": f"spam {i}", "client_id": f"m-{i}"})
    refused = await receive_until(ws, "error")
    assert refused["code"] == "rate_limited"
    assert refused["client_id"].startswith("m-") and refused["client_id"] != "m-0"
    stored = await database_sync_to_async(
        lambda: set(Message.objects.filter(kind="text").values_list("client_id", flat=True))
    )()
    assert refused["client_id"] not in stored  # the client retries it: nothing is lost
    await ws.disconnect()


async def test_code_users_see_only_staff_receipts(chat):
    ticket = chat["ticket"]
    message, _created = await database_sync_to_async(messenger_services.message_post)(
        chat["assignee"], ticket, text="Hallo"
    )
    karl = await database_sync_to_async(CodeUserFactory)(access_code=chat["code_user"].access_code, display_name="Karl Meier")
    petra_ws, _, _ = await connect(ticket.number, chat["code_session"])
    await hello(petra_ws)
    karl_ws, _, _ = await connect(ticket.number, await database_sync_to_async(session_cookie_for_code_user)(karl))
    await hello(karl_ws)
    staff_ws, _, _ = await connect(ticket.number, chat["staff_session"])
    await hello(staff_ws)
    await karl_ws.send_json_to({"type": "read", "up_to_id": message.pk})
    assert (await receive_until(staff_ws, "message.read"))["reader"]["name"] == "Karl Meier"  # staff see it
    await staff_ws.send_json_to({"type": "read", "up_to_id": message.pk})
    receipt = await receive_until(petra_ws, "message.read")  # Karl's never reached Petra
    assert (receipt["reader"]["kind"], receipt["reader"]["name"]) == ("staff", "Mia Schneider")
    for ws in (petra_ws, karl_ws, staff_ws):
        await ws.disconnect()


async def test_a_ticket_turning_internal_closes_the_code_users_socket(chat):
    ticket = chat["ticket"]
    code_ws, _, _ = await connect(ticket.number, chat["code_session"])
    await hello(code_ws)
    staff_ws, _, _ = await connect(ticket.number, chat["staff_session"])
    await hello(staff_ws)
    await database_sync_to_async(ticket_services.ticket_set_visibility)(chat["moderator"], ticket, Visibility.INTERNAL)
    for _ in range(50):  # skip the frames before it (presence, the status notice …) up to the close
        output = await code_ws.receive_output(timeout=5)
        if output["type"] == "websocket.close":
            break
    assert output == {"type": "websocket.close", "code": 4403}
    # The staff socket goes on.
    await staff_ws.send_json_to({"type": "message.send", "text": "Intern weiter", "client_id": "s-1"})
    assert (await receive_until(staff_ws, "message.ack"))["client_id"] == "s-1"
    await staff_ws.disconnect()


async def test_catching_up_comes_in_pages_until_done(chat):
    ticket = chat["ticket"]

    def many():
        for i in range(205):
            messenger_services.message_post(chat["assignee"], ticket, text=f"Nachricht {i}")

    await database_sync_to_async(many)()
    total = await database_sync_to_async(Message.objects.filter(ticket=ticket).count)()  # with the status notices
    assert 205 < total < 400
    ws, _, _ = await connect(ticket.number, chat["staff_session"])
    await hello(ws)
    await ws.send_json_to({"type": "resume", "after_id": 0})
    first = await receive_until(ws, "message.batch")
    assert (len(first["messages"]), first["more"]) == (200, True)
    await ws.send_json_to({"type": "resume", "after_id": first["messages"][-1]["id"]})
    rest = await receive_until(ws, "message.batch")
    assert (len(rest["messages"]), rest["more"]) == (total - 200, False)
    assert rest["messages"][-1]["text"] == "Nachricht 204"
    await ws.disconnect()


async def test_a_full_channel_of_another_socket_degrades_presence_not_this_socket(chat, settings):
    ws, _, _ = await connect(chat["ticket"].number, chat["staff_session"])
    hello_frame = await hello(ws)
    layer = get_channel_layer()
    full = await layer.new_channel()
    layer.capacity = 20  # this test's layer object only (a fresh one per test)
    for _ in range(layer.capacity):
        await layer.send(full, {"type": "filler"})
    # Another socket arrives and wants to hear who is here, but its channel is full: this socket
    # cannot answer it and must not die of it.
    from messenger.live import public_group

    stranger = {"kind": "staff", "id": 0, "name": "Niemand", "channel": full}
    await layer.group_send(public_group(chat["ticket"].pk), {"type": "presence.join", "who": stranger})
    await ws.send_json_to({"type": "message.send", "text": "Lebt noch", "client_id": "alive"})
    assert (await receive_until(ws, "message.ack"))["client_id"] == "alive"
    assert hello_frame["me"]["name"] == "Mia Schneider"
    await ws.disconnect()


def test_each_ticket_numbers_its_messages_without_gaps_even_when_racing(chat):
    import threading

    from django.db import connection

    from tests.factories import make_ticket
    from tickets.choices import Status

    ticket = chat["ticket"]
    other = make_ticket(Status.OPEN, access_code=chat["code_user"].access_code)
    before = Message.objects.filter(ticket=ticket).count()
    barrier = threading.Barrier(4)
    errors = []

    def post(i):
        try:
            barrier.wait(timeout=10)
            messenger_services.message_post(chat["assignee"], ticket, text=f"parallel {i}", client_id=f"p-{i}")
        except Exception as error:  # noqa: BLE001 - inspected below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    seqs = list(Message.objects.filter(ticket=ticket).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, before + 5))
    other_seqs = list(Message.objects.filter(ticket=other).order_by("seq").values_list("seq", flat=True))
    assert other_seqs == list(range(1, len(other_seqs) + 1))


async def test_receipts_beyond_the_bucket_are_coalesced_not_lost(chat):
    ticket = chat["ticket"]
    messages = []
    for i in range(5):
        message, _created = await database_sync_to_async(messenger_services.message_post)(
            chat["assignee"], ticket, text=f"Nachricht {i}"
        )
        messages.append(message)
    code_ws, _, _ = await connect(ticket.number, chat["code_session"])
    await hello(code_ws)
    staff_ws, _, _ = await connect(ticket.number, chat["staff_session"])
    await hello(staff_ws)
    for message in messages:  # five receipts at once: three pass, the rest are held back …
        await code_ws.send_json_to({"type": "read", "up_to_id": message.pk})
    last = None
    for _ in range(5):  # … and the last one arrives a moment later with the highest id
        receipt = await receive_until(staff_ws, "message.read", timeout=3)
        last = receipt["up_to_id"]
        if last == messages[-1].pk:
            break
    assert last == messages[-1].pk
    from messenger.models import ReadCursor

    cursor = await database_sync_to_async(ReadCursor.objects.get)(ticket=ticket, code_user=chat["code_user"])
    assert cursor.last_read_id == messages[-1].pk
    await code_ws.disconnect()
    await staff_ws.disconnect()


async def test_a_redis_outage_in_the_layers_own_background_tasks_is_one_line_not_a_traceback(caplog):
    """channels-redis's background tasks fail with connection errors when Redis goes away; asyncio
    would report them with a traceback. They become one warning; other errors keep the default."""
    import asyncio
    import logging

    from redis.exceptions import ConnectionError as RedisConnectionError

    from common import sockets

    loop = asyncio.get_running_loop()
    sockets.quiet_layer_outages(loop)
    with caplog.at_level(logging.WARNING):
        loop.call_exception_handler({
            "message": "Task exception was never retrieved",
            "exception": RedisConnectionError("Connection closed by server."),
        })
        loop.call_exception_handler({"message": "something else", "exception": KeyError("bug")})
    assert [(r.name, r.levelname, r.getMessage()) for r in caplog.records] == [
        ("common.sockets", "WARNING", "channel layer background task: ConnectionError: Connection closed by server."),
        ("asyncio", "ERROR", "something else"),
    ]
    assert caplog.records[0].exc_info is None and caplog.records[1].exc_info is not None


async def test_a_refused_catch_up_names_its_frame_type_so_the_page_asks_again(chat, settings):
    """A `resume` over the rate limit is refused with its frame type: the page (which waits for the
    answer before it fetches any other gap) knows to ask again instead of waiting forever."""
    settings.MESSENGER_RATE_BURST, settings.MESSENGER_RATE_PER_SECOND = 3, 0.001  # no token comes back
    ws, _, _ = await connect(chat["ticket"].number, chat["staff_session"])
    await hello(ws)
    for _ in range(4):
        await ws.send_json_to({"type": "resume", "after_seq": 0})
    refused = await receive_until(ws, "error")
    assert {key: refused[key] for key in ("code", "frame_type", "client_id")} == {
        "code": "rate_limited", "frame_type": "resume", "client_id": None,
    }
    await ws.disconnect()
