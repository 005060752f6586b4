"""The staff pages and the API at 1,000 and at 100,000 tickets, through a real server (issue 23).

Run with ``python -m bench bench_pages [--sizes 1k,100k] [--runs 30]`` (or ``make bench``).
``docs/performance.md`` ("Pages at 100,000 tickets") explains the method and holds the results.
Talks to 127.0.0.1 only: PostgreSQL on 5432 (the databases of ``bench.pages_data``, generated
once and kept, migrated on every run) and Redis on 6379 database 10 (cache and broker, a key prefix
of its own per run; only this run's keys are deleted afterwards).

Per size:

1. *Prepare* (a subprocess with Django against the size's database): migrate, generate the data if
   the generator's version changed, sign the bench's Mitarbeiter in (a session row, as the tests'
   ``session_cookie_for_staff`` makes it) and give them a personal API token
   (``api.services.token_create``); then render every page once through Django's test client with
   ``CaptureQueriesContext`` (after a warm-up request, with the server's settings): the queries
   per request, the ``EXPLAIN`` of each (a ``Seq Scan`` on tickets, updates or messages is
   flagged) and the ``EXPLAIN (ANALYZE, BUFFERS)`` of every query over 5 ms.
2. *Time* (this process, no Django): one daphne process with ``config.asgi:application``,
   ``DEBUG=false``, ``LEITSTAND_PRODUCTION=true`` (behind a TLS proxy: ``X-Forwarded-Proto: https``),
   Redis cache; an HTTP/1.1 keep-alive client sends every page in turn, ``WARMUP`` rounds untimed,
   then ``--runs`` timed rounds (interleaved, so that a disturbance of the shared machine spreads
   over all pages); median and p95 of the full response time.

The targets of the issue are checked here and printed, never asserted in the test suite: every
page's p95 at 100k within 1.5× of its 1k value; no sequential scan over tickets, updates or
messages at 100k; list and detail pages' p95 under 50 ms, search under 100 ms. The report is
written to ``var/bench-pages-<timestamp>.md`` (with the plans), ``.json`` and ``.png`` (p95 against
the data size); a run of both sizes also updates ``docs/performance-pages.png``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

from bench import pages_data
from bench.loopback import postgres_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
PLOT_PATH = BASE_DIR / "docs" / "performance-pages.png"
REDIS_URL = "redis://127.0.0.1:6379/10"
RUNS = 30
WARMUP = 3
SLOW_QUERY_MS = 5.0
SCAN_TABLES = ("tickets_ticket", "tickets_ticketupdate", "messenger_message")
TARGET_GROWTH = 1.5
TARGET_P95_MS = {"list": 50.0, "detail": 50.0, "search": 100.0}
SERVER_START_TIMEOUT = 60.0
PREPARE_TIMEOUT = 900.0


def _pages(ticket: str) -> list[dict]:
    """Every page the bench times: name, address, kind (for the targets), and whether it is the API."""
    from tickets.filters import STATUS_TABS  # only where Django is set up

    pages = [{"name": "list (Aktiv)", "path": "/tickets/", "kind": "list"}]
    pages += [{"name": f"tab {status.value}", "path": f"/tickets/?status={status.value}", "kind": "list"}
              for status in STATUS_TABS]
    pages += [
        {"name": "tab all", "path": "/tickets/?status=all", "kind": "list"},
        {"name": f"search common ({pages_data.COMMON_WORD})", "path": f"/tickets/?q={pages_data.COMMON_WORD}", "kind": "search"},
        {"name": f"search rare ({pages_data.RARE_WORD})", "path": f"/tickets/?q={pages_data.RARE_WORD}", "kind": "search"},
        {"name": "detail", "path": f"/tickets/{ticket}/", "kind": "detail"},
    ]
    pages += [{"name": f"detail tab {tab}", "path": f"/tickets/{ticket}/{tab}/", "kind": "detail"}
              for tab in ("updates", "internal", "fleet", "video", "history")]
    pages += [
        {"name": "archive", "path": "/tickets/archive/", "kind": "list"},
        {"name": "API list", "path": "/api/v1/tickets/", "kind": "list", "api": True},
        {"name": "API detail", "path": f"/api/v1/tickets/{ticket}/", "kind": "detail", "api": True},
    ]
    return pages


# --- the environment both the prepare step and the server get -------------------------------------


def _env(size: str, run_id: str, secret_key: str) -> dict:
    prefix = f"benchpages-{run_id}"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "REDIS_URL")}
    env.update({
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": postgres_url(pages_data.database_url(size), bench="bench_pages"),
        "REDIS_URL": REDIS_URL, "CACHE_KEY_PREFIX": prefix, "CHANNEL_LAYER_PREFIX": prefix,
        "DEBUG": "false", "LEITSTAND_PRODUCTION": "true", "SECRET_KEY": secret_key,
        "ALLOWED_HOSTS": "127.0.0.1,testserver", "LEITSTAND_VAR_DIR": str(VAR_DIR / "bench-pages-var"),
        "API_RATE_PER_TOKEN": "1000000/minute", "API_RATE_PER_USER": "1000000/minute",  # measure, not limit
        "LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1",
    })
    return env


# --- 1. prepare (runs in a subprocess: python -m bench.bench_pages --prepare <size> <out.json>) ------


def _explain(sql: str, *, analyze: bool) -> list[str]:
    from django.db import connection

    options = "ANALYZE, BUFFERS, " if analyze else ""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN ({options}COSTS {'ON' if analyze else 'OFF'}) {sql}")
        return [row[0] for row in cursor.fetchall()]


def _seq_scans(plan: list[str]) -> list[str]:
    return [line.strip() for line in plan if "Seq Scan on " in line
            and line.split("Seq Scan on ", 1)[1].split()[0] in SCAN_TABLES]


def _measure_queries(client, page: dict, headers: dict) -> dict:
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    for _ in range(2):  # warm caches, as the server's steady state has them
        client.get(page["path"], secure=True, **headers)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(page["path"], secure=True, **headers)
    if response.status_code != 200:
        raise RuntimeError(f"{page['path']}: HTTP {response.status_code}")
    queries = []
    with transaction.atomic():  # EXPLAIN ANALYZE runs the statement: nothing it writes is kept
        for query in captured.captured_queries:
            sql, ms = query["sql"], 1000 * float(query["time"])
            entry = {"sql": sql, "ms": round(ms, 2)}
            statement = sql.lstrip().split(None, 1)[0].upper()
            if statement in ("SELECT", "WITH", "UPDATE", "INSERT", "DELETE"):
                read_only = statement in ("SELECT", "WITH")
                plan = _explain(sql, analyze=False)
                entry["seq_scans"] = _seq_scans(plan)
                if ms > SLOW_QUERY_MS and read_only:
                    entry["analyze"] = _explain(sql, analyze=True)
                    entry["seq_scans"] = _seq_scans(entry["analyze"])
            queries.append(entry)
        transaction.set_rollback(True)
    return {"queries": queries, "bytes": len(response.content)}


def prepare(size: str, out: Path) -> None:
    """Data, session, token and the in-process measurements of one size, written to ``out``."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.utils import timezone

    from api import services as api_services
    from api.models import ApiToken, TokenScope
    from fleet.models import User
    from tickets.models import Ticket

    data = pages_data.prepare(size)
    setup_test_environment()
    user = User.objects.get(username=pages_data.BENCH_USER)
    Session.objects.all().delete()  # the bench's own database: earlier runs' sessions only
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    ApiToken.objects.filter(user=user).delete()
    _token, raw = api_services.token_create(user, name="bench-pages", scope=TokenScope.READ,
                                            expires_at=timezone.now() + timedelta(days=1))
    # The detail page of a ticket the Mitarbeiter works on, with the longest conversation.
    ticket = (Ticket.objects.filter(assignments__user=user, status="in_progress")
              .annotate(n=Count("messages")).order_by("-n", "-id").first())
    if ticket is None:
        raise RuntimeError(f"{pages_data.BENCH_USER} works on no In Bearbeitung ticket: regenerate the data")
    pages = _pages(ticket.number)
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    api_headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    started = time.perf_counter()
    for page in pages:
        page.update(_measure_queries(client, page, api_headers if page.get("api") else {"HTTP_ACCEPT_LANGUAGE": "de"}))
    print(f"  queries and plans of {len(pages)} pages measured in {time.perf_counter() - started:.0f} s", flush=True)
    out.write_text(json.dumps({
        "size": size, "tickets": pages_data.ticket_count(size), "data": data, "ticket": ticket.number,
        "session_cookie": settings.SESSION_COOKIE_NAME, "session": session.session_key, "token": raw, "pages": pages,
    }))


