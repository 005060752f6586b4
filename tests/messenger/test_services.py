"""The conversation's rules without a socket: who writes, idempotency, unread counts, notices."""

import pytest
from django.utils import translation

from common.errors import InvalidInput, PermissionDenied, WrongState
from fleet.roles import Role
from messenger import selectors, services
from messenger.models import Message, MessageKind, ReadCursor
from tests.factories import AccessCodeFactory, CodeUserFactory, UserFactory, make_ticket
from tickets import services as ticket_services
from tickets.choices import Status
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    code = AccessCodeFactory()
    mia = UserFactory()
    ticket = make_ticket(Status.IN_PROGRESS, access_code=code, assignees=[mia])
    return {"ticket": ticket, "mia": mia, "code_user": CodeUserFactory(access_code=code), "jonas": UserFactory()}


def test_same_client_id_is_stored_once(setup):
    first, created = services.message_post(setup["mia"], setup["ticket"], text="Hallo", client_id="abc")
    again, created_again = services.message_post(setup["mia"], setup["ticket"], text="Hallo", client_id="abc")
    assert created and not created_again and first.pk == again.pk
    assert Message.objects.filter(client_id="abc").count() == 1


def test_code_user_may_not_write_after_close_but_staff_may(setup):
    ticket = ticket_services.ticket_close(setup["mia"], ticket_services.ticket_finish(setup["mia"], setup["ticket"]))
    with pytest.raises(WrongState):
        services.message_post(setup["code_user"], ticket, text="Noch eine Frage")
    assert services.message_post(setup["mia"], ticket, text="Abschlussbericht folgt per Post.")[1]


def test_a_socket_that_has_not_heard_of_the_close_yet_cannot_write_either(setup):
    """A socket keeps its ticket from the handshake: the rule is checked again on the ticket as
    stored when the message is, and the refused message leaves nothing behind (not even its number)."""
    as_the_socket_knows_it = Ticket.objects.get(pk=setup["ticket"].pk)
    services.message_post(setup["code_user"], as_the_socket_knows_it, text="Vorher")
    ticket_services.ticket_close(setup["mia"], ticket_services.ticket_finish(setup["mia"], setup["ticket"]))
    stored = Message.objects.count()
    with translation.override("de"), pytest.raises(WrongState, match="Dieses Ticket hat den Status „Geschlossen“"):
        services.message_post(setup["code_user"], as_the_socket_knows_it, text="Noch eine Frage")
    assert Message.objects.count() == stored
    assert as_the_socket_knows_it.status == Status.CLOSED  # it knows now
    later = services.message_post(setup["mia"], as_the_socket_knows_it, text="Abschlussbericht folgt.")[0]
    assert later.seq == Message.objects.filter(ticket=later.ticket).exclude(pk=later.pk).order_by("-seq").first().seq + 1


def test_a_socket_whose_ticket_moved_on_still_writes_where_the_rule_allows_it(setup):
    """The ticket changed since the socket read it, but not so that its code user may no longer
    write: the message is stored (numbered next), and the socket's ticket knows the change."""
    as_the_socket_knows_it = Ticket.objects.get(pk=setup["ticket"].pk)
    first, _ = services.message_post(setup["code_user"], as_the_socket_knows_it, text="Vorher")
    ticket_services.ticket_finish(setup["mia"], setup["ticket"])
    system_messages = Message.objects.filter(ticket=setup["ticket"], kind=MessageKind.SYSTEM).count()
    message, created = services.message_post(setup["code_user"], as_the_socket_knows_it, text="Läuft wieder nicht")
    assert created and message.seq == first.seq + system_messages + 1
    assert as_the_socket_knows_it.status == Status.DONE
    assert list(Message.objects.filter(ticket=setup["ticket"]).values_list("seq", flat=True)) == list(range(1, message.seq + 1))


def test_a_message_inside_a_callers_transaction_is_refused_without_spoiling_it(setup):
    """A repeated client id inside a caller's transaction: the existing message is the answer, and
    the caller's transaction goes on (the storing statement had its own savepoint)."""
    from django.db import transaction

    first, _ = services.message_post(setup["mia"], setup["ticket"], text="Hallo", client_id="dup")
    with transaction.atomic():
        again, created = services.message_post(setup["mia"], setup["ticket"], text="Hallo", client_id="dup")
        later, _ = services.message_post(setup["mia"], setup["ticket"], text="Weiter")
    assert (again.pk, created) == (first.pk, False)
    assert later.seq == first.seq + 1


