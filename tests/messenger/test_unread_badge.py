"""The side menu's unread badge and the list's unread counts, read by index (issue 23, item 1):
exactly the messages after the staff member's read cursor that others wrote, on the unfinished
tickets they are assigned to."""

import pytest
from django.test import RequestFactory

from fleet import services as fleet_services
from fleet.context_processors import staff as staff_context
from fleet.models import Assignment
from fleet.roles import Role
from messenger import selectors, services
from messenger.models import Message, ReadCursor
from tests.factories import AccessCodeFactory, CodeUserFactory, UserFactory, make_ticket
from tickets import selectors as ticket_selectors
from tickets import services as ticket_services
from tickets.choices import FINAL_STATES, Status
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk():
    code = AccessCodeFactory()
    mia, jonas = UserFactory(), UserFactory()
    return {
        "code": code,
        "mia": mia,
        "jonas": jonas,
        "admin": UserFactory(role=Role.ADMINISTRATOR),
        "moderator": UserFactory(role=Role.MODERATOR),
        "code_user": CodeUserFactory(access_code=code),
        "ticket": make_ticket(Status.IN_PROGRESS, access_code=code, assignees=[mia, jonas]),
    }


def badge(user) -> int:
    """What the side menu shows: the context processor every staff page runs."""
    request = RequestFactory().get("/")
    request.user = user
    return staff_context(request)["badges"]["unread_messages"]


def unread_by_definition(user) -> int:
    """The rule spelled out row by row, the way the badge was computed before it read indexes."""
    total = 0
    for assignment in Assignment.objects.filter(user=user).select_related("ticket"):
        ticket = assignment.ticket
        if ticket.status in FINAL_STATES:
            continue
        cursor = ReadCursor.objects.filter(ticket=ticket, user=user).first()
        after = cursor.last_read_id if cursor else 0
        total += sum(1 for m in Message.objects.filter(ticket=ticket, id__gt=after) if m.author_id != user.pk)
    return total


def test_own_messages_never_count(desk):
    services.message_post(desk["mia"], desk["ticket"], text="Ich schaue es mir an.")
    services.message_post(desk["jonas"], desk["ticket"], text="Ich komme mit.")
    assert badge(desk["mia"]) == 1
    assert badge(desk["jonas"]) == 1
    assert selectors.unread_counts(desk["mia"], [desk["ticket"]]) == {desk["ticket"].pk: 1}


def test_code_users_and_system_messages_count(desk):
    services.message_post(desk["code_user"], desk["ticket"], text="Die Pumpe tropft wieder.")
    services.system_message_post(
        desk["ticket"], text="Status", data={"event": "status", "from": Status.ASSIGNED, "to": Status.IN_PROGRESS}
    )
    assert badge(desk["mia"]) == 2


def test_reading_resets_the_badge_and_new_messages_count_again(desk):
    first, _ = services.message_post(desk["code_user"], desk["ticket"], text="Eins")
    second, _ = services.message_post(desk["code_user"], desk["ticket"], text="Zwei")
    assert badge(desk["mia"]) == 2
    services.mark_read(desk["mia"], desk["ticket"], first.pk)
    assert badge(desk["mia"]) == 1
    services.mark_read(desk["mia"], desk["ticket"], second.pk)
    assert badge(desk["mia"]) == 0
    assert selectors.unread_counts(desk["mia"], [desk["ticket"]]) == {}
    assert badge(desk["jonas"]) == 2  # each person has their own cursor
    services.message_post(desk["code_user"], desk["ticket"], text="Drei")
    assert badge(desk["mia"]) == 1


@pytest.mark.parametrize("final", FINAL_STATES)
def test_finished_tickets_do_not_count_and_a_reopened_one_counts_again(desk, final):
    services.message_post(desk["code_user"], desk["ticket"], text="Noch offen?")
    other = make_ticket(Status.IN_PROGRESS, access_code=desk["code"], assignees=[desk["mia"]])
    services.message_post(desk["code_user"], other, text="Anderes Ticket")
    assert badge(desk["mia"]) == 2
    if final == Status.CLOSED:
        ticket = ticket_services.ticket_close(desk["mia"], ticket_services.ticket_finish(desk["mia"], desk["ticket"]))
    else:
        ticket = ticket_services.ticket_cancel(desk["mia"], desk["ticket"])
    assert badge(desk["mia"]) == 1
    assert ticket_selectors.my_active_count(desk["mia"]) == 1
    assert Assignment.objects.get(ticket=ticket, user=desk["mia"]).ticket_finished is True
    if final == Status.CLOSED:
        ticket_services.ticket_reopen(desk["admin"], ticket, reason="Doch nicht erledigt.")
        assert badge(desk["mia"]) == 2
        assert ticket_selectors.my_active_count(desk["mia"]) == 2
        assert Assignment.objects.get(ticket=ticket, user=desk["mia"]).ticket_finished is False