# --- 2. time through the server --------------------------------------------------------------------


class Server:
    """One daphne process on 127.0.0.1 (``config.asgi:application``), its log in a file."""

    def __init__(self, env: dict, log_path: Path):
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.env, self.log_path, self.process = env, log_path, None

    def __enter__(self):
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port), "config.asgi:application"],
            cwd=BASE_DIR, env=self.env, stdout=self._log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"daphne exited with {self.process.returncode}: see {self.log_path}")
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            try:
                connection.request("GET", "/health/", headers={"X-Forwarded-Proto": "https"})
                if connection.getresponse().status == 200:
                    return self
            except OSError:
                pass
            finally:
                connection.close()
            time.sleep(0.2)
        raise RuntimeError(f"daphne did not answer within {SERVER_START_TIMEOUT:.0f} s: see {self.log_path}")

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self._log.close()


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _time_pages(port: int, plan: dict, runs: int) -> dict[str, list[float]]:
    base = {"Host": "127.0.0.1", "X-Forwarded-Proto": "https", "Accept-Language": "de"}
    page_headers = {**base, "Cookie": f"{plan['session_cookie']}={plan['session']}"}
    api_headers = {**base, "Authorization": f"Bearer {plan['token']}", "Accept": "application/json"}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    timings: dict[str, list[float]] = {page["name"]: [] for page in plan["pages"]}
    try:
        for round_ in range(WARMUP + runs):
            for page in plan["pages"]:
                headers = api_headers if page.get("api") else page_headers
                for attempt in (1, 2):  # the server may close a kept-alive connection: once more on a new one
                    started = time.perf_counter()
                    try:
                        connection.request("GET", page["path"], headers=headers)
                        response = connection.getresponse()
                        response.read()
                        break
                    except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                        connection.close()
                        if attempt == 2:
                            raise
                elapsed = (time.perf_counter() - started) * 1000
                if response.status != 200:
                    raise RuntimeError(f"{page['path']}: HTTP {response.status}")
                if round_ >= WARMUP:
                    timings[page["name"]].append(elapsed)
            if (round_ + 1) % 10 == 0:
                print(f"  {round_ + 1} of {WARMUP + runs} rounds", flush=True)
    finally:
        connection.close()
    return timings


