"""The per-ticket socket: permissions, storing before broadcasting, duplicates, replay, bad
frames, rate limits, live events and presence. Real channel layer (Redis when REDIS_URL is set)."""

import json

import pytest
from channels.db import database_sync_to_async

from fleet import services as fleet_services
from messenger.models import Message
from tests.factories import make_ticket
from tests.messenger.conftest import communicator, session_cookie_for_code_user, session_cookie_for_staff
from tickets import services as ticket_services
from tickets.choices import Status

pytestmark = pytest.mark.django_db(transaction=True)


async def connect(number, session):
    ws = communicator(number, session)
    connected, code = await ws.connect(timeout=5)
    return ws, connected, code


async def hello(ws):
    frame = await ws.receive_json_from(timeout=5)
    assert frame["type"] == "hello", frame
    return frame


async def receive_until(ws, frame_type, timeout=5):
    """The next frame of a type, skipping presence and other chatter."""
    for _ in range(50):
        frame = await ws.receive_json_from(timeout=timeout)
        if frame["type"] == frame_type:
            return frame
    raise AssertionError(f"no {frame_type} frame")


async def receive_types(ws, types, timeout=5):
    """The first frame of each of several types, in whatever order they come."""
    found = {}
    for _ in range(50):
        frame = await ws.receive_json_from(timeout=timeout)
        if frame["type"] in types and frame["type"] not in found:
            found[frame["type"]] = frame
        if len(found) == len(types):
            return found
    raise AssertionError(f"missing {set(types) - set(found)}")


async def test_staff_and_the_code_user_connect_strangers_do_not(chat):
    number = chat["ticket"].number
    staff, ok, _ = await connect(number, chat["staff_session"])
    assert ok and (await hello(staff))["can_write"] is True
    code, ok, _ = await connect(number, chat["code_session"])
    assert ok and (await hello(code))["me"]["name"] == "Petra Huber"
    for session in (None, chat["stranger_session"]):
        ws, ok, close_code = await connect(number, session)
        assert not ok and close_code == 4403
    await staff.disconnect()
    await code.disconnect()


async def test_internal_ticket_refuses_code_users(chat):
    ticket = await database_sync_to_async(make_ticket)(Status.OPEN, access_code=chat["code_user"].access_code, visibility="internal")
    ws, ok, close_code = await connect(ticket.number, chat["code_session"])
    assert not ok and close_code == 4403


async def test_message_is_stored_then_broadcast_and_acknowledged(chat):
    number = chat["ticket"].number
    staff, _, _ = await connect(number, chat["staff_session"])
    await hello(staff)
    code, _, _ = await connect(number, chat["code_session"])
    await hello(code)

    await code.send_json_to({"type": "message.send", "text": "Es tropft <b>wieder</b>.", "client_id": "c-1"})
    ack = await receive_until(code, "message.ack")
    stored = await database_sync_to_async(Message.objects.get)(pk=ack["id"])
    assert stored.text == "Es tropft <b>wieder</b>." and stored.author_code_user_id == chat["code_user"].pk
    assert ack == {
        "type": "message.ack", "client_id": "c-1", "id": stored.pk, "seq": stored.seq,
        "created_at": stored.created_at.isoformat(), "duplicate": False,
    }
    assert stored.seq == await database_sync_to_async(Message.objects.filter(ticket=chat["ticket"]).count)()

    arrived = await receive_until(staff, "chat.message")
    assert (arrived["message"]["id"], arrived["message"]["seq"]) == (stored.pk, stored.seq)
    assert arrived["message"]["author"] == {"kind": "code_user", "id": chat["code_user"].pk, "name": "Petra Huber", "role": ""}
    await staff.disconnect()
    await code.disconnect()


