"""The messenger's WebSocket under load: Leitstand against a bare Channels floor, both on Redis.

Run with ``python -m bench bench_messenger [options]`` (or ``make bench``, which runs every bench);
``docs/performance.md`` ("Messenger under load") explains the method and the columns. Talks to
127.0.0.1 only: PostgreSQL on 5432 (its own database ``leitstand_bench_msg``, created and migrated
when missing), Redis on 6379 database 9 with a key prefix of its own per run (only those keys are
deleted afterwards).

For each side (``floor``: ``bench.floor``; ``leitstand``: ``config.asgi``) it starts two daphne
processes, then runs the load generator (``bench.messenger_load``) in a process of its own: the
connect storm (every socket at once), on Leitstand the presence checks, then the ladder of rates.
Sockets alternate between the two processes, so deliveries cross processes through Redis. The
result is a Markdown report, printed and written to ``var/bench-messenger-<timestamp>.md``.

Options (argument, else environment variable, else default):
  --sides floor,leitstand        BENCH_MSG_SIDES
  --rates 25,50,100,150,200,250,300  BENCH_MSG_RATES (messages per second over all sockets)
  --step-seconds 15              BENCH_MSG_STEP_SECONDS
  --drain-seconds 5              BENCH_MSG_DRAIN_SECONDS
  --sockets 1000                 BENCH_MSG_SOCKETS
  --tickets 200                  BENCH_MSG_TICKETS (sockets / tickets per ticket; 5 = 3 staff + 2 code users)
  --layer redis|redis-pubsub     BENCH_MSG_LAYER, else CHANNEL_LAYER_BACKEND (default redis-pubsub)
  --seed 1                       BENCH_MSG_SEED (which sockets send)
A quick check: ``python -m bench bench_messenger --sockets 100 --tickets 20 --rates 10,20 --step-seconds 5``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from bench.loopback import postgres_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/leitstand_bench_msg"
REDIS_URL = "redis://127.0.0.1:6379/9"
SIDES = ("floor", "leitstand")
DEFAULTS = {
    "sides": "floor,leitstand", "rates": "25,50,100,150,200,250,300", "step_seconds": "15",
    "drain_seconds": "5", "sockets": "1000", "tickets": "200", "layer": "redis-pubsub", "seed": "1",
}
# The per-socket rate limit (MESSENGER_RATE_*) set far above what the ladder sends, so that it does
# not shape the result: a random sender can get a few messages in a row.
RATE_BURST, RATE_PER_SECOND = 100_000, 100_000.0
TICKET_YEAR = 2023  # the bench's tickets are 2023-000001 … in its own database
STAFF_POOL = 30
RAMP_NOTE = "20 at a time"  # bench.messenger_load.RAMP_CONCURRENCY
ACCESS_CODES = 40
SERVER_START_TIMEOUT = 40.0
SERVER_STOP_TIMEOUT = 10.0
SEED_TIMEOUT = 600.0
LOCK_KEY = 815_4711  # pg_advisory_lock: one run at a time on the bench database


# --- options ---------------------------------------------------------------------------------------


def _options(argv: list[str]) -> argparse.Namespace:
    def env_or(name: str, key: str) -> str:
        value = os.environ.get(name, "").strip()
        if key == "layer" and not value:
            value = os.environ.get("CHANNEL_LAYER_BACKEND", "").strip()
        return value or DEFAULTS[key]

    parser = argparse.ArgumentParser(prog="python -m bench bench_messenger", add_help=False)
    parser.add_argument("--sides", default=env_or("BENCH_MSG_SIDES", "sides"))
    parser.add_argument("--rates", default=env_or("BENCH_MSG_RATES", "rates"))
    parser.add_argument("--step-seconds", type=float, default=float(env_or("BENCH_MSG_STEP_SECONDS", "step_seconds")))
    parser.add_argument("--drain-seconds", type=float, default=float(env_or("BENCH_MSG_DRAIN_SECONDS", "drain_seconds")))
    parser.add_argument("--sockets", type=int, default=int(env_or("BENCH_MSG_SOCKETS", "sockets")))
    parser.add_argument("--tickets", type=int, default=int(env_or("BENCH_MSG_TICKETS", "tickets")))
    parser.add_argument("--layer", default=env_or("BENCH_MSG_LAYER", "layer"))
    parser.add_argument("--seed", type=int, default=int(env_or("BENCH_MSG_SEED", "seed")))
    # `python -m bench` passes its own arguments through: the module names are not ours.
    opts, _unknown = parser.parse_known_args([a for a in argv if not a.startswith("bench_")])
    opts.sides = [s.strip() for s in opts.sides.split(",") if s.strip()]
    opts.rates = [float(r) for r in str(opts.rates).split(",") if r.strip()]
    problems = []
    if not opts.sides or any(s not in SIDES for s in opts.sides):
        problems.append(f"--sides must name {' and/or '.join(SIDES)}")
    if not opts.rates or any(r <= 0 for r in opts.rates):
        problems.append("--rates must be positive numbers")
    if opts.layer not in ("redis", "redis-pubsub"):
        problems.append("--layer must be redis or redis-pubsub")
    if opts.tickets < 1 or opts.sockets < 2 * opts.tickets or opts.sockets % opts.tickets:
        problems.append("--sockets must be a multiple of --tickets, at least 2 per ticket")
    if not 0 < opts.step_seconds <= 600 or not 0 <= opts.drain_seconds <= 120:
        problems.append("--step-seconds must be in (0, 600], --drain-seconds in [0, 120]")
    if problems:
        sys.exit("bench_messenger: " + "; ".join(problems))
    opts.sides = [s for s in SIDES if s in opts.sides]  # the floor first: it needs no database
    return opts


def _database_url() -> str:
    url = os.environ.get("BENCH_MSG_DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL
    return postgres_url(url, bench="bench_messenger")


def _kinds(per_ticket: int) -> list[str]:
    """5 sockets a ticket: 3 staff members and 2 code users (the same 3:2 for other sizes)."""
    code_users = max(1, round(per_ticket * 2 / 5))
    return ["staff"] * (per_ticket - code_users) + ["code_user"] * code_users


def _number(index: int) -> str:
    return f"{TICKET_YEAR}-{index + 1:06d}"


# --- the seeder (a subprocess with Django: the bench process itself stays free of it) ---------------


def _seed(spec: dict) -> dict:
    """Migrate, make sure the bench's tickets, staff, codes and code users exist (once, kept), reset
    their conversations, and make one session per socket. Returns the plan for the generator."""
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import Group
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from fleet.models import Assignment, User
    from fleet.roles import Role
    from messenger import services as messenger_services
    from messenger.models import Conversation, Message, ReadCursor
    from portal.sessions import sign_in_code_user
    from tickets.choices import Status, Visibility
    from tickets.models import AccessCode, CodeUser, Ticket, TicketNumberSequence, TicketParticipant, TicketTemplate

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    tickets_n, kinds = spec["tickets"], _kinds(spec["per_ticket"])
    staff_k, code_k = kinds.count("staff"), kinds.count("code_user")
    pool = max(STAFF_POOL, staff_k)
    with transaction.atomic():
        staff_group = Group.objects.get(name=Role.STAFF.value)
        staff = []
        for i in range(pool):
            user, created = User.objects.get_or_create(
                username=f"bench-msg-staff-{i}", defaults={"first_name": f"Bench{i}", "last_name": "Mitarbeiter"}
            )
            if created:
                user.set_unusable_password()
                user.save()
                user.groups.add(staff_group)
            staff.append(user)
        template = TicketTemplate.objects.get_or_create(name="Bench-Messenger-Vorlage")[0]
        codes, code_users = [], []
        for c in range(ACCESS_CODES):
            code = AccessCode.objects.filter(label=f"Bench-Messenger-Code {c}").first()
            code = code or AccessCode.objects.create(label=f"Bench-Messenger-Code {c}", template=template)
            codes.append(code)
            code_users.append([
                CodeUser.objects.get_or_create(access_code=code, display_name=f"Kunde {c}-{j}")[0] for j in range(code_k)
            ])
        numbers = [_number(t) for t in range(tickets_n)]
        existing = set(Ticket.objects.filter(number__in=numbers).values_list("number", flat=True))
        now = timezone.now()
        Ticket.objects.bulk_create([
            Ticket(
                number=number, title=f"Bench-Messenger {number}: Pumpe verliert Öl", template=template,
                access_code=codes[t % ACCESS_CODES], status=Status.IN_PROGRESS, visibility=Visibility.PUBLIC,
                completed_steps=["general", "fields", "access"], created_by=staff[(t * staff_k) % pool],
                status_changed_at=now,
            )
            for t, number in enumerate(numbers) if number not in existing
        ])
        TicketNumberSequence.objects.update_or_create(
            year=TICKET_YEAR, defaults={"last": max(tickets_n, Ticket.objects.filter(number__startswith=f"{TICKET_YEAR}-").count())}
        )
        tickets = {t.number: t for t in Ticket.objects.filter(number__in=numbers)}
        ids = [t.pk for t in tickets.values()]
        # The state the bench needs, whatever an earlier run or a person did to these tickets.
        for t, number in enumerate(numbers):
            Ticket.objects.filter(pk=tickets[number].pk).update(
                status=Status.IN_PROGRESS, visibility=Visibility.PUBLIC, access_code=codes[t % ACCESS_CODES]
            )
        AccessCode.objects.filter(pk__in=[c.pk for c in codes]).update(is_active=True, pin_hash="")
        # Every run starts with empty conversations (numbers from 1, no receipts, no participants).
        Message.objects.filter(ticket_id__in=ids).delete()
        Conversation.objects.filter(ticket_id__in=ids).delete()
        Conversation.objects.bulk_create([Conversation(ticket_id=pk, last_seq=0) for pk in ids])
        ReadCursor.objects.filter(ticket_id__in=ids).delete()
        TicketParticipant.objects.filter(ticket_id__in=ids).delete()
        assigned = set(Assignment.objects.filter(ticket_id__in=ids).values_list("ticket_id", flat=True))
        Assignment.objects.bulk_create([
            Assignment(ticket_id=tickets[number].pk, user=staff[(t * staff_k) % pool])
            for t, number in enumerate(numbers) if tickets[number].pk not in assigned
        ])
        # Every assignee's read cursor (the services make it on assigning; each message adds one to it).
        messenger_services.unread_recount(
            track=Assignment.objects.filter(ticket_id__in=ids).values_list("ticket_id", "user_id"), ticket_ids=ids
        )
        # Sessions live only in this database; the previous run's are no longer needed.
        Session.objects.all().delete()
        sockets, plan_tickets = [], []
        for t, number in enumerate(numbers):
            members = []
            for slot, kind in enumerate(kinds):
                session = SessionStore()
                if kind == "staff":
                    user = staff[(t * staff_k + slot) % pool]
                    session[SESSION_KEY] = str(user.pk)
                    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
                    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
                    name = user.display_name
                else:
                    code_user = code_users[t % ACCESS_CODES][slot - staff_k]
                    sign_in_code_user(session, code_user)
                    name = code_user.display_name
                session.save()
                members.append(len(sockets))
                sockets.append({"idx": len(sockets), "ticket": t, "number": number, "kind": kind, "name": name,
                                "session": session.session_key})
            plan_tickets.append({"number": number, "id": tickets[number].pk, "sockets": members})
    from django.conf import settings

    print(f"seeded {tickets_n} tickets and {len(sockets)} sessions in {time.perf_counter() - started:.1f} s", flush=True)
    return {"tickets": plan_tickets, "sockets": sockets, "session_cookie": settings.SESSION_COOKIE_NAME}


def _floor_plan(tickets_n: int, per_ticket: int) -> dict:
    kinds = _kinds(per_ticket)
    sockets, plan_tickets = [], []
    for t in range(tickets_n):
        members = []
        for kind in kinds:
            members.append(len(sockets))
            sockets.append({"idx": len(sockets), "ticket": t, "number": _number(t), "kind": kind})
        plan_tickets.append({"number": _number(t), "sockets": members})
    return {"tickets": plan_tickets, "sockets": sockets}


# --- processes -------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stop(process: subprocess.Popen | None, timeout: float = SERVER_STOP_TIMEOUT) -> None:
    """Terminate, wait a bounded time, then kill (this process's own children only)."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass


def deployed_daphne_options() -> list[str]:
    """The options the web service's daphne runs with in docker-compose.yml (its handshake timeout),
    so that both sides are measured as deployed; the proxy-header options aside (the bench talks
    to daphne directly, without nginx)."""
    import yaml

    command = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())["services"]["web"]["command"]
    options = command[command.index("-p") + 2:-1]
    for proxy_option, takes_value in (("--proxy-headers", False), ("--proxy-headers-host", True)):
        if proxy_option in options:
            at = options.index(proxy_option)
            del options[at:at + 1 + takes_value]
    return options