def _redis_cleanup(run_id: str) -> int:
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_timeout=10)
    keys = [*client.scan_iter(match=f"benchpages-{run_id}*", count=1000)]
    keys += [*client.scan_iter(match="*celery*", count=1000), *client.scan_iter(match="_kombu*", count=1000)]
    for start in range(0, len(keys), 500):
        client.delete(*keys[start:start + 500])
    return len(keys)


# --- 3. report -------------------------------------------------------------------------------------


def _summary(plan: dict, timings: dict[str, list[float]]) -> list[dict]:
    rows = []
    for page in plan["pages"]:
        values = timings[page["name"]]
        queries = page["queries"]
        rows.append({
            "name": page["name"], "path": page["path"], "kind": page["kind"],
            "median": statistics.median(values), "p95": _p95(values), "queries": len(queries),
            "sql_ms": sum(q["ms"] for q in queries), "slow": [q for q in queries if "analyze" in q],
            "seq_scans": sorted({s for q in queries for s in q.get("seq_scans", [])}),
        })
    return rows


def _execution_ms(plan: list[str]) -> float:
    """The server's own time for the statement (``Execution Time`` of EXPLAIN ANALYZE)."""
    for line in reversed(plan):
        if line.startswith("Execution Time:"):
            return float(line.split(":", 1)[1].split()[0])
    return 0.0


def _scans(rows: list[dict]) -> dict[str, list[str]]:
    """Sequential scans over tickets, updates or messages: the table → the pages whose plans have one."""
    found: dict[str, list[str]] = {}
    for row in rows:
        for line in row["seq_scans"]:
            table = line.split("Seq Scan on ", 1)[1].split()[0]
            if row["name"] not in found.setdefault(table, []):
                found[table].append(row["name"])
    return found


def _targets(results: dict[str, list[dict]]) -> list[str]:
    missed = []
    small, large = results.get("1k"), results.get("100k")
    if large:
        for row in large:
            limit = TARGET_P95_MS.get(row["kind"])
            if limit and row["p95"] > limit:
                missed.append(f"{row['name']}: p95 {row['p95']:.1f} ms at 100k (target < {limit:.0f} ms)")
        for table, pages in _scans(large).items():
            missed.append(f"sequential scan on {table} at 100k: {', '.join(pages)}")
    if small and large:
        by_name = {row["name"]: row for row in small}
        for row in large:
            base = by_name.get(row["name"])
            if base and row["p95"] > TARGET_GROWTH * base["p95"]:
                missed.append(f"{row['name']}: p95 {base['p95']:.1f} → {row['p95']:.1f} ms "
                              f"({row['p95'] / base['p95']:.1f}× from 1k to 100k, target ≤ {TARGET_GROWTH}×)")
    return missed