async def test_staff_and_code_users_get_every_public_message_and_event_exactly_once(chat):
    """Staff sockets hear the ticket's public group and its staff group; each push goes to exactly
    one of them, so nothing arrives twice."""
    number = chat["ticket"].number
    staff, _, _ = await connect(number, chat["staff_session"])
    await hello(staff)
    code, _, _ = await connect(number, chat["code_session"])
    await hello(code)
    seen = {"staff": [], "code": []}

    async def collect(name, ws, until):
        for _ in range(30):
            frame = await ws.receive_json_from(timeout=5)
            if frame["type"] == "chat.message":
                seen[name].append(("message", frame["message"]["text"]))
            elif frame["type"] == "ticket.event":
                seen[name].append(("event", frame["event"]["name"]))
            if until(frame):
                return
        raise AssertionError(f"{name}: {seen[name]}")

    for text in ("eins", "zwei"):
        await code.send_json_to({"type": "message.send", "text": text, "client_id": text})
        await collect("code", code, lambda f, text=text: f["type"] == "message.ack" and f["client_id"] == text)
    await database_sync_to_async(ticket_services.ticket_finish)(chat["assignee"], chat["ticket"])
    await staff.send_json_to({"type": "message.send", "text": "drei", "client_id": "drei"})
    for name, ws in (("staff", staff), ("code", code)):
        await collect(name, ws, lambda f: f["type"] == "chat.message" and f["message"]["text"] == "drei")
        frames = [frame for frame in seen[name] if frame != ("message", "eins") and frame != ("message", "zwei")]
        assert (seen[name].count(("message", "eins")), seen[name].count(("message", "zwei"))) == (1, 1)
        assert frames == [
            # The subscribers' system messages are pushed as they commit, before the page event.
            ("message", "Status geändert: In Bearbeitung → Fertig"),
            ("message", "Bitte bewerten Sie die erledigte Arbeit: Vergeben Sie 1 bis 5 Sterne, oder sagen Sie "
                        "uns, wenn das Problem weiterhin besteht."),
            ("event", "ticket.transitioned"), ("message", "drei"),
        ]
    await staff.disconnect()
    await code.disconnect()


async def test_a_resent_message_is_stored_once(chat):
    ws, _, _ = await connect(chat["ticket"].number, chat["staff_session"])
    await hello(ws)
    for _ in range(2):
        await ws.send_json_to({"type": "message.send", "text": "Bin unterwegs.", "client_id": "dup-7"})
    first = await receive_until(ws, "message.ack")
    second = await receive_until(ws, "message.ack")
    assert first["id"] == second["id"] and second["duplicate"] is True
    assert await database_sync_to_async(Message.objects.filter(client_id="dup-7").count)() == 1
    await ws.disconnect()


async def test_the_first_connect_gets_the_newest_messages_with_its_hello(chat):
    """One trip: the page's first connect asks ``?history=N`` and finds the newest N messages, oldest
    first, in the hello (as a history batch would give them); without it the hello has none."""
    from channels.testing import WebsocketCommunicator

    from config.asgi import application

    ticket = chat["ticket"]
    for i in range(3):
        await database_sync_to_async(services_message_post)(chat["assignee"], ticket, f"Nummer {i}")
    ws = WebsocketCommunicator(
        application, f"/ws/tickets/{ticket.number}/?history=2",
        headers=[(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1"),
                 (b"cookie", f"sessionid={chat['staff_session']}".encode())],
    )
    assert (await ws.connect(timeout=5))[0]
    first = await hello(ws)
    assert [m["text"] for m in first["history"]] == ["Nummer 1", "Nummer 2"]
    assert [m["seq"] for m in first["history"]] == sorted(m["seq"] for m in first["history"])
    await ws.disconnect()
    plain, _, _ = await connect(ticket.number, chat["staff_session"])
    assert "history" not in await hello(plain)
    await plain.disconnect()
    # Asking for history changes nothing about who gets in: a stranger is refused before any is read.
    stranger = WebsocketCommunicator(
        application, f"/ws/tickets/{ticket.number}/?history=50",
        headers=[(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1"),
                 (b"cookie", f"sessionid={chat['stranger_session']}".encode())],
    )
    assert await stranger.connect(timeout=5) == (False, 4403)


def services_message_post(actor, ticket, text):
    from messenger import services

    return services.message_post(actor, ticket, text=text)


async def test_replay_after_the_last_id_and_older_history(chat):
    ticket = chat["ticket"]

    def post_many():
        from messenger import services

        return [services.message_post(chat["assignee"], ticket, text=f"Nachricht {i}")[0].pk for i in range(60)]

    ids = await database_sync_to_async(post_many)()
    ws, _, _ = await connect(ticket.number, chat["code_session"])
    await hello(ws)
    await ws.send_json_to({"type": "resume", "after_id": ids[54]})
    batch = await receive_until(ws, "message.batch")
    assert [m["id"] for m in batch["messages"]] == ids[55:]
    await ws.send_json_to({"type": "history", "before_id": None, "limit": 20})
    newest = await receive_until(ws, "message.batch")
    assert [m["id"] for m in newest["messages"]] == ids[40:]
    await ws.send_json_to({"type": "history", "before_id": ids[40], "limit": 20})
    older = await receive_until(ws, "message.batch")
    assert [m["id"] for m in older["messages"]] == ids[20:40] and older["older"] is True
    await ws.disconnect()


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("{not json", "bad_json"),
        ("[1, 2, 3]", "bad_frame"),
        ('{"type": "launch.missiles"}', "unknown_type"),
        ('{"type": "message.send", "text": ""}', "invalid"),
        ('{"type": "message.send", "text": 42}', "invalid"),
        ('{"type": "message.send", "text": "x", "client_id": {"a": 1}}', "invalid"),
        ('{"type": "resume", "after_id": "abc"}', "bad_frame"),
    ],
)
async def test_bad_frames_get_an_error_and_the_connection_stays_usable(chat, raw, code):
    ws, _, _ = await connect(chat["ticket"].number, chat["staff_session"])
    await hello(ws)
    await ws.send_to(text_data=raw)
    error = await receive_until(ws, "error")
    assert error["code"] == code and error["message"]
    await ws.send_json_to({"type": "message.send", "text": "Noch da?", "client_id": f"after-{code}"})
    assert (await receive_until(ws, "message.ack"))["id"]
    await ws.disconnect()