def test_fertig_still_counts(desk):
    services.message_post(desk["code_user"], desk["ticket"], text="Danke!")
    ticket_services.ticket_finish(desk["mia"], desk["ticket"])
    assert badge(desk["mia"]) == 1


def test_unassigning_takes_the_tickets_unread_off_the_badge(desk):
    services.message_post(desk["code_user"], desk["ticket"], text="Hallo?")
    fleet_services.assignee_remove(desk["moderator"], desk["ticket"], desk["jonas"])
    assert badge(desk["jonas"]) == 0
    assert badge(desk["mia"]) == 1


def test_forwarding_moves_the_unread_to_the_new_assignee(desk):
    services.message_post(desk["code_user"], desk["ticket"], text="Hallo?")
    lena = UserFactory()
    assert badge(lena) == 0
    fleet_services.assignee_forward(desk["mia"], desk["ticket"], lena)
    assert badge(desk["mia"]) == 0
    assert badge(lena) == 1


def test_moderators_see_no_unread_of_tickets_they_are_not_assigned_to(desk):
    services.message_post(desk["code_user"], desk["ticket"], text="Hallo?")
    assert badge(desk["moderator"]) == 0
    assert badge(desk["admin"]) == 0


def test_the_badge_matches_the_rule_spelled_out(desk):
    """A mixed desk: several tickets in every state, cursors here and there, own and others'
    messages; the indexed count equals the rule computed row by row, for everyone."""
    mia, jonas, code_user = desk["mia"], desk["jonas"], desk["code_user"]
    tickets = [desk["ticket"]] + [
        make_ticket(status, access_code=desk["code"], assignees=[mia] if i % 2 else [mia, jonas])
        for i, status in enumerate([Status.ASSIGNED, Status.IN_PROGRESS, Status.DONE, Status.IN_PROGRESS])
    ]
    for i, ticket in enumerate(tickets):
        for n in range(i + 1):
            services.message_post(code_user, ticket, text=f"Frage {n}")
            services.message_post(mia if n % 2 else jonas, ticket, text=f"Antwort {n}")
    services.mark_read(mia, tickets[1], Message.objects.filter(ticket=tickets[1]).order_by("id")[1].pk)
    services.mark_read(jonas, tickets[2], Message.objects.filter(ticket=tickets[2]).order_by("-id")[0].pk)
    ticket_services.ticket_cancel(mia, Ticket.objects.get(pk=tickets[4].pk))
    for user in (mia, jonas, desk["moderator"]):
        assert badge(user) == unread_by_definition(user)
    assert badge(mia) > 0 and badge(jonas) > 0
    per_ticket = selectors.unread_counts(mia, tickets)
    assert sum(per_ticket[t.pk] for t in tickets[:4] if t.pk in per_ticket) == badge(mia)


def test_an_assignment_row_left_unmarked_still_does_not_count_a_finished_ticket(desk):
    """``ticket_finished`` only keeps the index small: a row a bulk load left at its default is
    read, and the ticket's own status still decides."""
    services.message_post(desk["code_user"], desk["ticket"], text="Noch offen?")
    ticket = ticket_services.ticket_cancel(desk["mia"], desk["ticket"])
    Assignment.objects.filter(ticket=ticket).update(ticket_finished=False)
    assert badge(desk["mia"]) == 0
    assert ticket_selectors.my_active_count(desk["mia"]) == 0


def test_the_newly_assigned_see_what_was_said_before_them_as_unread(desk):
    services.message_post(desk["code_user"], desk["ticket"], text="Ist jemand da?")
    services.message_post(desk["mia"], desk["ticket"], text="Ja, ich.")
    lena = UserFactory()
    assert badge(lena) == 0
    fleet_services.assignee_add(desk["moderator"], desk["ticket"], lena)
    assert badge(lena) == 2 == unread_by_definition(lena)
    # Forwarded to someone: the same for them.
    noah = UserFactory()
    fleet_services.assignee_forward(desk["jonas"], desk["ticket"], noah, reason="Urlaub")
    assert badge(noah) == 2 == unread_by_definition(noah)
    assert badge(desk["jonas"]) == 0