class Server:
    """One daphne process on 127.0.0.1 with its own log file, with the deployed options."""

    def __init__(self, app: str, env: dict, log_path: Path):
        self.app, self.env, self.log_path = app, env, log_path
        self.port = _free_port()
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port), *deployed_daphne_options(), self.app],
            cwd=BASE_DIR, env=self.env, stdout=self._log, stderr=subprocess.STDOUT,
        )

    def wait_ready(self) -> None:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.app} on {self.port} exited with {self.process.returncode}: see {self.log_path}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                connection.request("GET", "/health/")
                if connection.getresponse().status == 200:
                    return
            except OSError:
                pass
            finally:
                connection.close()
            time.sleep(0.2)
        raise RuntimeError(f"{self.app} on {self.port} did not answer within {SERVER_START_TIMEOUT:.0f} s: see {self.log_path}")

    def stop(self) -> None:
        _stop(self.process)
        if getattr(self, "_log", None):
            self._log.close()


def _server_env(side: str, opts, run_id: str, database_url: str | None) -> dict:
    prefix = f"benchmsg-{run_id}-{side}"
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update({
        "DJANGO_SETTINGS_MODULE": "config.settings", "REDIS_URL": REDIS_URL, "CHANNEL_LAYER_BACKEND": opts.layer,
        "CHANNEL_LAYER_PREFIX": prefix, "CACHE_KEY_PREFIX": prefix, "LEITSTAND_FAST_PASSWORD_HASHER": "true",
        "MESSENGER_RATE_BURST": str(RATE_BURST), "MESSENGER_RATE_PER_SECOND": str(RATE_PER_SECOND),
        "DEBUG": "false", "PYTHONUNBUFFERED": "1",
    })
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def _generator_budget(opts) -> float:
    per_step = 30 + opts.step_seconds + 5 + opts.drain_seconds + 20
    return 75 + 100 + len(opts.rates) * per_step + 60


