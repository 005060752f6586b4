"""The REST API's conversation: pages by message number, writing idempotently (client_id or the
Idempotency-Key header), read receipts, the messenger's rules, and the live push to open sockets."""

from datetime import datetime

import pytest
from channels.db import database_sync_to_async

from api.models import TokenScope
from messenger import services as messenger_services
from messenger.models import Message, ReadCursor
from tests.api.conftest import client_with, token_for
from tests.factories import make_ticket
from tests.messenger.conftest import communicator, session_cookie_for_staff
from tickets.choices import Status

NOT_FOUND_TICKET = {"code": "not_found", "message": "There is no such ticket, or you may not see it.", "errors": {}, "current_status": None}


@pytest.fixture
def working(crew, template):
    return make_ticket(Status.IN_PROGRESS, template=template, assignees=[crew["mia"]])


def _url(ticket, tail="") -> str:
    return f"/api/v1/tickets/{ticket.number}/messages/{tail}"


def _texts(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [m["text"] for m in response.json()["messages"]]


@pytest.mark.django_db
def test_writing_and_reading_back(crew, api_client, working):
    response = api_client(crew["jonas"]).post(_url(working), {"text": "Dichtung ist bestellt.", "client_id": "erp-1"}, format="json")
    assert response.status_code == 201, response.content
    stored = Message.objects.get(ticket=working)
    assert (stored.text, stored.author, stored.client_id, stored.seq) == ("Dichtung ist bestellt.", crew["jonas"], "erp-1", 1)
    expected = {
        "id": stored.pk, "seq": 1, "kind": "text", "author": {"kind": "staff", "id": crew["jonas"].pk, "name": "Jonas Fischer"},
        "text": "Dichtung ist bestellt.", "created_at": response.json()["created_at"], "client_id": "erp-1",
    }
    assert response.json() == expected
    listed = api_client(crew["mia"], TokenScope.READ).get(_url(working))
    assert listed.json() == {"messages": [expected], "more": False}


@pytest.mark.django_db
def test_the_same_client_id_or_idempotency_key_stores_one_message(crew, api_client, working):
    client = api_client(crew["mia"])
    first = client.post(_url(working), {"text": "Bin unterwegs.", "client_id": "k-1"}, format="json")
    again = client.post(_url(working), {"text": "Bin unterwegs.", "client_id": "k-1"}, format="json")
    assert (first.status_code, again.status_code, again.json()) == (201, 200, first.json())
    keyed = client.post(_url(working), {"text": "Angekommen."}, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    repeated = client.post(_url(working), {"text": "Angekommen.", "client_id": "k-2"}, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert (keyed.status_code, keyed.json()["client_id"], repeated.status_code, repeated.json()["id"]) == (
        201, "k-2", 200, keyed.json()["id"],
    )
    differ = client.post(_url(working), {"text": "Noch was.", "client_id": "k-3"}, format="json", HTTP_IDEMPOTENCY_KEY="k-4")
    assert (differ.status_code, list(differ.json()["errors"])) == (400, ["client_id"])
    assert list(Message.objects.filter(ticket=working).order_by("seq").values_list("client_id", flat=True)) == ["k-1", "k-2"]


@pytest.mark.django_db
def test_pages_by_message_number(crew, api_client, working):
    for word in ("eins", "zwei", "drei", "vier", "fünf"):
        messenger_services.message_post(crew["mia"], working, text=word)
    messenger_services.system_message_post(working, text="status", data={"event": "status", "from": "assigned", "to": "in_progress"})
    client = api_client(crew["jonas"])
    newest = client.get(_url(working), {"limit": 2})
    assert (_texts(newest), newest.json()["more"]) == (["fünf", "Status changed: Assigned → In progress"], True)
    assert newest.json()["messages"][1]["author"] == {"kind": "system", "id": None, "name": "System"}
    assert newest.json()["messages"][1]["kind"] == "system"
    older = client.get(_url(working), {"before_seq": 3, "limit": 5})
    assert (_texts(older), older.json()["more"]) == (["eins", "zwei"], False)
    catching_up = client.get(_url(working), {"after_seq": 2, "limit": 2})
    assert (_texts(catching_up), catching_up.json()["more"]) == (["drei", "vier"], True)
    rest = client.get(_url(working), {"after_seq": 4})
    assert ([m["seq"] for m in rest.json()["messages"]], rest.json()["more"]) == ([5, 6], False)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query, field",
    [("after_seq=abc", "after_seq"), ("after_seq=1e400", "after_seq"), ("before_seq=99999999999999999999", "before_seq"),
     ("after_seq=-1", "after_seq"), ("before_seq=0", "before_seq"), ("limit=201", "limit"), ("limit=0", "limit"),
     ("limit=2.5", "limit"), ("after_seq=1&before_seq=5", "before_seq")],
)
def test_bad_page_parameters_are_field_errors(crew, api_client, working, query, field):
    response = api_client(crew["mia"]).get(f"{_url(working)}?{query}")
    assert response.status_code == 400, response.content
    assert (response.json()["code"], list(response.json()["errors"])) == ("invalid", [field])


@pytest.mark.django_db
@pytest.mark.parametrize(
    "raw, field",
    [("{}", "text"), ('{"text": ""}', "text"), ('{"text": "   "}', "text"), ('{"text": ["a"]}', "text"),
     ('{"text": {"a": 1}}', "text"), ('{"text": null}', "text"), ('{"text": "ok", "client_id": ["x"]}', "client_id"),
     ('{"text": "ok", "client_id": "' + "x" * 65 + '"}', "client_id"), ('[{"text": "ok"}]', "non_field_errors")],
)
def test_bad_messages_are_field_errors_and_store_nothing(crew, api_client, working, raw, field):
    response = api_client(crew["mia"]).post(_url(working), raw, content_type="application/json")
    assert response.status_code == 400, response.content
    assert (response.json()["code"], list(response.json()["errors"])) == ("invalid", [field])
    assert Message.objects.count() == 0


@pytest.mark.django_db
def test_a_message_too_long_for_the_messenger(crew, api_client, working, settings):
    settings.MESSENGER_MAX_LENGTH = 10
    response = api_client(crew["mia"]).post(_url(working), {"text": "x" * 11}, format="json")
    assert (response.status_code, response.json()["errors"]) == (400, {"text": ["A message may have at most 10 characters."]})


@pytest.mark.django_db
def test_the_messengers_rules_apply(crew, api_client, template):
    mine = make_ticket(Status.DRAFT, creator=crew["mia"], template=template)
    draft = api_client(crew["mia"]).post(_url(mine), {"text": "Hallo"}, format="json")
    assert (draft.status_code, draft.json()["code"], draft.json()["message"]) == (409, "wrong_state", "You cannot write messages on this ticket.")
    assert api_client(crew["mia"]).get(_url(mine)).json() == {"messages": [], "more": False}
    for request in (lambda c: c.get(_url(mine)), lambda c: c.post(_url(mine), {"text": "Hallo"}, format="json"),
                    lambda c: c.post(_url(mine, "read/"), {"up_to_id": 1}, format="json"),
                    lambda c: c.get("/api/v1/tickets/2026-999999/messages/")):
        response = request(api_client(crew["jonas"]))
        assert (response.status_code, response.json()) == (404, NOT_FOUND_TICKET)
    assert Message.objects.count() == 0


@pytest.mark.django_db
def test_a_read_only_token_reads_but_writes_nothing(crew, api_client, working):
    reader = api_client(crew["mia"], TokenScope.READ)
    assert reader.get(_url(working)).status_code == 200
    cursors = list(ReadCursor.objects.order_by("pk").values_list("pk", "last_read_id", "unread"))  # the assignees'
    for url, payload in ((_url(working), {"text": "Hallo"}), (_url(working, "read/"), {"up_to_id": 1})):
        refused = reader.post(url, payload, format="json")
        assert (refused.status_code, refused.json()["message"]) == (403, "This token may only read.")
    assert Message.objects.count() == 0
    assert list(ReadCursor.objects.order_by("pk").values_list("pk", "last_read_id", "unread")) == cursors


@pytest.mark.django_db
def test_read_receipts_move_the_callers_cursor_forward_only(crew, api_client, working):
    first, _ = messenger_services.message_post(crew["jonas"], working, text="eins")
    second, _ = messenger_services.message_post(crew["jonas"], working, text="zwei")
    client = api_client(crew["mia"])
    url = _url(working, "read/")
    assert client.post(url, {"up_to_id": second.pk}, format="json").json() == {"last_read_id": second.pk}
    assert client.post(url, {"up_to_id": first.pk}, format="json").json() == {"last_read_id": second.pk}
    assert ReadCursor.objects.get(ticket=working, user=crew["mia"]).last_read_id == second.pk
    assert ReadCursor.objects.filter(user=crew["jonas"], last_read_id__gt=0).exists() is False  # only the caller's moved
    for payload in ({}, {"up_to_id": "x"}, {"up_to_id": 2**53 + 1}, {"up_to_id": -1}, {"up_to_id": [1]}):
        response = client.post(url, payload, format="json")
        assert (response.status_code, list(response.json()["errors"])) == (400, ["up_to_id"]), payload


@pytest.fixture
def _a_channel_layer_per_test():
    """A fresh channel layer object for this test's event loop (as tests/messenger does)."""
    from channels.layers import channel_layers

    channel_layers.backends = {}
    yield
    channel_layers.backends = {}


@pytest.mark.django_db(transaction=True)
async def test_a_message_posted_over_rest_reaches_an_open_socket_at_once(crew, working, _a_channel_layer_per_test):
    session = await database_sync_to_async(session_cookie_for_staff)(crew["mia"])
    socket = communicator(working.number, session, language="en")
    connected, _code = await socket.connect(timeout=5)
    assert connected
    assert (await socket.receive_json_from(timeout=5))["type"] == "hello"
    raw = await database_sync_to_async(token_for)(crew["jonas"])

    def post():
        return client_with(raw).post(_url(working), {"text": "Bin in fünf Minuten da.", "client_id": "app-9"}, format="json")

    response = await database_sync_to_async(post)()
    assert response.status_code == 201, response.content
    for _ in range(20):
        frame = await socket.receive_json_from(timeout=5)
        if frame["type"] == "chat.message":
            break
    pushed = frame["message"]
    # The same instant (the socket writes UTC, the API the server's time zone).
    assert datetime.fromisoformat(pushed.pop("created_at")) == datetime.fromisoformat(response.json()["created_at"])
    assert pushed == {
        "id": response.json()["id"], "seq": 1, "kind": "text", "text": "Bin in fünf Minuten da.",
        "author": {"kind": "staff", "id": crew["jonas"].pk, "name": "Jonas Fischer", "role": "Staff member"},
        "client_id": "app-9",
    }
    await socket.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_read_receipt_over_rest_reaches_the_open_pages(crew, working, _a_channel_layer_per_test):
    message, _ = await database_sync_to_async(messenger_services.message_post)(crew["mia"], working, text="Gelesen?")
    session = await database_sync_to_async(session_cookie_for_staff)(crew["mia"])
    socket = communicator(working.number, session, language="en")
    connected, _code = await socket.connect(timeout=5)
    assert connected
    assert (await socket.receive_json_from(timeout=5))["type"] == "hello"
    raw = await database_sync_to_async(token_for)(crew["jonas"])
    response = await database_sync_to_async(
        lambda: client_with(raw).post(_url(working, "read/"), {"up_to_id": message.pk}, format="json")
    )()
    assert response.json() == {"last_read_id": message.pk}
    for _ in range(20):
        frame = await socket.receive_json_from(timeout=5)
        if frame["type"] == "message.read":
            break
    assert frame == {
        "type": "message.read", "up_to_id": message.pk,
        "reader": {"kind": "staff", "id": crew["jonas"].pk, "name": "Jonas Fischer", "key": "api"},
    }
    await socket.disconnect()