async def test_oversized_frame_and_too_long_message(chat, settings):
    ws, _, _ = await connect(chat["ticket"].number, chat["staff_session"])
    await hello(ws)
    await ws.send_to(text_data=json.dumps({"type": "message.send", "text": "x" * 40_000}))
    assert (await receive_until(ws, "error"))["code"] == "too_large"
    await ws.send_json_to({"type": "message.send", "text": "y" * 4001})
    error = await receive_until(ws, "error")
    assert error["code"] == "invalid" and "4000" in error["message"]
    assert await database_sync_to_async(Message.objects.filter(kind="text").count)() == 0
    await ws.disconnect()


async def test_rate_limit_per_connection(chat, settings):
    settings.MESSENGER_RATE_PER_SECOND = 0.001  # no token comes back during the test
    ws, _, _ = await connect(chat["ticket"].number, chat["staff_session"])
    await hello(ws)
    for i in range(25):
        await ws.send_json_to({"type": "message.send", "text": f"spam {i}", "client_id": f"spam-{i}"})
    frames = []
    for _ in range(25):
        frames.append(await ws.receive_json_from(timeout=5))
        while frames[-1]["type"] not in ("message.ack", "error"):
            frames[-1] = await ws.receive_json_from(timeout=5)
    # Every frame is answered once, by its client id: stored, refused by the rate limit, or (the
    # burst outran the socket's inbox of MESSENGER_INBOX_SIZE frames) "busy", to be sent again.
    assert sorted(f["client_id"] for f in frames) == sorted(f"spam-{i}" for i in range(25))
    # The burst of 10 passes the rate limit: one frame is in work, 8 wait in the inbox, one is busy.
    codes = [f["code"] if f["type"] == "error" else "ack" for f in frames]
    assert codes.count("rate_limited") == 25 - settings.MESSENGER_RATE_BURST == 15
    assert (codes.count("ack"), codes.count("busy")) == (settings.MESSENGER_INBOX_SIZE + 1, 1) == (9, 1)
    acked = [f for f in frames if f["type"] == "message.ack"]
    stored = await database_sync_to_async(list)(Message.objects.filter(kind="text").values_list("client_id", flat=True))
    assert sorted(stored) == sorted(f["client_id"] for f in acked)
    await ws.disconnect()