def _log_findings(paths: list[Path]) -> dict:
    """What the servers logged while the load ran; what they logged once the bench stopped them
    (daphne's "Killed N pending application instances": the sockets still open are cancelled, and
    channels-redis's Pub/Sub layer logs a cancelled unsubscribe for each) is counted apart."""
    needles = ("Traceback", "Exception", "over capacity", "channel layer full", "channel layer unavailable",
               "took too long to shut down", "ERROR")
    counts = dict.fromkeys(needles, 0)
    at_stop = dict.fromkeys(needles, 0)
    first = None
    for path in paths:
        try:
            lines = path.read_text(errors="replace").splitlines()
        except FileNotFoundError:
            continue
        stopping = False
        for i, line in enumerate(lines):
            stopping = stopping or "pending application instances" in line
            for needle in needles:
                if needle in line:
                    (at_stop if stopping else counts)[needle] += 1
            if first is None and not stopping and "Traceback" in line:
                first = {"log": path.name, "lines": lines[max(0, i - 2): i + 25]}
    return {"counts": counts, "at_stop": at_stop, "first_traceback": first}


# --- Redis: only this run's keys -------------------------------------------------------------------


def _redis():
    import redis

    return redis.Redis.from_url(REDIS_URL, socket_timeout=10)


def _redis_keys(client, pattern: str = "*", limit: int = 200_000) -> set[bytes]:
    keys = set()
    for key in client.scan_iter(match=pattern, count=1000):
        keys.add(key)
        if len(keys) >= limit:
            break
    return keys