def _markdown(results: dict, meta: dict, missed: list[str]) -> str:
    sizes = list(results)
    lines = [f"Measured {meta['when']} on this machine ({os.cpu_count()} cores, shared: load average "
             f"{meta['load_before']} before, {meta['load_after']} after), {meta['runs']} timed rounds "
             f"after {WARMUP} warm-up rounds, one daphne process; data generated in "
             + ", ".join(f"{s}: {meta['generation'][s]:.0f} s" for s in sizes) + ".", ""]
    header = "| page | " + " | ".join(f"{s} median / p95 ms | {s} queries (SQL ms)" for s in sizes)
    if len(sizes) == 2:
        header += " | p95 growth"
    lines += [header + " |", "|" + " --- |" * (1 + 2 * len(sizes) + (len(sizes) == 2))]
    by_size = {s: {row["name"]: row for row in rows} for s, rows in results.items()}
    for row in results[sizes[0]]:
        cells = [f"{row['name']} `{row['path']}`"]
        for s in sizes:
            r = by_size[s][row["name"]]
            cells += [f"{r['median']:.1f} / {r['p95']:.1f}", f"{r['queries']} ({r['sql_ms']:.0f})"]
        if len(sizes) == 2:
            cells.append(f"{by_size[sizes[1]][row['name']]['p95'] / by_size[sizes[0]][row['name']]['p95']:.1f}×")
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "Targets: " + ("all met." if not missed else "missed:"), *[f"- {m}" for m in missed], ""]
    for s in sizes:
        lines += [f"### Sequential scans at {s}", ""]
        scans = _scans(results[s])
        lines += [f"- `{table}`: {', '.join(pages)}" for table, pages in scans.items()] or ["None."]
        lines.append("")
    for s in sizes:
        seen: dict[str, dict] = {}
        for row in results[s]:
            for query in row["slow"]:
                entry = seen.setdefault(query["sql"], {"pages": [], "query": query})
                if row["name"] not in entry["pages"]:
                    entry["pages"].append(row["name"])
        slow = sorted(seen.values(), key=lambda e: -_execution_ms(e["query"]["analyze"]))
        shown = [e for e in slow if _execution_ms(e["query"]["analyze"]) >= SLOW_QUERY_MS]
        lines += [f"### Queries over {SLOW_QUERY_MS:.0f} ms at {s}", "",
                  (f"{len(seen)} statements took over {SLOW_QUERY_MS:.0f} ms as the page ran them; "
                  f"{len(shown)} of them also under EXPLAIN ANALYZE (the others were slowed by the machine):"), ""]
        for entry in shown:
            query = entry["query"]
            lines += [(f"**{_execution_ms(query['analyze']):.1f} ms** (EXPLAIN ANALYZE; {query['ms']:.0f} ms in the page) "
                      f"on {', '.join(entry['pages'])}:"), "", "```sql", _short_sql(query["sql"]), "```",
                      "", "```", *query["analyze"], "```", ""]
    return "\n".join(lines)


def _short_sql(sql: str, limit: int = 2000) -> str:
    """The statement without its column list (``SELECT … FROM``), which is long and says little;
    a column list with subqueries (their own FROM) is kept."""
    match = re.match(r"SELECT (DISTINCT )?(.*?) FROM ", sql, flags=re.DOTALL)
    short = sql
    if match and "(SELECT" not in match.group(2):
        short = f"SELECT {match.group(1) or ''}… FROM " + sql[match.end():]
    return short if len(short) <= limit else short[:limit] + " …"


