"""Every staff page runs the side menu's badges (``fleet.context_processors.staff``): they must be
read by index, never by scanning tickets, messages, assignments or read cursors (issue 23, item 1).

The test fills a desk with a history (2,000 tickets with a description, most of them closed, with
assignments, messages and read cursors: enough pages that reading by index is the planner's real
choice, not a tie on a table of three pages), lets the database gather statistics, and then asks the database
itself how it would run each query of the badges and of the start page's "my tickets" count:
PostgreSQL's ``EXPLAIN`` must show no sequential scan, SQLite's ``EXPLAIN QUERY PLAN`` no full
scan. Independently of the planner, the captured SQL must name the tickets it reads by key."""

import re

import pytest
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone

from fleet.context_processors import staff as staff_context
from fleet.models import Assignment
from messenger import services as messenger_services
from messenger.models import Conversation, Message, ReadCursor
from tests.factories import TicketTemplateFactory, UserFactory, historical_status
from tickets import selectors as ticket_selectors
from tickets.choices import FINAL_STATES, Status, Visibility
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

GROWING_TABLES = ("tickets_ticket", "messenger_message", "fleet_assignment", "messenger_readcursor")
TICKETS = 2000
DESCRIPTION = "Die Pumpe verliert Öl am Flansch, bitte Dichtung prüfen und tauschen. " * 6


@pytest.fixture
def desk():
    """Ten staff members sharing 2,000 tickets: each holds about 370 assignments, 60 of them active."""
    staff = [UserFactory() for _ in range(10)]
    template = TicketTemplateFactory()
    now = timezone.now()
    tickets = Ticket.objects.bulk_create(
        Ticket(
            number=f"2026-{i:06d}", title=f"Ticket {i}", description=DESCRIPTION, template=template,
            status=historical_status(i), visibility=Visibility.PUBLIC, created_by=staff[0], status_changed_at=now,
        )
        for i in range(1, TICKETS + 1)
    )
    assignments, messages, cursors = [], [], []
    for i, ticket in enumerate(tickets):
        if ticket.status == Status.OPEN:
            continue
        holders = {staff[i % 10], staff[(i * 3 + 1) % 10]}
        assignments += [
            Assignment(ticket=ticket, user=user, ticket_finished=ticket.status in FINAL_STATES) for user in holders
        ]
        for seq in range(1, 4):
            messages.append(Message(ticket=ticket, text=f"Nachricht {seq}", seq=seq, author=staff[(i + seq) % 10]))
    Assignment.objects.bulk_create(assignments)
    Message.objects.bulk_create(messages)
    Conversation.objects.bulk_create(Conversation(ticket=t, last_seq=3) for t in tickets if t.status != Status.OPEN)
    first_message = dict(Message.objects.filter(seq=1).values_list("ticket_id", "id"))
    for n, assignment in enumerate(assignments):
        if n % 3:  # two in three have opened their ticket's conversation and read its first message
            cursors.append(ReadCursor(ticket=assignment.ticket, user=assignment.user, last_read_id=first_message[assignment.ticket.pk]))
    ReadCursor.objects.bulk_create(cursors)
    # Stored behind the services' back: every assignee's cursor and its unread count, as they keep them.
    messenger_services.unread_recount(track=[(a.ticket_id, a.user_id) for a in assignments])
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in GROWING_TABLES:
                cursor.execute(f"ANALYZE {table}")
        else:
            cursor.execute("ANALYZE")
    return staff


def _captured(run) -> list[tuple[str, tuple]]:
    """The statements ``run`` sends, with their parameters (to EXPLAIN them exactly as sent)."""
    statements = []

    def record(execute, sql, params, many, context):
        statements.append((sql, tuple(params or ())))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        run()
    return statements


def _plan(sql: str, params: tuple) -> list[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("EXPLAIN " + sql, params)
            return [row[0] for row in cursor.fetchall()]
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return [row[-1] for row in cursor.fetchall()]


def _full_scans(sql: str, plan: list[str]) -> list[str]:
    """The plan's lines that read one of the growing tables whole (the small fixed tables of
    permissions and groups may be read whole: they do not grow with the desk's history)."""
    tables = "|".join(GROWING_TABLES)
    if connection.vendor == "postgresql":
        return [line for line in plan if re.search(rf"Seq Scan on ({tables})\b", line)]
    # SQLite names a table or its alias: "SCAN x" reads all of it (or all of an index), "SEARCH x" by key.
    names = set(GROWING_TABLES) | set(re.findall(rf'"(?:{tables})" ([A-Z]\d+)\b', sql))
    return [line for line in plan if (match := re.match(r"\s*SCAN (\w+)", line)) and match.group(1) in names]


def _badges_and_my_count(user):
    request = RequestFactory().get("/")
    request.user = user
    return staff_context(request)["badges"], ticket_selectors.my_active_count(user)


def test_the_badges_read_tickets_only_by_key_and_nothing_by_full_scan(desk):
    mia = desk[3]
    statements = _captured(lambda: _badges_and_my_count(mia))
    assert statements
    ticket_queries = [(sql, params) for sql, params in statements if re.search(r'FROM "tickets_ticket"', sql)]
    assert len(ticket_queries) == 2  # the unread sum and the active count
    for sql, params in ticket_queries:
        # The tickets are named by their keys (the user's active assignments), never filtered out of all.
        assert re.search(r'"tickets_ticket"\."id" IN \(%s', sql), sql
    for sql, params in statements:
        plan = _plan(sql, params)
        assert _full_scans(sql, plan) == [], "\n".join([sql, *plan])


def test_the_badges_count_what_they_counted_before(desk):
    """The fixture's numbers, worked out by hand: the badge is the unread of active assignments."""
    mia = desk[3]
    badges, active = _badges_and_my_count(mia)
    expected_active = Ticket.objects.filter(assignments__user=mia).exclude(status__in=FINAL_STATES).count()
    assert active == expected_active > 0
    unread = 0
    for ticket in Ticket.objects.filter(assignments__user=mia).exclude(status__in=FINAL_STATES):
        cursor = ReadCursor.objects.filter(ticket=ticket, user=mia).first()
        unread += (
            Message.objects.filter(ticket=ticket, id__gt=cursor.last_read_id if cursor else 0)
            .exclude(author=mia).count()
        )
    assert badges["unread_messages"] == unread > 0