def _redis_cleanup(client, run_id: str) -> int:
    ours = list(_redis_keys(client, f"benchmsg-{run_id}-*"))
    for start in range(0, len(ours), 500):
        client.delete(*ours[start:start + 500])
    return len(ours)


# --- one side --------------------------------------------------------------------------------------


def _run_side(side: str, opts, ctx: dict) -> dict:
    run_id, stamp_dir = ctx["run_id"], ctx["dir"]
    per_ticket = opts.sockets // opts.tickets
    database_url = ctx.get("database_url") if side == "leitstand" else None
    env = _server_env(side, opts, run_id, database_url)
    if side == "leitstand":
        spec_path = stamp_dir / "seed-spec.json"
        plan_path = stamp_dir / "seed-plan.json"
        spec_path.write_text(json.dumps({"tickets": opts.tickets, "per_ticket": per_ticket, "out": str(plan_path)}))
        seed_env = {k: v for k, v in env.items() if k not in ("REDIS_URL",)}
        print(f"[leitstand] migrating and seeding {database_url.rsplit('/', 1)[1]} …", flush=True)
        seeder = subprocess.Popen([sys.executable, "-m", "bench.bench_messenger", "--seed-plan", str(spec_path)],
                                  cwd=BASE_DIR, env=seed_env)
        ctx["children"].append(seeder)
        if seeder.wait(timeout=SEED_TIMEOUT) != 0:
            raise RuntimeError("seeding failed (see above)")
        plan = json.loads(plan_path.read_text())
        plan_path.unlink()  # it holds sessions
        app = "config.asgi:application"
    else:
        plan = _floor_plan(opts.tickets, per_ticket)
        app = "bench.floor:application"

    servers = [Server(app, env, stamp_dir / f"{side}-server-{i + 1}.log") for i in range(2)]
    ctx["servers"].extend(servers)
    for server in servers:
        server.start()
    for server in servers:
        server.wait_ready()
    ports = [s.port for s in servers]
    for sock in plan["sockets"]:
        sock["port"] = ports[sock["idx"] % 2]  # alternate: every ticket has sockets on both processes
    print(f"[{side}] 2 daphne processes up on ports {ports[0]} and {ports[1]} ({opts.layer} layer)", flush=True)

    out_path = stamp_dir / f"{side}-result.json"
    cfg_path = stamp_dir / f"{side}-generator.json"
    cfg_path.write_text(json.dumps({
        **plan, "side": side, "run_id": run_id, "server_pids": [s.process.pid for s in servers],
        "rates": opts.rates, "step_seconds": opts.step_seconds, "drain_seconds": opts.drain_seconds,
        "database_url": database_url, "seed": opts.seed, "out": str(out_path), "presence": True,
    }))
    generator = subprocess.Popen([sys.executable, "-m", "bench.messenger_load", str(cfg_path)], cwd=BASE_DIR,
                                 env={k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"})
    ctx["children"].append(generator)
    try:
        code = generator.wait(timeout=_generator_budget(opts))
    except subprocess.TimeoutExpired:
        _stop(generator, timeout=5)
        raise RuntimeError(f"the {side} load generator did not finish within {_generator_budget(opts):.0f} s") from None
    finally:
        cfg_path.unlink(missing_ok=True)  # it holds sessions
    for server in servers:
        server.stop()
    if code != 0 or not out_path.exists():
        raise RuntimeError(f"the {side} load generator failed (exit {code})")
    result = json.loads(out_path.read_text())
    result["logs"] = _log_findings([s.log_path for s in servers])
    result["ports"] = ports
    return result


# --- the report ------------------------------------------------------------------------------------


def _fmt(value, digits: int = 0, none: str = "n/a", unit: str = "") -> str:
    if value is None:
        return none
    return f"{value:,.{digits}f}{unit}"


def _counter_text(counter: dict, prefix: str = "") -> str:
    return ", ".join(f"{prefix}{code}×{n}" for code, n in sorted(counter.items(), key=lambda kv: -kv[1]))


def _ceiling(result: dict, rates: list[float]) -> tuple[float | None, bool]:
    """(highest rate that passed, whether every planned step ran and passed: a lower bound then)."""
    steps = result.get("steps", [])
    passed = [s["rate"] for s in steps if s["passed"]]
    complete = len(steps) == len(rates) and all(s["passed"] for s in steps)
    return (max(passed) if passed else None), complete


def _ceiling_text(value, lower_bound: bool) -> str:
    if value is None:
        return "none (no step passed)"
    return f"{'≥ ' if lower_bound else ''}{value:g} messages/s"


def _report(opts, ctx: dict, results: dict) -> str:
    per_ticket = opts.sockets // opts.tickets
    kinds = _kinds(per_ticket)
    lines = [
        f"### Messenger under load — {ctx['started']:%Y-%m-%d %H:%M} (commit {ctx['commit']})",
        "",
        f"{opts.sockets:,} sockets on {opts.tickets} tickets ({kinds.count('staff')} staff + {kinds.count('code_user')} "
        f"code users each), 2 daphne processes per side, `{opts.layer}` channel layer "
        f"(`CHANNEL_LAYER_BACKEND={opts.layer}`), Redis database 9, {os.cpu_count()} CPU cores; steps of "
        f"{opts.step_seconds:g} s + up to {opts.drain_seconds:g} s drain; per-socket rate limit set out of the way "
        f"(`MESSENGER_RATE_BURST={RATE_BURST}`, `MESSENGER_RATE_PER_SECOND={RATE_PER_SECOND:g}`), "
        f"`CONN_MAX_AGE={os.environ.get('CONN_MAX_AGE', '0 (default)')}`; load average at the start "
        f"{ctx['loadavg']}.",
        "",
        "**Connect storm** (every socket opened at once)",
        "",
        "| side | sockets | with hello | all hello after | hello p50 / p99 | failed handshakes | closes |",
        "| --- | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for side, result in results.items():
        storm = result.get("storm")
        if not storm:
            continue
        lines.append(
            f"| {side} | {storm['sockets']:,} | {storm['with_hello']:,} | {_fmt(storm['all_hello_s'], 2, 'never', ' s')} | "
            f"{_fmt(storm['hello_p50_s'], 2)} / {_fmt(storm['hello_p99_s'], 2)} s | "
            f"{_counter_text(storm['handshake_failures']) or 'none'} | {_counter_text(storm['closes']) or 'none'} |"
        )
    lines.append("")
    for side, result in results.items():
        ramp = result.get("ramp")
        if ramp:
            failures = _counter_text(ramp.get("handshake_failures") or {})
            settled = (f"quiet after {ramp['waited_s']:.1f} s" if ramp["quiet"]
                       else f"still busy after {ramp['waited_s']:.0f} s ({ramp['last_cores']:.2f} cores)")
            lines.append(
                f"- {side}: {ramp['open_before']:,} open after the storm; the rest opened "
                f"{RAMP_NOTE} in {ramp['ramp_s']:.1f} s → {ramp['open_after']:,} open (failed handshakes then: "
                f"{failures or 'none'}); servers {settled} before the ladder"
            )
    presence = (results.get("leitstand") or {}).get("presence")
    if presence:
        lines += [
            "",
            "**Presence** (each socket's list of who is on its ticket against the sockets really open there; code users see staff only)",
            "",
            "| check | sockets checked | exact | wrong | ghost names (of failed handshakes) | missing names | exact after |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for check in presence:
            lines.append(
                f"| {check['label']} | {check['checked']:,} | {check['exact']:,} | {check['failed']:,} | "
                f"{check['ghosts']:,} ({check.get('ghosts_unknown', 0):,}) | "
                f"{check['missing']:,} | {_fmt(check['settled_s'], 2, 'never', ' s')} |"
            )
    lines += [
        "",
        "**Ladder** (latency: send → arrival at each other socket of the ticket, live deliveries only)",
        "",
        "| side | layer | rate msg/s | sent | acked | p50 ms | p99 ms | deliveries expected | live | resumed | lost | dup "
        "| stored | errors / closes | server CPU ms/msg | PostgreSQL CPU ms/msg | Redis CPU ms/msg | result |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | --- |",
    ]
    for side, result in results.items():
        for s in result.get("steps", []):
            problems = ", ".join(filter(None, [_counter_text(s["errors"], "error "), _counter_text(s["closes"], "close ")]))
            outcome = "pass" if s["passed"] else ("**fail, stop**" if s["clear_fail"] else "fail")
            cpu = s["cpu_ms_per_msg"]
            lines.append(
                f"| {side} | {opts.layer} | {s['rate']:g} | {s['sent']:,} | {s['acked']:,} | {_fmt(s['p50_ms'])} | "
                f"{_fmt(s['p99_ms'])} | "
                f"{s['expected']:,} | {s['live']:,} | {_fmt(s['resumed']) if side == 'leitstand' else 'n/a'} | {s['lost']:,} | "
                f"{s['dup']:,} | {_fmt(s['stored']) if s['stored'] is not None else 'n/a'} | {problems or 'none'} | "
                f"{cpu['server']:.2f} | {cpu['postgres']:.2f} | {cpu['redis']:.2f} | {outcome} |"
            )
    ceilings = {side: _ceiling(result, opts.rates) for side, result in results.items()}
    lines += ["", "**Ceilings** (highest rate with p99 < 100 ms, nothing lost and every message acknowledged)", ""]
    for side, (value, lower) in ceilings.items():
        lines.append(f"- {side}: {_ceiling_text(value, lower)}")
    if "floor" in ceilings and "leitstand" in ceilings:
        (floor, floor_lower), (leit, leit_lower) = ceilings["floor"], ceilings["leitstand"]
        if floor and leit and not (floor_lower and leit_lower):
            relation = "≤ " if floor_lower else ("≥ " if leit_lower else "")
            lines.append(f"- Leitstand / floor: {relation}{leit / floor:.2f}")
        elif floor and leit:
            lines.append("- Leitstand / floor: n/a (both held every step: raise the rates)")
        else:
            lines.append("- Leitstand / floor: n/a (a side passed no step)")
    lines += [
        "",
        "**Details per step**",
        "",
        "| side | rate | sockets open | ack p99 ms | resumes asked | fetched twice | tail lost | late after drain | "
        "reconnects | send lag max ms | PostgreSQL sessions/msg | server cores | PostgreSQL cores | Redis cores | generator cores "
        "| other load cores |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for side, result in results.items():
        for s in result.get("steps", []):
            cores = s["cpu_cores"]
            lines.append(
                f"| {side} | {s['rate']:g} | {s.get('open_at_start', 0):,} | {_fmt(s['ack_p99_ms'])} | {s['resumes']:,} | "
                f"{s['overlap']:,} | {s['tail_lost']:,} | "
                f"{s.get('late', 0):,} | {s['reconnects']:,} | {s['max_lag_ms']:,.0f} | "
                f"{_fmt(s.get('pg_sessions_per_msg'), 1)} | {cores['server']:.2f} | "
                f"{cores['postgres']:.2f} | {cores['redis']:.2f} | {cores['generator']:.2f} | {cores.get('other', 0):.2f} |"
            )
    for side, result in results.items():
        idle = result.get("idle_cores")
        if idle:
            lines.append(
                f"| {side} | idle | | | | | | | | | | {idle['server']:.2f} | {idle['postgres']:.2f} | {idle['redis']:.2f} | "
                f"{idle['generator']:.2f} | {idle.get('other', 0):.2f} |"
            )
    lines += ["", "**Server logs and data**", ""]
    for side, result in results.items():
        logs = result.get("logs", {}).get("counts", {})
        at_stop = result.get("logs", {}).get("at_stop", {})
        rss = result.get("rss_kib") or []
        lines.append(
            f"- {side}: lines with `Traceback` {logs.get('Traceback', 0)} (and "
            f"{at_stop.get('Traceback', 0)} once the bench stopped the servers), "
            f"`Exception` {logs.get('Exception', 0)}, "
            f"`over capacity` {logs.get('over capacity', 0)}, `channel layer full` {logs.get('channel layer full', 0)}, "
            f"`channel layer unavailable` {logs.get('channel layer unavailable', 0)}, consumers killed by daphne "
            f"(`took too long to shut down`) {logs.get('took too long to shut down', 0)}; server RSS at the end "
            f"{' + '.join(f'{k / 1024:.0f}' for k in rss)} MiB"
        )
        conversations = result.get("conversations")
        if conversations:
            lines.append(
                f"- {side} database: {conversations['messages']:,} messages on {conversations['tickets']} tickets, "
                f"{conversations['inconsistent_count']} tickets whose numbers are not exactly 1…n "
                "(gaps, repeats, a stale `last_seq` or a client id twice)"
            )
        if result.get("error"):
            lines.append(f"- {side}: **the run failed**: {result['error']}")
    lines += [
        "",
        "PostgreSQL and Redis CPU are summed over every `postgres` / `redis-server` process of the machine "
        "(exited backends included): other work on the machine counts too. Server CPU is the two daphne processes. "
        f"Logs and raw numbers: `var/{ctx['dir'].name}/`.",
    ]
    return "\n".join(lines) + "\n"


# --- main ------------------------------------------------------------------------------------------


def _git_commit() -> str:
    try:
        out = subprocess.run(["git", "-C", str(BASE_DIR), "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, timeout=10)
        dirty = subprocess.run(["git", "-C", str(BASE_DIR), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return out.stdout.strip() + ("+changes" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _ensure_database(url: str):
    """Create the database when missing; return a connection holding the bench's advisory lock."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    connect = {"host": parts.hostname, "port": parts.port or 5432, "user": parts.username or "postgres",
               "password": parts.password, "connect_timeout": 10}
    with psycopg.connect(**connect, dbname="postgres", autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            print(f"creating database {name}", flush=True)
            admin.execute(f'CREATE DATABASE "{name}"')
    lock = psycopg.connect(**connect, dbname=name, autocommit=True)
    if not lock.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY]).fetchone()[0]:
        lock.close()
        sys.exit(f"bench_messenger: another run holds the lock on {name}; try again when it is done")
    return lock


def _interrupted(signum, frame):
    raise KeyboardInterrupt


def main() -> None:
    opts = _options(sys.argv[1:])
    # Ctrl-C and a plain `kill` both end in the cleanup below (even when started with SIGINT ignored).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupted)
    started = datetime.now()
    stamp = started.strftime("%Y%m%d-%H%M%S")
    run_id = uuid.uuid4().hex[:8]
    stamp_dir = VAR_DIR / f"bench-messenger-{stamp}"
    stamp_dir.mkdir(parents=True, exist_ok=True)
    ctx = {"run_id": run_id, "dir": stamp_dir, "servers": [], "children": [], "started": started, "commit": _git_commit(),
           "loadavg": " / ".join(f"{x:.2f}" for x in os.getloadavg())}
    print(
        f"messenger bench {run_id}: sides {', '.join(opts.sides)}; {opts.sockets} sockets on {opts.tickets} tickets; "
        f"rates {', '.join(f'{r:g}' for r in opts.rates)}/s, {opts.step_seconds:g} s steps; {opts.layer} layer",
        flush=True,
    )
    redis_client = _redis()
    before = _redis_keys(redis_client)
    lock = None
    results: dict = {}
    try:
        if "leitstand" in opts.sides:
            ctx["database_url"] = _database_url()
            lock = _ensure_database(ctx["database_url"])
        for side in opts.sides:
            try:
                results[side] = _run_side(side, opts, ctx)
            except RuntimeError as error:
                print(f"[{side}] FAILED: {error}", flush=True)
                results[side] = {"error": str(error), "steps": []}
            finally:
                for server in ctx["servers"]:
                    server.stop()
                ctx["servers"].clear()
    except KeyboardInterrupt:
        print("\ninterrupted: stopping servers and the generator", flush=True)
        raise SystemExit(130) from None
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the cleanup short
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for child in ctx["children"]:
            _stop(child, timeout=5)
        for server in ctx["servers"]:
            server.stop()
        for leftover in stamp_dir.glob("*-generator.json"):
            leftover.unlink(missing_ok=True)
        try:
            removed = _redis_cleanup(redis_client, run_id)
            foreign = {k for k in _redis_keys(redis_client) - before if not k.startswith(f"benchmsg-{run_id}-".encode())}
            print(f"redis: removed this run's {removed} keys from database 9"
                  + (f"; {len(foreign)} other new keys there (not ours, left alone): "
                     f"{sorted(k.decode(errors='replace') for k in foreign)[:5]}" if foreign else ""), flush=True)
        except Exception as error:  # noqa: BLE001 - cleanup must not hide the run's own error
            print(f"redis cleanup failed: {error}", flush=True)
        if lock is not None:
            lock.close()
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)

    (stamp_dir / "results.json").write_text(json.dumps(results, indent=1, default=str))
    report = _report(opts, ctx, results)
    path = VAR_DIR / f"bench-messenger-{stamp}.md"
    path.write_text(report)
    for result in results.values():
        first = (result.get("logs") or {}).get("first_traceback")
        if first:
            print(f"\nfirst traceback in {first['log']}:\n    " + "\n    ".join(first["lines"]))
    print("\n" + report)
    print(f"written to {path.relative_to(BASE_DIR)}")


def _role_main(argv: list[str]) -> int:
    """``python -m bench.bench_messenger --seed-plan SPEC``: the seeding subprocess."""
    if len(argv) == 2 and argv[0] == "--seed-plan":
        spec = json.loads(Path(argv[1]).read_text())
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        plan = _seed(spec)
        Path(spec["out"]).write_text(json.dumps(plan))
        return 0
    main()
    return 0


if __name__ == "__main__":
    sys.exit(_role_main(sys.argv[1:]))
