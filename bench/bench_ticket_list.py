"""The staff ticket list at 100,000 tickets on PostgreSQL.

Run with ``python -m bench bench_ticket_list`` (or ``make bench``). Uses ``DATABASE_URL`` when it
points at PostgreSQL on 127.0.0.1, otherwise its own database
``postgres://postgres@127.0.0.1:5432/leitstand_bench`` (created when missing). The bench talks to
127.0.0.1 only. It migrates, bulk-inserts 100,000 tickets with updates and assignments once
(kept for later runs), then renders the list page through Django's test client for a few cases
and reports median/p95 times, the number of queries per page and the EXPLAIN plans of the
queries that matter. The targets below are checked here, never in the test suite.
"""

from __future__ import annotations

import os
import random
import statistics
import time
from contextlib import contextmanager
from datetime import timedelta
from urllib.parse import urlsplit

from bench.loopback import postgres_url

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/leitstand_bench"
TICKETS = 100_000
UPDATES = 120_000
NUMBER_YEAR = 2024  # the bench's tickets are 2024-000001 … 2024-100000
RUNS = 25  # timed runs per case (plus warm-up); keeps the whole bench to a minute or two
TARGET_MEDIAN_MS = 150
TARGET_P95_MS = 300
MAX_QUERIES = 15
SEARCH_TERM = "kalibrier"  # in ~0.2 % of titles and ~0.1 % of update texts

CASES = [
    ("default list (Aktiv, newest change first)", {}),
    ("status tab Offen", {"status": "open"}),
    (f"search q={SEARCH_TERM}", {"q": SEARCH_TERM}),
    ("sort by title", {"sort": "title"}),
]


def _database_url() -> str:
    return postgres_url(os.environ.get("DATABASE_URL") or DEFAULT_URL, bench="bench_ticket_list")


def _ensure_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = psycopg.connect(
        host=parts.hostname, port=parts.port or 5432, user=parts.username or "postgres",
        password=parts.password, dbname="postgres", autocommit=True,
    )
    with admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            print(f"creating database {name}")
            admin.execute(f'CREATE DATABASE "{name}"')


def _setup() -> None:
    url = _database_url()
    _ensure_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.pop("REDIS_URL", None)  # local memory cache, eager tasks: nothing but 127.0.0.1
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client's host, locmem e-mail
    call_command("migrate", verbosity=0, interactive=False)
    import gc

    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - as config/asgi.py does for a server process:
    gc.collect()  # what is loaded at start is moved out of the collector's way
    gc.freeze()


# --- data ------------------------------------------------------------------------------------------

WORDS = (
    "Pumpe Förderband Hydraulik Ventil Motor Getriebe Sensor Steuerung Kompressor Lager Dichtung "
    "Kühlung Schmierung Filter Riemen Kupplung Spindel Antrieb Display Schalter Kabel Druck Leck "
    "Geräusch Vibration Temperatur Ausfall Störung Wartung Austausch Prüfung Halle Linie Presse"
).split()
VERBS = "verliert klemmt steht brummt blinkt überhitzt tropft ruckelt fehlt meldet".split()


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS if i % 3 else VERBS) for i in range(words)).capitalize() + "."