def test_strangers_cannot_read_or_write(setup):
    stranger = CodeUserFactory()
    assert not services.may_read(stranger, setup["ticket"])
    with pytest.raises(PermissionDenied):
        services.message_post(stranger, setup["ticket"], text="Hallo?")
    with pytest.raises(PermissionDenied):
        selectors.messages_for(stranger, setup["ticket"])


@pytest.mark.parametrize("text", ["", "   ", None, 12, "x" * 4001])
def test_invalid_text_is_refused(setup, text):
    with pytest.raises(InvalidInput):
        services.message_post(setup["mia"], setup["ticket"], text=text)


def test_unread_counts_per_ticket_and_total(setup):
    other = make_ticket(Status.IN_PROGRESS, access_code=setup["ticket"].access_code, assignees=[setup["mia"]])
    for text in ("Eins", "Zwei", "Drei"):
        services.message_post(setup["code_user"], setup["ticket"], text=text)
    services.message_post(setup["code_user"], other, text="Anderes Ticket")
    own, _ = services.message_post(setup["mia"], setup["ticket"], text="Meine eigene")
    assert selectors.unread_counts(setup["mia"], [setup["ticket"], other]) == {setup["ticket"].pk: 3, other.pk: 1}
    assert selectors.unread_total(setup["mia"]) == 4
    services.mark_read(setup["mia"], setup["ticket"], own.pk)
    assert selectors.unread_counts(setup["mia"], [setup["ticket"], other]) == {other.pk: 1}
    # The cursor never moves back.
    services.mark_read(setup["mia"], setup["ticket"], 1)
    assert selectors.unread_counts(setup["mia"], [setup["ticket"]]) == {}