async def test_a_server_that_cannot_keep_up_answers_busy_and_the_resend_is_stored_once(chat, settings):
    """Back-pressure: past MESSENGER_MAX_IN_FLIGHT frames in this process, a message is refused at
    once with "busy" and its client id (the page sends it again with backoff); nothing is stored
    until it gets through, and then exactly once."""
    ws, _, _ = await connect(chat["ticket"].number, chat["staff_session"])
    await hello(ws)
    settings.MESSENGER_MAX_IN_FLIGHT = 0
    await ws.send_json_to({"type": "message.send", "text": "Bitte warten", "client_id": "b-1"})
    busy = await receive_until(ws, "error")
    assert (busy["code"], busy["client_id"], busy["frame_type"]) == ("busy", "b-1", "message.send")
    assert busy["message"] == "Der Server ist ausgelastet. Gleich wird es erneut versucht …"
    assert await database_sync_to_async(Message.objects.filter(client_id="b-1").count)() == 0

    settings.MESSENGER_MAX_IN_FLIGHT = 200
    for _attempt in range(2):  # sent again (twice, as a page retrying after a lost ack would)
        await ws.send_json_to({"type": "message.send", "text": "Bitte warten", "client_id": "b-1"})
    first, second = await receive_until(ws, "message.ack"), await receive_until(ws, "message.ack")
    assert (first["duplicate"], second["duplicate"], first["id"]) == (False, True, second["id"])
    assert await database_sync_to_async(Message.objects.filter(client_id="b-1").count)() == 1
    await ws.disconnect()


async def test_code_user_reads_but_cannot_write_after_close(chat):
    ticket = chat["ticket"]

    def close():
        t = ticket_services.ticket_finish(chat["assignee"], ticket)
        return ticket_services.ticket_close(chat["assignee"], t)

    ws, _, _ = await connect(ticket.number, chat["code_session"])
    assert (await hello(ws))["can_write"] is True
    await database_sync_to_async(close)()
    await ws.send_json_to({"type": "message.send", "text": "Danke!", "client_id": "late"})
    error = await receive_until(ws, "error")
    assert error["code"] == "wrong_state" and error["client_id"] == "late"
    await ws.send_json_to({"type": "resume", "after_id": 0})
    assert (await receive_until(ws, "message.batch"))["messages"]  # still reads (the status notices)
    await ws.disconnect()
    again, ok, _ = await connect(ticket.number, chat["code_session"])
    assert ok and (await hello(again))["can_write"] is False
    await again.disconnect()


async def test_status_change_reaches_the_page_and_the_conversation(chat):
    ws, _, _ = await connect(chat["ticket"].number, chat["code_session"])
    await hello(ws)
    await database_sync_to_async(ticket_services.ticket_finish)(chat["assignee"], chat["ticket"])
    frames = await receive_types(ws, {"ticket.event", "chat.message"})
    event, notice = frames["ticket.event"], frames["chat.message"]
    assert event["event"]["area"] == "status" and event["event"]["payload"]["to"] == "done"
    assert notice["message"]["kind"] == "system"
    assert notice["message"]["text"] == "Status geändert: In Bearbeitung → Fertig"
    await ws.disconnect()


async def test_internal_events_never_reach_a_code_user(chat):
    ticket = chat["ticket"]
    code, _, _ = await connect(ticket.number, chat["code_session"])
    await hello(code)
    staff, _, _ = await connect(ticket.number, chat["staff_session"])
    await hello(staff)

    await database_sync_to_async(ticket_services.update_post)(chat["assignee"], ticket, text="Nur intern", internal=True)
    assert (await receive_until(staff, "ticket.event"))["event"]["area"] == "updates"
    # The code user's socket gets presence chatter at most, never this event.
    for _ in range(5):
        if await code.receive_nothing(timeout=0.3):
            break
        frame = await code.receive_json_from(timeout=1)
        assert frame["type"] == "presence", frame
    # Who works on the ticket is for the customer too: a notice with the name, not the staff event.
    await database_sync_to_async(fleet_services.assignee_add)(chat["moderator"], ticket, chat["moderator"])
    assert (await receive_until(staff, "ticket.event"))["event"]["area"] == "fleet"
    notice = await receive_until(code, "chat.message")
    assert (notice["message"]["kind"], notice["message"]["text"]) == (
        "system", f"{chat['moderator'].display_name} bearbeitet jetzt das Ticket."
    )
    public = await database_sync_to_async(ticket_services.update_post)(chat["assignee"], ticket, text="Öffentlich")
    event = await receive_until(code, "ticket.event")
    assert event["event"]["payload"] == {"kind": "public", "update_id": public.pk}
    await code.disconnect()
    await staff.disconnect()