@contextmanager
def _own_timestamps(*models):
    """Let bulk_create keep the given created_at/updated_at (auto_now would set them to now)."""
    fields = [f for m in models for f in m._meta.concrete_fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def _seed(rng: random.Random) -> None:
    from django.contrib.auth.models import Group
    from django.db import connection, transaction
    from django.utils import timezone

    from fleet.models import Assignment, User
    from fleet.roles import Role
    from tickets.choices import Status, UpdateKind, Visibility
    from tickets.models import AccessCode, Ticket, TicketNumberSequence, TicketTemplate, TicketUpdate

    prefix = f"{NUMBER_YEAR}-"
    if Ticket.objects.filter(number__startswith=prefix).count() >= TICKETS:
        return
    started = time.perf_counter()
    print(f"seeding {TICKETS:,} tickets (once; kept in the bench database) …", flush=True)
    with transaction.atomic():
        Ticket.objects.filter(number__startswith=prefix).delete()
        staff_group = Group.objects.get(name=Role.STAFF.value)
        users = []
        for i in range(40):
            user, _created = User.objects.get_or_create(
                username=f"bench-staff-{i}", defaults={"first_name": f"Vorname{i}", "last_name": f"Nachname{i}"}
            )
            user.groups.add(staff_group)
            users.append(user)
        templates = [
            TicketTemplate.objects.get_or_create(name=f"Bench-Vorlage {i}")[0] for i in range(8)
        ]
        codes = []
        for i in range(60):
            code = AccessCode.objects.filter(label=f"Bench-Maschine {i}").first()
            codes.append(code or AccessCode.objects.create(label=f"Bench-Maschine {i}", template=templates[i % 8]))

        # Most tickets are finished, as in a desk that has run for two years.
        weights = {
            Status.DRAFT: 1, Status.OPEN: 6, Status.ASSIGNED: 5, Status.IN_PROGRESS: 8, Status.DONE: 5,
            Status.CLOSED: 70, Status.CANCELLED: 5,
        }
        statuses = rng.choices(list(weights), weights=list(weights.values()), k=TICKETS)
        now = timezone.now()
        tickets = []
        for i, status in enumerate(statuses, start=1):
            created = now - timedelta(days=730 * rng.random())
            updated = created + (now - created) * rng.random()
            title = f"{rng.choice(WORDS)} {rng.choice(VERBS)} ({rng.choice(WORDS)} {rng.randint(1, 40)})"
            if i % 500 == 0:
                title = f"Kalibrierfehler an {rng.choice(WORDS)}"
            code = rng.choice(codes) if rng.random() < 0.6 else None
            tickets.append(
                Ticket(
                    number=f"{prefix}{i:06d}",
                    title=title,
                    description=" ".join(_sentence(rng, 9) for _ in range(rng.randint(1, 4))),
                    template=code.template if code else rng.choice(templates),
                    access_code=code,
                    status=status,
                    visibility=Visibility.PUBLIC if code and rng.random() < 0.7 else Visibility.INTERNAL,
                    completed_steps=["general", "fields", "access"],
                    created_by=rng.choice(users),
                    created_at=created,
                    updated_at=updated,
                    status_changed_at=updated,
                )
            )
        with _own_timestamps(Ticket, TicketUpdate):
            Ticket.objects.bulk_create(tickets, batch_size=5000)
        TicketNumberSequence.objects.update_or_create(year=NUMBER_YEAR, defaults={"last": TICKETS})
        ids = list(Ticket.objects.filter(number__startswith=prefix).values_list("id", "status", "created_at", "updated_at"))

        updates = []
        for n in range(UPDATES):
            ticket_id, _status, created, updated = rng.choice(ids)
            text = _sentence(rng, rng.randint(6, 30))
            if n % 1000 == 0:
                text += " Kalibrierung der Sensorik nachgeholt."
            updates.append(
                TicketUpdate(
                    ticket_id=ticket_id,
                    kind=UpdateKind.PUBLIC if rng.random() < 0.6 else UpdateKind.INTERNAL,
                    author=rng.choice(users),
                    text=text,
                    created_at=created + (updated - created) * rng.random(),
                )
            )
        with _own_timestamps(Ticket, TicketUpdate):
            TicketUpdate.objects.bulk_create(updates, batch_size=5000)

        worked = {Status.ASSIGNED, Status.IN_PROGRESS, Status.DONE, Status.CLOSED}
        assignments = []
        for ticket_id, status, _created, _updated in ids:
            if status in worked:
                for user in rng.sample(users, rng.choice([1, 1, 1, 2])):
                    assignments.append(Assignment(ticket_id=ticket_id, user=user))
        Assignment.objects.bulk_create(assignments, batch_size=5000)

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE tickets_ticket")
        cursor.execute("VACUUM ANALYZE tickets_ticketupdate")
        cursor.execute("VACUUM ANALYZE fleet_assignment")
    print(
        f"seeded {len(tickets):,} tickets, {len(updates):,} updates, {len(assignments):,} assignments "
        f"in {time.perf_counter() - started:.1f} s",
        flush=True,
    )


# --- measuring -------------------------------------------------------------------------------------


def _p95(values):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _explain(sql: str) -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, SUMMARY ON) " + sql)
        return [row[0] for row in cursor.fetchall()]


