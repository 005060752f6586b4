"""A search on the Aktiv tab (the list's default) ranks its matches from the active tickets'
covering index (migration 0011), not by reading every ticket: a desk's years of finished tickets
do not slow down the ranked page (issue 23). PostgreSQL only: the embedded SQLite searches the
columns themselves.

What this asks is whether the index fits the query the list page sends, with the parameters it
sends: its partial condition, its columns and the included vector answer the query by an
index-only scan, cheaper than any other index. Whether the planner prefers an index to the table
at all depends on the table's size, which on a test desk of 2,000 tickets is a near tie; so the
table scan and bitmap scans are taken off the menu, and the index scans compete. That the planner
picks the index by itself at 100,000 tickets is shown by ``make bench`` (docs/performance.md)."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fleet.roles import Role
from tests.factories import TicketTemplateFactory, UserFactory, historical_status
from tickets.choices import Visibility
from tickets.models import Ticket

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

TICKETS = 2000
# A vocabulary like a desk's (the planner's statistics of the search vector need more than a
# dozen distinct words to estimate a prefix search as it does on real data).
PARTS = ["Lager", "Welle", "Motor", "Riemen", "Sensor", "Filter", "Kupplung", "Getriebe", "Schalter", "Kabel",
         "Spindel", "Düse", "Walze", "Förderband", "Steuerung", "Relais", "Zylinder", "Kolben", "Ventil", "Schlauch"]
FAULTS = ["klemmt", "rattert", "leckt", "überhitzt", "vibriert", "stockt", "quietscht", "fällt aus", "blinkt", "brummt"]


def _description(i: int) -> str:
    words = [f"{PARTS[(i * k) % len(PARTS)]}{k} {FAULTS[(i + k) % len(FAULTS)]}" for k in range(1, 12)]
    return f"Die Pumpe {i} verliert Öl am Flansch. " + ", ".join(words) + f". Nummer {i * 7919 % 100003}."


@pytest.fixture
def desk():
    moderator = UserFactory(role=Role.MODERATOR)
    template = TicketTemplateFactory()
    now = timezone.now()
    Ticket.objects.bulk_create(
        Ticket(
            number=f"2026-{i:06d}", title=f"Pumpe {i}" if i % 3 else f"Ventil {i}", description=_description(i),
            template=template, status=historical_status(i), visibility=Visibility.PUBLIC, created_by=moderator,
            status_changed_at=now,
        )
        for i in range(1, TICKETS + 1)
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE tickets_ticket")
    return moderator


def _ranked_page_query(client) -> str:
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/tickets/", {"q": "Pumpe"})
    assert response.status_code == 200
    assert len(response.context["rows"]) == 25
    ranked = [q["sql"] for q in captured.captured_queries if "ts_rank" in q["sql"] and "ORDER BY" in q["sql"]]
    assert len(ranked) == 1, ranked
    return ranked[0]


@pytest.mark.parametrize("role", [Role.STAFF, Role.MODERATOR])  # a Mitarbeiter's query adds their drafts' rule
def test_the_aktiv_tabs_ranked_page_is_answered_from_the_active_tickets_covering_index(client, desk, role):
    client.force_login(desk if role == Role.MODERATOR else UserFactory(role=role))
    sql = _ranked_page_query(client)
    with transaction.atomic(), connection.cursor() as cursor:
        for scan in ("seqscan", "bitmapscan"):
            cursor.execute(f"SET LOCAL enable_{scan} = off")
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Only Scan using ticket_active_search_idx on tickets_ticket" in plan, plan