def test_a_moderator_who_reads_without_being_assigned_gets_no_badge_but_list_counts(desk):
    first, _ = services.message_post(desk["code_user"], desk["ticket"], text="Eins")
    services.message_post(desk["code_user"], desk["ticket"], text="Zwei")
    assert selectors.unread_counts(desk["moderator"], [desk["ticket"]]) == {desk["ticket"].pk: 2}  # no cursor yet
    services.mark_read(desk["moderator"], desk["ticket"], first.pk)
    assert selectors.unread_counts(desk["moderator"], [desk["ticket"]]) == {desk["ticket"].pk: 1}  # the cursor's count
    services.message_post(desk["mia"], desk["ticket"], text="Drei")
    assert selectors.unread_counts(desk["moderator"], [desk["ticket"]]) == {desk["ticket"].pk: 2}
    assert badge(desk["moderator"]) == 0


def _together(works, rounds: int) -> None:
    """Each work on a thread (and database connection) of its own, all started at once, each
    called with 0 … rounds-1; bounded in time; no work may fail."""
    import threading

    from django.db import connection

    barrier = threading.Barrier(len(works))
    failures = []

    def run(work):
        try:
            barrier.wait(timeout=30)
            for n in range(rounds):
                work(n)
        except Exception as error:  # noqa: BLE001 - reported below
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(work,)) for work in works]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a worker hung"
    assert failures == []


def _write_as(author, ticket):
    return lambda n: services.message_post(author, Ticket.objects.get(pk=ticket.pk), text=f"Nachricht {n}")


@pytest.mark.django_db(transaction=True)
def test_messages_stored_while_cursors_move_or_are_made_are_counted_exactly_once():
    """Customers and a colleague write from their own connections while, on others, Mia reads
    again and again and colleagues open the conversation for the first time (their cursor is made),
    all at once: afterwards every count is exactly what others wrote after that cursor."""
    code = AccessCodeFactory()
    mia, jonas = UserFactory(), UserFactory()
    ticket = make_ticket(Status.IN_PROGRESS, access_code=code, assignees=[mia, jonas])
    customers = [CodeUserFactory(access_code=code) for _ in range(2)]
    rounds = 15
    newcomers = [UserFactory(role=Role.MODERATOR) for _ in range(rounds)]

    def read_as(reader):
        def read(n):
            newest = Message.objects.filter(ticket_id=ticket.pk).order_by("-id").values_list("id", flat=True).first()
            services.mark_read(reader(n), Ticket.objects.get(pk=ticket.pk), newest - (n % 2))
        return read

    _together([_write_as(customers[0], ticket), _write_as(customers[1], ticket), _write_as(jonas, ticket),
               read_as(lambda n: mia), read_as(lambda n: newcomers[n])], rounds)
    assert Message.objects.filter(ticket=ticket, kind="text").count() == 3 * rounds
    cursors = ReadCursor.objects.filter(ticket=ticket, user__isnull=False)
    assert cursors.count() == 2 + rounds
    for cursor in cursors:
        after = Message.objects.filter(ticket=ticket, id__gt=cursor.last_read_id).exclude(author=cursor.user_id)
        assert cursor.unread == after.count(), cursor.user_id
    # Jonas read nothing: the system notices and both customers' messages, none of his own.
    notices = Message.objects.filter(ticket=ticket, kind="system").count()
    assert badge(jonas) == notices + 2 * rounds


@pytest.mark.django_db(transaction=True)
def test_messages_stored_while_staff_are_assigned_are_counted_exactly_once():
    """Customers write from their own connections while a moderator assigns one colleague after
    another (each assignment holds the ticket's lock): no deadlock, no error, and every new
    assignee's count is exactly what others wrote (counted again once the assignment committed)."""
    code = AccessCodeFactory()
    moderator = UserFactory(role=Role.MODERATOR)
    ticket = make_ticket(Status.IN_PROGRESS, access_code=code, assignees=[UserFactory()])
    customers = [CodeUserFactory(access_code=code) for _ in range(2)]
    rounds = 12
    newcomers = [UserFactory() for _ in range(rounds)]

    def assign(n):
        fleet_services.assignee_add(moderator, ticket.pk, newcomers[n])

    _together([_write_as(customers[0], ticket), _write_as(customers[1], ticket), assign], rounds)
    everything = Message.objects.filter(ticket=ticket).count()
    assert Message.objects.filter(ticket=ticket, kind="text").count() == 2 * rounds
    for user in newcomers:
        assert badge(user) == everything == unread_by_definition(user), user