def _interesting(captured) -> list[tuple[str, str]]:
    """The page's own queries: the tab counts and the rows (not session, user, options)."""
    found = []
    for query in captured:
        sql = query["sql"]
        if 'FROM "tickets_ticket"' not in sql:
            continue
        kind = "tab counts" if "COUNT(" in sql else "rows"
        found.append((kind, sql))
    return found


def _index_names(plan: list[str]) -> list[str]:
    names = []
    for line in plan:
        for marker in (" using ", " on "):
            if ("Index" in line or "Bitmap Index" in line) and marker in line:
                name = line.split(marker, 1)[1].split()[0]
                if name not in names and ("idx" in name or "pkey" in name or "key" in name):
                    names.append(name)
    return names


def main() -> None:
    _setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from fleet.models import User

    rng = random.Random(20241)
    _seed(rng)

    user = User.objects.get(username="bench-staff-0")  # a Mitarbeiter: sees all but others' drafts
    client = Client()
    client.force_login(user)

    print(f"\nticket list on PostgreSQL, {RUNS} runs per case, as Mitarbeiter {user.username}")
    print(f"{'case':45} {'median ms':>10} {'p95 ms':>8} {'queries':>8} {'SQL ms':>7}  rows")
    results = []
    for label, params in CASES:
        for _ in range(3):  # warm up caches and the connection
            assert client.get("/tickets/", params).status_code == 200
        timings = []
        for _ in range(RUNS):
            started = time.perf_counter()
            response = client.get("/tickets/", params)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/tickets/", params)
        median, p95 = statistics.median(timings), _p95(timings)
        queries = len(captured.captured_queries)
        sql_ms = 1000 * sum(float(q["time"]) for q in captured.captured_queries)
        rows = f"{len(response.context['rows'])} of {response.context['paginator'].count:,}"
        print(f"{label:45} {median:10.1f} {p95:8.1f} {queries:8d} {sql_ms:7.1f}  {rows}", flush=True)
        results.append((label, params, median, p95, queries, _interesting(captured.captured_queries)))

    print("\nEXPLAIN (ANALYZE) of the page's ticket queries")
    for label, _params, _median, _p95v, _queries, interesting in results:
        for kind, sql in interesting:
            plan = _explain(sql)
            indexes = _index_names(plan)
            seq = [line.strip() for line in plan if "Seq Scan" in line]
            print(f"\n--- {label}: {kind} — indexes used: {', '.join(indexes) or 'none'}"
                  f"{'; seq scans: ' + '; '.join(seq) if seq else ''}")
            for line in plan:
                print("   ", line)

    failed = [
        f"{label}: median {median:.0f} ms (target {TARGET_MEDIAN_MS}), p95 {p95:.0f} ms (target {TARGET_P95_MS}), "
        f"{queries} queries (max {MAX_QUERIES})"
        for label, _params, median, p95, queries, _ in results
        if median > TARGET_MEDIAN_MS or p95 > TARGET_P95_MS or queries > MAX_QUERIES
    ]
    print()
    if failed:
        print("TARGETS MISSED:\n  " + "\n  ".join(failed))
    else:
        print(f"all cases within targets (median ≤ {TARGET_MEDIAN_MS} ms, p95 ≤ {TARGET_P95_MS} ms, "
              f"≤ {MAX_QUERIES} queries per page)")
