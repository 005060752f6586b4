"""The one access rule (tickets.permissions.code_user_can_see) through every door a code user has:
the ticket page, an already open socket, feedback, the personal link. A switched-off code, another
code's code user and a draft are refused everywhere, and nothing is stored."""

import pytest
from channels.db import database_sync_to_async
from django.test import Client

from common.errors import PermissionDenied
from messenger.models import Message
from tests.factories import AccessCodeFactory, CodeUserFactory, UserFactory, make_ticket
from tests.messenger.conftest import communicator, session_cookie_for_code_user
from portal import sessions as code_sessions
from tickets import services
from tickets.choices import Status
from tickets.services import feedback_submit
from tickets.models import Feedback

pytestmark = pytest.mark.django_db(transaction=True)


def _door_setup():
    admin = UserFactory(role="Administrator")
    code = AccessCodeFactory()
    code_user = CodeUserFactory(access_code=code, display_name="Petra Huber")
    done = make_ticket(Status.DONE, access_code=code)
    draft = make_ticket(Status.DRAFT, access_code=code)
    return admin, code, code_user, done, draft


def _client_for(code_user) -> Client:
    client = Client()
    client.cookies["sessionid"] = session_cookie_for_code_user(code_user)
    return client


def _page(client, code, ticket):
    return client.get(f"/c/{code.token}/tickets/{ticket.number}/")


def _feedback(client, code, ticket):
    return client.post(f"/c/{code.token}/tickets/{ticket.number}/feedback/", {"stars": "5", "text": "Top"})


def _link(client, code_user, ticket):
    return client.get(f"/c/t/{code_sessions.personal_link_token(code_user, ticket)}/")


def test_a_switched_off_code_closes_every_door_of_its_code_users():
    admin, code, code_user, done, _draft = _door_setup()
    client = _client_for(code_user)
    assert _page(client, code, done).status_code == 200  # the doors are open before
    assert _link(Client(), code_user, done).status_code == 302

    services.access_code_set_active(admin, code, False)
    assert _page(client, code, done).status_code == 404
    assert _feedback(client, code, done).status_code == 404
    assert _link(Client(), code_user, done).status_code == 404
    assert code_sessions.resolve_personal_link(code_sessions.personal_link_token(code_user, done)) is None
    with pytest.raises(PermissionDenied):
        feedback_submit(code_user, done, stars=5, text="Top")
    assert not Feedback.objects.exists()
    done.refresh_from_db()
    assert done.status == Status.DONE


def test_a_code_user_of_another_code_is_refused_at_every_door():
    _admin, code, _code_user, done, _draft = _door_setup()
    stranger = CodeUserFactory(access_code=AccessCodeFactory())
    client = _client_for(stranger)
    assert _page(client, code, done).status_code == 404
    assert _feedback(client, code, done).status_code == 404
    assert _link(Client(), stranger, done).status_code == 404
    with pytest.raises(PermissionDenied):
        feedback_submit(stranger, done, stars=5, text="Top")
    assert not Feedback.objects.exists()


def test_a_draft_is_invisible_to_the_code_users_of_its_code():
    _admin, code, code_user, _done, draft = _door_setup()
    client = _client_for(code_user)
    assert _page(client, code, draft).status_code == 404
    assert _link(Client(), code_user, draft).status_code == 404
    assert draft.number not in client.get(f"/c/{code.token}/").content.decode()


async def _connect(number, session):
    ws = communicator(number, session)
    connected, close_code = await ws.connect(timeout=5)
    return ws, connected, close_code


async def _next(ws, frame_type):
    for _ in range(50):
        frame = await ws.receive_json_from(timeout=5)
        if frame["type"] == frame_type:
            return frame
    raise AssertionError(f"no {frame_type} frame")


async def _closed(ws) -> int:
    """The close code the server sends next (frames before it are skipped)."""
    for _ in range(20):
        output = await ws.receive_output(timeout=5)
        if output["type"] == "websocket.close":
            return output["code"]
    raise AssertionError("the socket stayed open")


async def _code_users_open_socket():
    """A code user's open, writable socket on an In Bearbeitung ticket of their code."""
    admin, code, code_user, _done, draft = await database_sync_to_async(_door_setup)()
    ticket = await database_sync_to_async(make_ticket)(Status.IN_PROGRESS, access_code=code)
    session = await database_sync_to_async(session_cookie_for_code_user)(code_user)
    ws, connected, _ = await _connect(ticket.number, session)
    assert connected and (await _next(ws, "hello"))["can_write"] is True
    return admin, code, code_user, draft, ticket, session, ws


async def test_an_open_socket_stops_taking_messages_once_the_code_is_switched_off():
    admin, code, code_user, draft, ticket, session, ws = await _code_users_open_socket()
    await ws.send_json_to({"type": "message.send", "text": "Noch da?", "client_id": "before"})
    assert (await _next(ws, "message.ack"))["client_id"] == "before"

    # Switched off: the open socket is closed at once (4403: the page says it cannot follow the
    # conversation), so nothing more can be written through it.
    await database_sync_to_async(services.access_code_set_active)(admin, code, False)
    assert await _closed(ws) == 4403
    assert await database_sync_to_async(list)(
        Message.objects.filter(ticket=ticket, author_code_user=code_user).values_list("text", flat=True)
    ) == ["Noch da?"]

    # A new socket is refused outright; so are another code's code user and a draft.
    ws, connected, close_code = await _connect(ticket.number, session)
    assert (connected, close_code) == (False, 4403)
    await database_sync_to_async(services.access_code_set_active)(admin, code, True)
    stranger = await database_sync_to_async(CodeUserFactory)(access_code=await database_sync_to_async(AccessCodeFactory)())
    stranger_session = await database_sync_to_async(session_cookie_for_code_user)(stranger)
    for number, cookie in ((ticket.number, stranger_session), (draft.number, session)):
        ws, connected, close_code = await _connect(number, cookie)
        assert (connected, close_code) == (False, 4403)


async def test_a_ticket_moved_to_another_code_closes_the_old_codes_socket():
    admin, _code, _code_user, _draft, ticket, session, ws = await _code_users_open_socket()

    other_code = await database_sync_to_async(AccessCodeFactory)()
    await database_sync_to_async(services.ticket_update_fields)(admin, ticket, access_code=other_code)
    assert await _closed(ws) == 4403
    ws, connected, close_code = await _connect(ticket.number, session)  # and cannot come back
    assert (connected, close_code) == (False, 4403)
