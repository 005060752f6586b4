"""The load generator of ``bench_messenger``: its own process, asyncio and the ``websockets`` client.

``python -m bench.messenger_load CONFIG.json`` (started by ``bench_messenger``, never by hand). The
configuration names the side (``leitstand`` or ``floor``), the two server ports and process ids, the
sockets (ticket, kind, session) and the ladder. The generator

1. opens every socket at once (the connect storm) and waits for each one's ``hello``;
2. on Leitstand, checks presence: every socket's view of who is on its ticket (built from the
   ``presence`` join/leave frames, code users see staff only) against the sockets really open there;
   then closes one socket per ticket and checks again, then reopens them and checks again;
3. climbs the ladder of rates: each step sends ``rate × seconds`` messages from random sockets of
   random tickets on a fixed schedule (open loop: it does not wait for answers), then waits for a
   bounded drain. Latency is send → arrival at each other socket of the ticket, on this process's
   clock. On Leitstand the client behaves like the page (``static/js/messenger.js``): the newest
   history on the first open, the ticket's ``seq`` tracked per socket, ``resume`` after the last
   number in order whenever a higher number shows a gap (pages until ``more`` is false), and on a
   reconnect; what arrives that way counts as recovered, not live;
4. writes everything it measured as JSON to the path in the configuration.

All traffic goes to 127.0.0.1; every loop is bounded in count and time.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
import time
from collections import Counter

import websockets
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

CLK_TCK = os.sysconf("SC_CLK_TCK")
GAP_GRACE = 0.3  # seconds a missing number may be late before the gap is fetched (static/js/messenger.js)
STORM_TIMEOUT = 60.0  # seconds for every socket of the storm to be open with its hello
REOPEN_TIMEOUT = 20.0
PRESENCE_SETTLE = 10.0  # seconds for the views to become exact after a change
PRESENCE_HOLD = 1.0  # … and to stay exact (a late stray frame would show here)
SEND_OVERRUN = 5.0  # a step's sending stops this long after its planned end, whatever is left
MAX_RECONNECTS_PER_STEP = 3
IDLE_SECONDS = 3.0  # the CPU baseline before the ladder
RAMP_CONCURRENCY = 20  # after the storm, sockets still closed open this many at a time …
RAMP_ROUNDS = 3  # … in up to this many rounds
QUIET_CORES = 0.25  # the servers count as settled below this many cores (both processes) …
QUIET_TIMEOUT = 60.0  # … or after this long
CLOSE_TIMEOUT = 5.0


def now() -> float:
    return time.perf_counter()


# --- CPU from /proc ---------------------------------------------------------------------------------


def _stat_ticks(pid: int | str) -> int:
    """utime + stime (+ the waited-for children's, so exited PostgreSQL backends still count)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            rest = handle.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0
    return sum(int(x) for x in rest[11:15])


def _ticks_by_name(names: tuple[str, ...]) -> dict[str, int]:
    totals = dict.fromkeys(names, 0)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/comm") as handle:
                comm = handle.read().strip()
        except OSError:
            continue
        if comm in totals:
            totals[comm] += _stat_ticks(entry)
    return totals


def _machine_busy_ticks() -> int:
    """Busy time of all CPUs (/proc/stat: everything but idle and iowait)."""
    try:
        with open("/proc/stat") as handle:
            fields = [int(x) for x in handle.readline().split()[1:9]]
    except (OSError, ValueError):
        return 0
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return user + nice + system + irq + softirq + steal


def cpu_sample(server_pids: list[int]) -> dict[str, int]:
    sample = {"server": sum(_stat_ticks(pid) for pid in server_pids), "generator": _stat_ticks(os.getpid())}
    by_name = _ticks_by_name(("postgres", "redis-server"))
    sample["postgres"], sample["redis"] = by_name["postgres"], by_name["redis-server"]
    sample["machine"] = _machine_busy_ticks()
    return sample


def cores_between(before: dict, after: dict, seconds: float) -> dict[str, float]:
    """Cores used per part; "other": the rest of the machine (other people's work disturbs a step)."""
    cores = {key: (after[key] - before[key]) / CLK_TCK / max(seconds, 1e-6) for key in before}
    ours = sum(cores[key] for key in ("server", "generator", "postgres", "redis"))
    cores["other"] = max(0.0, cores.pop("machine") - ours)
    return cores


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _quantile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# --- one socket ------------------------------------------------------------------------------------


class Sent:
    __slots__ = ("cid", "step", "ticket", "sender", "t_send", "t_ack", "seq", "arrivals")

    def __init__(self, cid: str, step: int, ticket: int, sender: int):
        self.cid, self.step, self.ticket, self.sender = cid, step, ticket, sender
        self.t_send = self.t_ack = None
        self.seq = None
        self.arrivals: dict[int, tuple[str, float]] = {}  # socket index → ("live" | "resume", time)


class Sock:
    def __init__(self, spec: dict):
        self.idx, self.ticket, self.number = spec["idx"], spec["ticket"], spec["number"]
        self.kind, self.name, self.session, self.port = spec["kind"], spec.get("name", ""), spec.get("session"), spec["port"]
        self.ws = None
        self.reader = None
        self.state = "new"  # new | open | closed
        self.closing_by_us = False
        self.key = None
        self.hello = asyncio.Event()
        self.hello_at = None
        self.view: dict[str, dict] = {}  # presence key → who
        self.connected_once = False
        self.gap_timer = False
        self.reconnects = 0
        # The page's sequence state (static/js/messenger.js noteSeq / catchUp).
        self.last_seq = 0
        self.pending: set[int] = set()
        self.catching_up = False
        self.live_seqs: set[int] = set()
        self.live_cids: set[str] = set()

    def highest_seen(self) -> int:
        return max([self.last_seq, *self.pending])

    async def send_json(self, frame: dict) -> bool:
        if self.ws is None or self.state != "open":
            return False
        try:
            await self.ws.send(json.dumps(frame))
        except ConnectionClosed:
            return False
        return True


# --- the generator ---------------------------------------------------------------------------------


class Generator:
    def __init__(self, cfg: dict):
        self.cfg = cfg
        self.side = cfg["side"]
        self.leitstand = self.side == "leitstand"
        self.rng = random.Random(cfg.get("seed", 1))
        self.socks = [Sock(spec) for spec in cfg["sockets"]]
        self.tickets: list[list[Sock]] = [[] for _ in cfg["tickets"]]
        for sock in self.socks:
            self.tickets[sock.ticket].append(sock)
        self.server_pids = cfg["server_pids"]
        self.sent: dict[str, Sent] = {}
        self.phase = "storm"
        self.step = None  # the running step's counters
        self.steps: list[dict] = []
        self.step_recs: list[list[Sent]] = []
        self.step_counters: list[dict] = []
        self.handshake_failures: Counter = Counter()
        self.closes: dict[str, Counter] = {}
        self.errors: dict[str, Counter] = {}
        self.foreign = 0  # chat frames of messages this run did not send
        self.reader_errors: Counter = Counter()
        self.tasks: set[asyncio.Task] = set()
        self.keys: dict[str, int] = {}  # every presence key a socket of ours ever had → its index

    # --- plumbing ---------------------------------------------------------------------------------
    def spawn(self, coro) -> None:
        task = asyncio.ensure_future(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def url_and_headers(self, sock: Sock) -> tuple[str, dict]:
        origin = f"http://127.0.0.1:{sock.port}"
        if self.leitstand:
            # Like the page: the first connect asks for the newest 50 messages with its hello.
            query = "" if sock.connected_once else "?history=50"
            url = f"ws://127.0.0.1:{sock.port}/ws/tickets/{sock.number}/{query}"
            return url, {"Origin": origin, "Cookie": f"{self.cfg['session_cookie']}={sock.session}"}
        return f"ws://127.0.0.1:{sock.port}/ws/floor/{sock.number}/", {"Origin": origin}

    def count(self, table: dict, phase_key: str, what) -> None:
        table.setdefault(phase_key, Counter())[str(what)] += 1
        if self.step is not None and table is self.closes:
            self.step["closes"][str(what)] += 1
        if self.step is not None and table is self.errors:
            self.step["errors"][str(what)] += 1

    async def open(self, sock: Sock, deadline: float) -> bool:
        sock.hello, sock.hello_at, sock.key, sock.view = asyncio.Event(), None, None, {}
        url, headers = self.url_and_headers(sock)
        try:
            ws = await websockets.connect(
                url, additional_headers=headers, open_timeout=max(0.5, deadline - now()), ping_interval=None,
                close_timeout=2, proxy=None, max_size=2**22,
            )
        except InvalidStatus as error:
            self.handshake_failures[f"HTTP {error.response.status_code}"] += 1
            return False
        except (OSError, TimeoutError, InvalidHandshake, EOFError) as error:
            self.handshake_failures[type(error).__name__] += 1
            return False
        sock.ws, sock.state, sock.closing_by_us = ws, "open", False
        sock.reader = asyncio.create_task(self.read(sock, ws))
        if self.leitstand and sock.connected_once:
            self.catch_up(sock, force=True)  # like the page on a reconnect: catch up by number
        try:
            await asyncio.wait_for(sock.hello.wait(), timeout=max(0.1, deadline - now()))
        except TimeoutError:
            self.handshake_failures["no hello in time"] += 1
            return False
        return True

    async def close(self, sock: Sock) -> None:
        sock.closing_by_us = True
        if sock.ws is not None:
            try:
                await asyncio.wait_for(sock.ws.close(), CLOSE_TIMEOUT)
            except (TimeoutError, ConnectionClosed, OSError):
                pass
        if sock.reader is not None:
            try:
                await asyncio.wait_for(sock.reader, CLOSE_TIMEOUT)
            except (TimeoutError, asyncio.CancelledError):
                pass
        sock.state = "closed"

    async def read(self, sock: Sock, ws) -> None:
        try:
            async for raw in ws:
                try:
                    frame = json.loads(raw)
                except ValueError:
                    self.reader_errors["bad json"] += 1
                    continue
                self.on_frame(sock, frame, now())
        except ConnectionClosed:
            pass
        except Exception as error:  # noqa: BLE001 - counted and reported, the socket is closed below
            self.reader_errors[type(error).__name__] += 1
        finally:
            if sock.ws is ws:
                sock.state = "closed"
                if not sock.closing_by_us:
                    code = ws.close_code if ws.close_code is not None else 1006
                    self.count(self.closes, self.phase, code)
                    if self.phase == "ladder" and code != 4403 and sock.reconnects < MAX_RECONNECTS_PER_STEP:
                        self.spawn(self.reconnect(sock))

    async def reconnect(self, sock: Sock) -> None:
        """The page's reconnect: wait 0.5 s doubling (plus up to 0.25 s), then catch up by number."""
        sock.reconnects += 1
        await asyncio.sleep(0.5 * 2 ** (sock.reconnects - 1) + self.rng.random() * 0.25)
        if sock.state == "closed" and not sock.closing_by_us:
            if self.step is not None:
                self.step["reconnects"] += 1
            await self.open(sock, now() + REOPEN_TIMEOUT)

    # --- frames -----------------------------------------------------------------------------------
    def on_frame(self, sock: Sock, frame: dict, at: float) -> None:
        kind = frame.get("type")
        if kind == "hello":
            if frame.get("history") is not None and not sock.connected_once:
                self.on_frame(sock, {"type": "message.batch", "messages": frame["history"], "older": True}, at)
            sock.connected_once = True
            sock.key = (frame.get("me") or {}).get("key") or f"floor-{sock.idx}"
            self.keys[sock.key] = sock.idx
            sock.hello_at = at
            sock.hello.set()
        elif kind == "presence":
            who = frame.get("who") or {}
            if frame.get("change") == "join":
                sock.view[who.get("key")] = who
            else:
                sock.view.pop(who.get("key"), None)
        elif kind == "message.ack":
            rec = self.sent.get(frame.get("client_id"))
            if rec is not None and rec.t_ack is None:
                rec.t_ack, rec.seq = at, frame.get("seq")
            elif rec is not None and self.step is not None:
                self.step["dup_acks"] += 1
            if self.leitstand:
                self.note_seq(sock, frame.get("seq"))
        elif kind == "chat.message":
            message = frame.get("message") or {}
            seq = message.get("seq")
            if self.leitstand and isinstance(seq, int):
                if seq in sock.live_seqs:
                    self._dup(message)
                sock.live_seqs.add(seq)
            elif not self.leitstand:
                cid = message.get("client_id")
                if cid in sock.live_cids:
                    self._dup(message)
                sock.live_cids.add(cid)
            self.arrival(sock, message, "live", at)
            if self.leitstand:
                self.note_seq(sock, seq)
        elif kind == "message.batch":
            messages = frame.get("messages") or []
            if frame.get("older"):
                for message in messages:  # the first page of history: all before it counts as known
                    sock.last_seq = max(sock.last_seq, message.get("seq") or 0)
                    self.arrival(sock, message, "resume", at)
            else:
                sock.catching_up = False
                for message in messages:
                    self.arrival(sock, message, "resume", at)
                    self.note_seq(sock, message.get("seq"))
                if frame.get("more"):
                    self.catch_up(sock, force=True)
        elif kind == "error":
            self.count(self.errors, self.phase, frame.get("code"))

    def _dup(self, message: dict) -> None:
        rec = self.sent.get(message.get("client_id"))
        if rec is not None:
            self.step_counters[rec.step]["dup"] += 1
        elif self.step is not None:
            self.step["dup"] += 1

    def arrival(self, sock: Sock, message: dict, how: str, at: float) -> None:
        rec = self.sent.get(message.get("client_id"))
        if rec is None:
            self.foreign += 1
            return
        if sock.idx == rec.sender:
            return  # the sender's own copy (Leitstand and the floor both send it)
        if sock.idx in rec.arrivals:
            if how == "resume" or rec.arrivals[sock.idx][0] == "resume":
                self.step_counters[rec.step]["overlap"] += 1  # fetched again, or live after a resume
            return
        rec.arrivals[sock.idx] = (how, at)

    def note_seq(self, sock: Sock, seq) -> None:
        """static/js/messenger.js noteSeq: a number beyond the next one means a gap: fetch it."""
        if not isinstance(seq, int):
            return
        if seq > sock.last_seq:
            sock.pending.add(seq)
        while sock.last_seq + 1 in sock.pending:
            sock.last_seq += 1
            sock.pending.discard(sock.last_seq)
        if sock.pending and not sock.gap_timer:
            sock.gap_timer = True
            asyncio.get_running_loop().call_later(GAP_GRACE, self._gap_check, sock)

    def _gap_check(self, sock: Sock) -> None:
        """Like the page: a missing number may be late (pushed out of order); fetch it if still missing."""
        sock.gap_timer = False
        if sock.pending:
            self.catch_up(sock, force=False)

    def catch_up(self, sock: Sock, *, force: bool) -> None:
        if sock.catching_up and not force:
            return
        sock.catching_up = True
        if self.step is not None:
            self.step["resumes"] += 1
        self.spawn(sock.send_json({"type": "resume", "after_seq": sock.last_seq}))

    # --- the connect storm and presence -------------------------------------------------------------
    async def storm(self) -> dict:
        self.phase = "storm"
        started = now()
        deadline = started + STORM_TIMEOUT
        try:
            results = await asyncio.wait_for(
                asyncio.gather(*(self.open(sock, deadline) for sock in self.socks), return_exceptions=True),
                STORM_TIMEOUT + 15,
            )
        except TimeoutError:
            results = [TimeoutError()]
        unexpected = Counter(type(r).__name__ for r in results if isinstance(r, BaseException))
        hellos = [s.hello_at - started for s in self.socks if s.hello_at is not None]
        report = {
            "sockets": len(self.socks),
            "with_hello": len(hellos),
            "all_hello_s": max(hellos) if len(hellos) == len(self.socks) else None,
            "hello_p50_s": _quantile(hellos, 0.5),
            "hello_p99_s": _quantile(hellos, 0.99),
            "hello_max_s": max(hellos) if hellos else None,
            "handshake_failures": dict(self.handshake_failures),
            "unexpected": dict(unexpected),
            "closes": dict(self.closes.get("storm", {})),
            "errors": dict(self.errors.get("storm", {})),
        }
        print(
            f"[{self.side}] connect storm: {len(hellos)}/{len(self.socks)} sockets with hello, "
            f"last after {report['hello_max_s'] or 0:.2f} s; handshake failures {dict(self.handshake_failures) or 'none'}",
            flush=True,
        )
        return report

    def expected_view(self, sock: Sock) -> set[str]:
        return {
            other.key for other in self.tickets[sock.ticket]
            if other is not sock and other.state == "open" and other.key
            and (sock.kind == "staff" or other.kind == "staff")
        }

    def presence_state(self) -> dict:
        checked = exact = ghosts = missing = ghosts_unknown = 0
        examples = []
        for sock in self.socks:
            if sock.state != "open" or not sock.key:
                continue
            checked += 1
            expected, seen = self.expected_view(sock), set(sock.view)
            ghost, miss = seen - expected, expected - seen
            ghosts += len(ghost)
            ghosts_unknown += sum(1 for key in ghost if key not in self.keys)
            missing += len(miss)
            if not ghost and not miss:
                exact += 1
            elif len(examples) < 5:
                examples.append({
                    "socket": sock.idx, "ticket": sock.number, "kind": sock.kind,
                    "ghosts": [sock.view[k].get("name") for k in ghost], "missing": sorted(miss),
                })
        # A ghost with an unknown key is a socket whose handshake this client gave up on (the server
        # went on with it); a known key belongs to a socket of ours that is closed now.
        return {"checked": checked, "exact": exact, "failed": checked - exact, "ghosts": ghosts,
                "ghosts_unknown": ghosts_unknown, "missing": missing, "examples": examples}

    async def presence_check(self, label: str) -> dict:
        self.phase = "presence"
        started = now()
        deadline = started + PRESENCE_SETTLE
        state = self.presence_state()
        while state["failed"] and now() < deadline:
            await asyncio.sleep(0.25)
            state = self.presence_state()
        settled = now() - started if not state["failed"] else None
        await asyncio.sleep(PRESENCE_HOLD)  # stays exact? a late stray join or leave shows here
        state = self.presence_state()
        state.update(label=label, settled_s=settled)
        print(
            f"[{self.side}] presence {label}: {state['exact']}/{state['checked']} sockets exact, "
            f"{state['ghosts']} ghost names ({state['ghosts_unknown']} of sockets whose handshake failed), "
            f"{state['missing']} missing"
            + (f" (exact after {settled:.2f} s)" if settled is not None else " (never all exact)"),
            flush=True,
        )
        return state

    async def presence_rounds(self) -> list[dict]:
        """With every socket open (after the ramp): close one per ticket, check, reopen them at once, check."""
        rounds = [await self.presence_check("all open (after the ramp)")]
        victims = []  # one open socket per ticket, staff and code users by turns
        for t, sockets in enumerate(self.tickets):
            open_ones = [s for s in sockets if s.state == "open"]
            if open_ones:
                victims.append(open_ones[t % len(open_ones)])
        await asyncio.wait_for(
            asyncio.gather(*(self.close(s) for s in victims), return_exceptions=True), CLOSE_TIMEOUT * 3
        )
        rounds.append(await self.presence_check(f"after closing {len(victims)} (1 per ticket)"))
        deadline = now() + REOPEN_TIMEOUT
        await asyncio.wait_for(
            asyncio.gather(*(self.open(s, deadline) for s in victims), return_exceptions=True), REOPEN_TIMEOUT + 10
        )
        rounds.append(await self.presence_check(f"after reopening those {len(victims)} at once"))
        return rounds

    async def ensure_open(self) -> int:
        """Open the sockets that are closed, a few at a time (not another storm), in bounded rounds."""
        closed = [s for s in self.socks if s.state != "open"]
        gate = asyncio.Semaphore(RAMP_CONCURRENCY)

        async def gently(sock: Sock) -> None:
            async with gate:
                if sock.state != "open":
                    await self.open(sock, now() + REOPEN_TIMEOUT)

        for _round in range(RAMP_ROUNDS):
            waiting = [s for s in self.socks if s.state != "open"]
            if not waiting:
                break
            budget = REOPEN_TIMEOUT * (len(waiting) / RAMP_CONCURRENCY + 1) + 10
            try:
                await asyncio.wait_for(asyncio.gather(*(gently(s) for s in waiting), return_exceptions=True), budget)
            except TimeoutError:
                pass
        return len(closed)

    async def quiet(self) -> dict:
        """Wait until the servers are (nearly) idle: the ladder measures messages, not a storm's aftermath."""
        started = now()
        calm = 0
        cores = None
        while now() - started < QUIET_TIMEOUT:
            before, t0 = cpu_sample(self.server_pids), now()
            await asyncio.sleep(1.0)
            cores = (cpu_sample(self.server_pids)["server"] - before["server"]) / CLK_TCK / (now() - t0)
            calm = calm + 1 if cores < QUIET_CORES else 0
            if calm >= 2:
                break
        return {"waited_s": now() - started, "quiet": calm >= 2, "last_cores": cores}

    async def ramp(self) -> dict:
        """After the storm: the sockets still closed open gently, then the servers settle."""
        self.phase = "ramp"
        started = now()
        before_open = sum(1 for s in self.socks if s.state == "open")
        await self.ensure_open()
        ramp_s = now() - started
        settled = await self.quiet()
        report = {
            "open_before": before_open, "open_after": sum(1 for s in self.socks if s.state == "open"),
            "ramp_s": ramp_s, **settled,
        }
        print(
            f"[{self.side}] ramp: {report['open_before']} → {report['open_after']} of {len(self.socks)} sockets open "
            f"in {ramp_s:.1f} s ({RAMP_CONCURRENCY} at a time); servers "
            + (f"quiet after {settled['waited_s']:.1f} s" if settled["quiet"] else
               f"still busy after {settled['waited_s']:.0f} s ({settled['last_cores']:.2f} cores)"),
            flush=True,
        )
        return report

    # --- the ladder ----------------------------------------------------------------------------------
    def pick_sender(self) -> Sock | None:
        for _ in range(10):
            candidates = [s for s in self.rng.choice(self.tickets) if s.state == "open"]
            if candidates:
                return self.rng.choice(candidates)
        return None

    def complete(self, recs: list[Sent]) -> bool:
        for rec in recs:
            if rec.t_send is None:
                continue
            if rec.t_ack is None or len(rec.arrivals) < len(self.tickets[rec.ticket]) - 1:
                return False
        return True

    def tally(self, index: int) -> dict:
        recs = self.step_recs[index]
        acked = [r for r in recs if r.t_ack is not None]
        latencies, live, resumed, expected, tail = [], 0, 0, 0, 0
        for rec in acked:
            others = [s for s in self.tickets[rec.ticket] if s.idx != rec.sender]
            expected += len(others)
            for sock in others:
                arrival = rec.arrivals.get(sock.idx)
                if arrival is None:
                    if self.leitstand and isinstance(rec.seq, int) and rec.seq > sock.highest_seen():
                        tail += 1  # no later number reached this socket: the page cannot see the gap
                    continue
                if arrival[0] == "live":
                    live += 1
                    latencies.append((arrival[1] - rec.t_send) * 1000)
                else:
                    resumed += 1
        return {
            "sent": sum(1 for r in recs if r.t_send is not None), "acked": len(acked), "expected": expected,
            "live": live, "resumed": resumed, "lost": expected - live - resumed, "tail_lost": tail,
            "p50_ms": _quantile(latencies, 0.5), "p99_ms": _quantile(latencies, 0.99),
            "max_ms": max(latencies) if latencies else None,
            "ack_p99_ms": _quantile([(r.t_ack - r.t_send) * 1000 for r in acked], 0.99),
        }

    def pg_sessions(self) -> int | None:
        """PostgreSQL sessions opened on the bench database so far (pg_stat_database, PostgreSQL 14+)."""
        if not self.leitstand:
            return None
        import psycopg

        try:
            with psycopg.connect(self.cfg["database_url"], connect_timeout=10) as connection:
                row = connection.execute(
                    "SELECT sessions FROM pg_stat_database WHERE datname = current_database()"
                ).fetchone()
        except psycopg.Error:
            return None
        return row[0] if row else None

    def stored(self, index: int) -> int | None:
        if not self.leitstand:
            return None
        import psycopg

        with psycopg.connect(self.cfg["database_url"], connect_timeout=10) as connection:
            row = connection.execute(
                "SELECT count(*) FROM messenger_message WHERE client_id LIKE %s",
                [f"{self.cfg['run_id']}-{self.side[0]}{index}-%"],
            ).fetchone()
        return row[0]

    async def run_step(self, index: int, rate: float) -> dict:
        seconds, drain = self.cfg["step_seconds"], self.cfg["drain_seconds"]
        counters = {"closes": Counter(), "errors": Counter(), "dup": 0, "overlap": 0, "resumes": 0, "dup_acks": 0,
                    "reconnects": 0, "send_failed": 0, "no_sender": 0, "cut": 0, "max_lag_ms": 0.0}
        self.step_counters.append(counters)
        self.step_recs.append([])
        recs = self.step_recs[index]
        reopened = await self.ensure_open()
        open_at_start = sum(1 for s in self.socks if s.state == "open")
        for sock in self.socks:
            sock.reconnects = 0
        self.step = counters
        planned = max(1, round(rate * seconds))
        sessions_before = self.pg_sessions()
        cpu_before = cpu_sample(self.server_pids)
        started = now()
        for k in range(planned):
            delay = started + k / rate - now()
            if delay > 0:
                await asyncio.sleep(delay)
            else:
                counters["max_lag_ms"] = max(counters["max_lag_ms"], -delay * 1000)
            if now() - started > seconds + SEND_OVERRUN:
                counters["cut"] = planned - k
                break
            sender = self.pick_sender()
            if sender is None:
                counters["no_sender"] += 1
                continue
            cid = f"{self.cfg['run_id']}-{self.side[0]}{index}-{k}"
            rec = Sent(cid, index, sender.ticket, sender.idx)
            self.sent[cid] = rec
            recs.append(rec)
            text = f"Lasttest {rate:g}/s, Nachricht {k}: Pumpe 3 verliert wieder Öl an der Dichtung"
            rec.t_send = now()
            if not await sender.send_json({"type": "message.send", "text": text, "client_id": cid}):
                rec.t_send = None
                counters["send_failed"] += 1
        sent_for = now() - started
        drain_deadline = now() + drain
        while now() < drain_deadline and not self.complete(recs):
            await asyncio.sleep(0.05)
        drained = now() - started - sent_for
        cpu_after, elapsed = cpu_sample(self.server_pids), now() - started
        sessions_after = self.pg_sessions()
        self.step = None
        result = self.tally(index)
        acked = max(result["acked"], 1)
        ticks = {key: cpu_after[key] - cpu_before[key] for key in cpu_before}
        result.update(
            index=index, rate=rate, planned=planned, seconds=round(sent_for, 2), drain_s=round(drained, 2),
            reopened_before=reopened, open_at_start=open_at_start, stored=self.stored(index),
            pg_sessions_per_msg=(None if sessions_before is None or sessions_after is None
                                 else (sessions_after - sessions_before - 1) / acked),
            cpu_ms_per_msg={key: 1000 * ticks[key] / CLK_TCK / acked for key in ("server", "postgres", "redis")},
            cpu_cores=cores_between(cpu_before, cpu_after, elapsed),
            closes=dict(counters["closes"]), errors=dict(counters["errors"]),
            **{key: counters[key] for key in ("dup", "overlap", "resumes", "dup_acks", "reconnects", "send_failed",
                                             "no_sender", "cut")},
            max_lag_ms=round(counters["max_lag_ms"], 1),
        )
        result["passed"], result["clear_fail"] = verdict(result)
        self.steps.append(result)
        print(f"[{self.side}] {step_line(result)}", flush=True)
        return result

    async def idle_baseline(self, seconds: float = IDLE_SECONDS) -> dict:
        """CPU with every socket open and nothing sent: what a step's per-message figures include anyway."""
        before, started = cpu_sample(self.server_pids), now()
        await asyncio.sleep(seconds)
        return cores_between(before, cpu_sample(self.server_pids), now() - started)

    async def ladder(self) -> None:
        self.phase = "ladder"
        for index, rate in enumerate(self.cfg["rates"]):
            result = await self.run_step(index, rate)
            if result["clear_fail"]:
                print(f"[{self.side}] stopping the ladder: {result['clear_fail']}", flush=True)
                break

    def finish_steps(self) -> None:
        """Deliveries that arrived after their step's drain (counted lost there) are reported as late."""
        for result in self.steps:
            final = self.tally(result["index"])
            result["late"] = (final["live"] + final["resumed"]) - (result["live"] + result["resumed"])
            result["lost_at_end"] = final["lost"]

    def conversation_check(self) -> dict | None:
        """Leitstand's promise in the database: per ticket 1, 2, 3 … without gaps, no client id twice."""
        if not self.leitstand:
            return None
        import psycopg

        numbers = [t["number"] for t in self.cfg["tickets"]]
        with psycopg.connect(self.cfg["database_url"], connect_timeout=10) as connection:
            rows = connection.execute(
                """
                SELECT t.number, count(m.id), coalesce(max(m.seq), 0), count(DISTINCT m.seq),
                       count(m.id) FILTER (WHERE m.client_id <> ''), count(DISTINCT nullif(m.client_id, '')),
                       coalesce(c.last_seq, 0)
                FROM tickets_ticket t
                LEFT JOIN messenger_message m ON m.ticket_id = t.id
                LEFT JOIN messenger_conversation c ON c.ticket_id = t.id
                WHERE t.number = ANY(%s)
                GROUP BY t.number, c.last_seq
                """,
                [numbers],
            ).fetchall()
        bad = [
            {"ticket": n, "messages": c, "max_seq": mx, "distinct_seq": ds, "last_seq": ls}
            for n, c, mx, ds, cc, dc, ls in rows if not (c == mx == ds == ls and cc == dc)
        ]
        return {"tickets": len(rows), "messages": sum(r[1] for r in rows), "inconsistent": bad[:10],
                "inconsistent_count": len(bad)}

    async def run(self) -> dict:
        out: dict = {"side": self.side}
        try:
            out["storm"] = await self.storm()
            storm_failures = dict(self.handshake_failures)
            presence = self.leitstand and self.cfg.get("presence", True)
            if presence:
                out["presence"] = [await self.presence_check("after the storm")]
            out["ramp"] = await self.ramp()
            out["ramp"]["handshake_failures"] = dict(Counter(self.handshake_failures) - Counter(storm_failures))
            if presence:
                out["presence"] += await self.presence_rounds()
                if await self.ensure_open():
                    await self.quiet()
            out["idle_cores"] = await self.idle_baseline()
            await self.ladder()
            self.finish_steps()
        finally:
            self.phase = "end"
            out["rss_kib"] = [_rss_kib(pid) for pid in self.server_pids]
            open_socks = [s for s in self.socks if s.state == "open"]
            try:
                await asyncio.wait_for(asyncio.gather(*(self.close(s) for s in open_socks)), CLOSE_TIMEOUT * 3)
            except TimeoutError:
                out["close_timeout"] = True
            for task in list(self.tasks):
                task.cancel()
        out["steps"] = self.steps
        out["closes"] = {phase: dict(counter) for phase, counter in self.closes.items()}
        out["errors"] = {phase: dict(counter) for phase, counter in self.errors.items()}
        out["foreign_messages"] = self.foreign
        out["reader_errors"] = dict(self.reader_errors)
        out["conversations"] = self.conversation_check()
        return out


def verdict(result: dict) -> tuple[bool, str | None]:
    """(passed, why it failed clearly). Passed: p99 < 100 ms, nothing lost, every message acknowledged."""
    p99, expected = result["p99_ms"], max(result["expected"], 1)
    passed = (
        p99 is not None and p99 < 100 and result["lost"] == 0 and result["acked"] == result["sent"] == result["planned"]
    )
    reasons = []
    if p99 is None or p99 > 1000:
        reasons.append(f"p99 {'n/a' if p99 is None else f'{p99:.0f} ms'} > 1 s")
    if result["lost"] > 0.01 * expected:
        reasons.append(f"lost {result['lost']} of {result['expected']} deliveries (> 1 %)")
    if result["acked"] < 0.99 * max(result["planned"], 1):
        reasons.append(f"acked {result['acked']} of {result['planned']} planned messages (< 99 %)")
    return passed, "; ".join(reasons) or None


def step_line(r: dict) -> str:
    def ms(value):
        return "n/a" if value is None else f"{value:.0f}"

    return (
        f"{r['rate']:g}/s: sent {r['sent']}/{r['planned']}, acked {r['acked']}, p50 {ms(r['p50_ms'])} ms, "
        f"p99 {ms(r['p99_ms'])} ms, deliveries {r['expected']} expected / {r['live']} live / {r['resumed']} resumed / "
        f"{r['lost']} lost / {r['dup']} dup, server {r['cpu_ms_per_msg']['server']:.1f} ms CPU/msg"
        f" -> {'PASS' if r['passed'] else 'fail'}"
    )


def main() -> int:
    with open(sys.argv[1]) as handle:
        cfg = json.load(handle)
    result = asyncio.run(Generator(cfg).run())
    with open(cfg["out"], "w") as handle:
        json.dump(result, handle, indent=1, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