def _plot(results: dict, meta: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = list(results)
    x = [pages_data.ticket_count(s) for s in sizes]
    fig, ax = plt.subplots(figsize=(10, 6), dpi=100)
    by_size = {s: {row["name"]: row for row in rows} for s, rows in results.items()}
    styles = {"list": "-", "search": "--", "detail": ":"}
    colours = plt.get_cmap("tab20").colors
    for i, row in enumerate(results[sizes[0]]):
        ax.plot(x, [by_size[s][row["name"]]["p95"] for s in sizes], styles[row["kind"]], marker="o", label=row["name"],
                color=colours[i % len(colours)])
    for limit, label in ((TARGET_P95_MS["list"], "target list and detail"), (TARGET_P95_MS["search"], "target search")):
        ax.axhline(limit, color="black", linewidth=0.8, linestyle="-.")
        ax.annotate(f"{label}: {limit:.0f} ms", (x[-1], limit), fontsize=7, ha="right", va="bottom")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(x, [f"{n:,}" for n in x])
    ax.set_xlabel("tickets (~10 updates each, 2 messages each on average)")
    ax.set_ylabel("p95 response time, ms (one daphne process)")
    ax.set_title(f"Leitstand pages: p95 against data size (bench_pages, {meta['when']}, "
                 f"load average {meta['load_before'].split(' / ')[0]} on {os.cpu_count()} cores)", fontsize=10)
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _options(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench bench_pages", add_help=False)
    parser.add_argument("--sizes", default="1k,100k")
    parser.add_argument("--runs", type=int, default=RUNS)
    opts, _unknown = parser.parse_known_args([a for a in argv if not a.startswith("bench_")])
    opts.sizes = [s.strip() for s in opts.sizes.split(",") if s.strip()]
    if not opts.sizes or any(s not in pages_data.SIZES for s in opts.sizes) or not 1 <= opts.runs <= 1000:
        sys.exit(f"bench_pages: --sizes takes {', '.join(pages_data.SIZES)}; --runs 1…1000")
    return opts


def _write_report(results: dict, meta: dict, stamp: str) -> tuple[str, Path, list[str]]:
    missed = _targets(results)
    report = _markdown(results, meta, missed)
    report_path = VAR_DIR / f"bench-pages-{stamp}.md"
    report_path.write_text(report)
    (VAR_DIR / f"bench-pages-{stamp}.json").write_text(json.dumps({"meta": meta, "results": results, "missed": missed}))
    plot_path = VAR_DIR / f"bench-pages-{stamp}.png"
    _plot(results, meta, plot_path)
    if list(results) == ["1k", "100k"]:  # a full run: the plot docs/performance.md shows
        shutil.copyfile(plot_path, PLOT_PATH)
    return report, report_path, missed


def main() -> None:
    if "--report" in sys.argv:  # render the report and the plot again from a run's JSON
        path = Path(sys.argv[sys.argv.index("--report") + 1])
        saved = json.loads(path.read_text())
        _report, report_path, _missed = _write_report(saved["results"], saved["meta"], path.stem.removeprefix("bench-pages-"))
        print(report_path)
        return
    opts = _options(sys.argv[1:])
    run_id, secret_key = secrets.token_hex(4), secrets.token_urlsafe(50)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    out_dir = VAR_DIR / f"bench-pages-{stamp}"
    out_dir.mkdir(parents=True, exist_ok=True)
    results, generation = {}, {}
    load_before = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    try:
        for size in opts.sizes:
            version = pages_data.stored_version(size)
            pages_data.reset_database(size, drop=version is not None and version != pages_data.GENERATOR_VERSION)
            env = _env(size, run_id, secret_key)
            plan_path = out_dir / f"plan-{size}.json"
            print(f"[{size}] migrating, generating if needed, measuring queries …", flush=True)
            subprocess.run([sys.executable, "-m", "bench.bench_pages", "--prepare", size, str(plan_path)],
                           cwd=BASE_DIR, env=env, check=True, timeout=PREPARE_TIMEOUT)
            plan = json.loads(plan_path.read_text())
            generation[size] = plan["data"]["seconds"]
            with Server(env, out_dir / f"server-{size}.log") as server:
                print(f"[{size}] daphne on {server.port}: {len(plan['pages'])} pages × {opts.runs} rounds …", flush=True)
                timings = _time_pages(server.port, plan, opts.runs)
            results[size] = _summary(plan, timings)
            for page in plan["pages"]:
                page["timings"] = timings[page["name"]]
            plan.pop("token"), plan.pop("session")
            plan_path.write_text(json.dumps(plan))
    finally:
        _redis_cleanup(run_id)
    meta = {"when": datetime.now().strftime("%Y-%m-%d %H:%M"), "runs": opts.runs, "generation": generation,
            "load_before": load_before, "load_after": " / ".join(f"{x:.1f}" for x in os.getloadavg())}
    report, report_path, missed = _write_report(results, meta, stamp)
    print()
    print(report.split("### Queries over", 1)[0])
    print(f"report with the plans: {report_path}; raw numbers and queries: {out_dir}; plot: "
          f"{report_path.with_suffix('.png')}" + (f" (and {PLOT_PATH})" if list(results) == ["1k", "100k"] else ""))
    if missed:
        print(f"TARGETS MISSED: {len(missed)}")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--prepare":
        prepare(sys.argv[2], Path(sys.argv[3]))
    else:
        main()