async def test_presence_staff_see_everyone_code_users_only_staff(chat):
    ticket = chat["ticket"]
    other_code_user = await database_sync_to_async(
        lambda: __import__("tests.factories", fromlist=["CodeUserFactory"]).CodeUserFactory(
            access_code=chat["code_user"].access_code, display_name="Karl Meier"
        )
    )()
    staff, _, _ = await connect(ticket.number, chat["staff_session"])
    await hello(staff)
    code, _, _ = await connect(ticket.number, chat["code_session"])
    await hello(code)
    karl_session = await database_sync_to_async(session_cookie_for_code_user)(other_code_user)
    karl, _, _ = await connect(ticket.number, karl_session)
    await hello(karl)

    seen_by_staff = {(await receive_until(staff, "presence"))["who"]["name"] for _ in range(2)}
    assert seen_by_staff == {"Petra Huber", "Karl Meier"}
    seen_by_code = (await receive_until(code, "presence"))["who"]
    assert seen_by_code["name"] == "Mia Schneider" and seen_by_code["kind"] == "staff"
    # Petra never learns that Karl is here.
    assert await code.receive_nothing(timeout=0.3)
    await karl.disconnect()
    leave = await receive_until(staff, "presence")
    assert (leave["change"], leave["who"]["name"]) == ("leave", "Karl Meier")
    await code.disconnect()
    await staff.disconnect()


async def test_a_socket_the_server_gives_up_on_leaves_no_ghost(chat):
    """Under a connect storm daphne cancels consumers whose handshake took too long, without a
    disconnect: the consumer still says goodbye, so nobody keeps showing a person who is not there."""
    ticket = chat["ticket"]
    staff, _, _ = await connect(ticket.number, chat["staff_session"])
    await hello(staff)
    code, _, _ = await connect(ticket.number, chat["code_session"])
    await hello(code)
    assert (await receive_until(staff, "presence"))["who"]["name"] == "Petra Huber"
    code.future.cancel()  # what the server does to an application instance it gives up on
    leave = await receive_until(staff, "presence")
    assert (leave["change"], leave["who"]["name"]) == ("leave", "Petra Huber")
    await staff.disconnect()


async def test_typing_and_read_receipts(chat):
    ticket = chat["ticket"]
    staff, _, _ = await connect(ticket.number, chat["staff_session"])
    await hello(staff)
    code, _, _ = await connect(ticket.number, chat["code_session"])
    await hello(code)
    await staff.send_json_to({"type": "typing"})
    typing = await receive_until(code, "typing")
    assert typing["who"]["name"] == "Mia Schneider"

    await staff.send_json_to({"type": "message.send", "text": "Hallo", "client_id": "r1"})
    message_id = (await receive_until(staff, "message.ack"))["id"]
    await code.send_json_to({"type": "read", "up_to_id": message_id})
    receipt = await receive_until(staff, "message.read")
    assert receipt["up_to_id"] == message_id and receipt["reader"]["kind"] == "code_user"
    await staff.disconnect()
    await code.disconnect()


async def test_ticket_list_socket_is_for_staff_and_hears_status_changes(chat):
    from channels.testing import WebsocketCommunicator

    from config.asgi import application

    def list_socket(session):
        return WebsocketCommunicator(
            application, "/ws/tickets/",
            headers=[(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1"),
                     (b"cookie", f"sessionid={session}".encode() if session else b"")],
        )

    refused = list_socket(chat["code_session"])
    assert (await refused.connect(timeout=5))[0] is False
    ws = list_socket(chat["staff_session"])
    assert (await ws.connect(timeout=5))[0] is True
    await database_sync_to_async(ticket_services.ticket_finish)(chat["assignee"], chat["ticket"])
    frame = await ws.receive_json_from(timeout=5)
    assert frame == {"type": "list.changed", "ticket": chat["ticket"].number, "event": "ticket.transitioned"}
    await ws.disconnect()


async def test_staff_session_of_a_deactivated_user_is_refused(chat):
    def deactivate():
        chat["moderator"].is_active = False
        chat["moderator"].save()
        return session_cookie_for_staff(chat["moderator"])

    session = await database_sync_to_async(deactivate)()
    ws, ok, code = await connect(chat["ticket"].number, session)
    assert not ok
