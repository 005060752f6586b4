"""The REST API's ticket list and detail at 100,000 tickets on PostgreSQL.

Run with ``python -m bench bench_api`` (or ``make bench``). Shares the ticket list bench's
database and data (``bench.bench_ticket_list``: 100,000 tickets with updates and assignments,
seeded once and kept) and talks to 127.0.0.1 only. Requests go through Django's test client with
a personal API token (made for the run, deleted afterwards), as an external system sends them.
Reports median/p95 per case and the queries per request, and checks that the number of queries
does not grow with the page size or from page to page (cursor pages). Targets are checked here,
never in the test suite.
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import timedelta

from bench.bench_ticket_list import SEARCH_TERM, _p95, _seed, _setup

RUNS = 25
TARGET_MEDIAN_MS = 150
TARGET_P95_MS = 300
MAX_QUERIES = 12

LIST_CASES = [
    ("list, default order (newest first)", {}),
    ("list, status=open", {"status": "open"}),
    ("list, status=in_progress&status=assigned", {"status": ["in_progress", "assigned"]}),
    (f"list, search={SEARCH_TERM}", {"search": SEARCH_TERM}),
    ("list, ordering=-updated_at", {"ordering": "-updated_at"}),
    ("list, ordering=title", {"ordering": "title"}),
    ("list, changed_since=7 days ago", "changed_since"),
    ("list, page_size=200", {"page_size": 200}),
]


def _time(client, url, params, headers) -> tuple[list[float], object]:
    for _ in range(3):
        response = client.get(url, params, **headers)
        assert response.status_code == 200, response.content[:300]
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        response = client.get(url, params, **headers)
        timings.append((time.perf_counter() - started) * 1000)
    return timings, response


def _queries(client, url, params, headers) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params, **headers).status_code == 200
    return len(captured.captured_queries)


def main() -> None:
    _setup()
    from django.test import Client
    from django.utils import timezone

    from api import services as api_services
    from api.models import ApiToken, TokenScope
    from fleet.models import User
    from tickets.models import Ticket

    _seed(random.Random(20241))
    user = User.objects.get(username="bench-staff-0")  # a Mitarbeiter: sees all but others' drafts
    ApiToken.objects.filter(user=user, name="bench").delete()
    token, raw = api_services.token_create(user, name="bench", scope=TokenScope.READ, expires_at=timezone.now() + timedelta(days=1))
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}", "HTTP_ACCEPT_LANGUAGE": "en"}
    client = Client()
    from django.conf import settings

    settings.API_THROTTLE_RATES = {"token": "1000000/minute", "user": "1000000/minute"}  # measure, not limit
    results = []
    try:
        print(f"\nREST API on PostgreSQL ({Ticket.objects.count():,} tickets), {RUNS} runs per case, as Mitarbeiter {user.username}")
        print(f"{'case':48} {'median ms':>10} {'p95 ms':>8} {'queries':>8}  rows")
        for label, params in LIST_CASES:
            if params == "changed_since":
                params = {"changed_since": (timezone.now() - timedelta(days=7)).isoformat()}
            timings, response = _time(client, "/api/v1/tickets/", params, headers)
            queries = _queries(client, "/api/v1/tickets/", params, headers)
            rows = len(response.json()["results"])
            results.append((label, statistics.median(timings), _p95(timings), queries))
            print(f"{label:48} {results[-1][1]:10.1f} {results[-1][2]:8.1f} {queries:8d}  {rows}", flush=True)

        # The third cursor page costs what the first costs.
        first = client.get("/api/v1/tickets/", {"page_size": 50}, **headers).json()
        second = client.get(first["next"], **headers).json()
        third_url = second["next"]
        timings, _response = _time(client, third_url, {}, headers)
        queries = _queries(client, third_url, {}, headers)
        results.append(("list, third cursor page", statistics.median(timings), _p95(timings), queries))
        print(f"{'list, third cursor page':48} {results[-1][1]:10.1f} {results[-1][2]:8.1f} {queries:8d}", flush=True)

        busy = Ticket.objects.filter(number__startswith="2024-", assignments__isnull=False).order_by("-updated_at").first()
        detail_cases = [
            ("detail", f"/api/v1/tickets/{busy.number}/"),
            ("transitions", f"/api/v1/tickets/{busy.number}/transitions/"),
            ("updates", f"/api/v1/tickets/{busy.number}/updates/"),
            ("history", f"/api/v1/tickets/{busy.number}/history/"),
        ]
        for label, url in detail_cases:
            timings, _response = _time(client, url, {}, headers)
            queries = _queries(client, url, {}, headers)
            results.append((label, statistics.median(timings), _p95(timings), queries))
            print(f"{label:48} {results[-1][1]:10.1f} {results[-1][2]:8.1f} {queries:8d}", flush=True)

        small = _queries(client, "/api/v1/tickets/", {"page_size": 5}, headers)
        large = _queries(client, "/api/v1/tickets/", {"page_size": 200}, headers)
        print(f"\nqueries per list request: page_size=5 → {small}, page_size=200 → {large}")
    finally:
        ApiToken.objects.filter(pk=token.pk).delete()

    failed = [
        f"{label}: median {median:.0f} ms (target {TARGET_MEDIAN_MS}), p95 {p95:.0f} ms (target {TARGET_P95_MS}), "
        f"{queries} queries (max {MAX_QUERIES})"
        for label, median, p95, queries in results
        if median > TARGET_MEDIAN_MS or p95 > TARGET_P95_MS or queries > MAX_QUERIES
    ]
    if small != large:
        failed.append(f"queries grow with the page size: {small} → {large}")
    print()
    if failed:
        print("TARGETS MISSED:\n  " + "\n  ".join(failed))
    else:
        print(f"all cases within targets (median ≤ {TARGET_MEDIAN_MS} ms, p95 ≤ {TARGET_P95_MS} ms, "
              f"≤ {MAX_QUERIES} queries, constant in the page size)")