def test_every_status_change_of_a_public_ticket_leaves_one_system_message(setup, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket_services.ticket_finish(setup["mia"], setup["ticket"])
    # Fertig also asks the code user for feedback (messenger.services.request_feedback_on_done): a second, separate notice.
    (notice,) = Message.objects.filter(ticket=setup["ticket"], kind=MessageKind.SYSTEM, data__event="status")
    assert notice.data == {"event": "status", "from": "in_progress", "to": "done"}
    with translation.override("de"):
        assert services.serialize(notice)["text"] == "Status geändert: In Bearbeitung → Fertig"
    with translation.override("en"):
        assert services.serialize(notice)["text"] == "Status changed: In progress → Done"


def test_internal_tickets_get_no_status_notices(django_capture_on_commit_callbacks):
    mia = UserFactory()
    ticket = make_ticket(Status.IN_PROGRESS, visibility="internal", assignees=[mia])
    with django_capture_on_commit_callbacks(execute=True):
        ticket_services.ticket_finish(mia, ticket)
    assert not Message.objects.filter(ticket=ticket).exists()


def test_staff_of_any_role_may_write_on_a_visible_ticket_but_not_on_drafts(setup):
    moderator = UserFactory(role=Role.MODERATOR)
    assert services.may_write(setup["jonas"], setup["ticket"]) and services.may_write(moderator, setup["ticket"])
    draft = make_ticket(Status.DRAFT, creator=setup["jonas"])
    assert services.may_read(setup["jonas"], draft) and not services.may_write(setup["jonas"], draft)


def _statements(queries) -> list[str]:
    """"VERB table" for each statement, leaving out transaction control."""
    import re

    result = []
    for query in queries:
        verb = query["sql"].split()[0].upper()
        if verb == "WITH":  # "INSERT table + UPDATE other": a statement and the one in its CTE
            inner = re.search(r'^WITH \w+ AS \((\w+) "(\w+)"', query["sql"]).group(1, 2)
            main = re.search(r'\) (\w+) INTO "(\w+)"', query["sql"]).group(1, 2)
            result.append(f"{main[0]} {main[1]} + {inner[0]} {inner[1]}")
        elif verb not in ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE", "ROLLBACK"):
            table = re.search(r'"(\w+)"', query["sql"]).group(1)
            result.append(f"{verb} {table}")
    return result


def _stored() -> list[str]:
    """Numbering a message, storing it and counting it as unread for the other staff: one call of
    the database's function on PostgreSQL (its own transaction: one round trip), three statements
    in one transaction on SQLite."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return ["SELECT messenger_store_message"]
    return ["INSERT messenger_conversation", "INSERT messenger_message", "UPDATE messenger_readcursor"]


def test_a_message_costs_a_fixed_handful_of_statements(setup, django_capture_on_commit_callbacks):
    """What every chat message costs, after-commit subscribers included (the live push reads
    nothing: the stored message travels in the event). A regression here is a slower messenger."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from webhooks import selectors as webhook_selectors

    ticket, mia, code_user = setup["ticket"], setup["mia"], setup["code_user"]
    webhook_selectors.subscriptions()  # who takes which webhooks: read once per change of an endpoint, then cached
    with CaptureQueriesContext(connection) as first_message, django_capture_on_commit_callbacks(execute=True):
        services.message_post(code_user, ticket, text="Erste Frage")
    assert _statements(first_message.captured_queries) == [
        *_stored(), "INSERT tickets_ticketparticipant",  # the customer takes part from now on (one INSERT)
    ]
    services.may_write(mia, ticket) and mia.role  # permissions and role: loaded once per user object (a socket keeps it)
    with CaptureQueriesContext(connection) as staff_message, django_capture_on_commit_callbacks(execute=True):
        services.message_post(mia, ticket, text="Antwort", client_id="s-1")
    assert _statements(staff_message.captured_queries) == [
        *_stored(),  # the next number, the message, one more unread for the other staff (the side menu's badge)
        "SELECT tickets_ticketparticipant",  # after commit: whom to e-mail the answer (none has an address)
    ]
    with CaptureQueriesContext(connection) as customer_message, django_capture_on_commit_callbacks(execute=True):
        services.message_post(code_user, ticket, text="Danke", client_id="c-1")
    assert _statements(customer_message.captured_queries) == [
        *_stored(),  # taking part already: the storing statement said so
    ]


def test_a_read_receipt_costs_three_statements(setup):
    """Staff reading on: the newest message up to the receipt, their cursor locked, then moved and
    its unread count taken in one statement."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ticket, mia, code_user = setup["ticket"], setup["mia"], setup["code_user"]
    first, _ = services.message_post(code_user, ticket, text="Eins")
    second, _ = services.message_post(code_user, ticket, text="Zwei")
    services.mark_read(mia, ticket, first.pk)
    with CaptureQueriesContext(connection) as receipt:
        assert services.mark_read(mia, ticket, second.pk) == second.pk
    assert _statements(receipt.captured_queries) == [
        "SELECT messenger_message", "SELECT messenger_readcursor", "UPDATE messenger_readcursor",
    ]
    assert ReadCursor.objects.get(ticket=ticket, user=mia).unread == 0


def test_pages_by_message_number_oldest_first_with_more(setup):
    for word in ("eins", "zwei", "drei", "vier", "fünf"):
        services.message_post(setup["mia"], setup["ticket"], text=word)

    def page(**kwargs):
        messages, more = selectors.messages_page(setup["mia"], setup["ticket"], **kwargs)
        return [m.text for m in messages], more

    assert page(limit=2) == (["vier", "fünf"], True)
    assert page(limit=5) == (["eins", "zwei", "drei", "vier", "fünf"], False)
    assert page(before_seq=4, limit=2) == (["zwei", "drei"], True)
    assert page(before_seq=3, limit=2) == (["eins", "zwei"], False)
    assert page(after_seq=1, limit=3) == (["zwei", "drei", "vier"], True)
    assert page(after_seq=2, limit=3) == (["drei", "vier", "fünf"], False)
    assert page(after_seq=5) == ([], False)
    with pytest.raises(PermissionDenied):
        selectors.messages_page(CodeUserFactory(), setup["ticket"])


def test_a_bad_client_id_names_its_field(setup):
    with pytest.raises(InvalidInput) as refused:
        services.message_post(setup["mia"], setup["ticket"], text="Hallo", client_id="x" * 65)
    assert refused.value.errors == {"client_id": ["invalid"]}
