"""Redis dies for 10 s during a steady chat between two server processes, and comes back empty.

The test starts its own redis-server (no persistence: the restart loses every group and queue,
like a crashed Redis) and two daphne processes using it. Three public tickets, each with four open
pages (staff and code users, spread over both servers); each page is a small asyncio client that
speaks the socket protocol the way static/js/messenger.js does: it resumes after its last
contiguous number on every (re)connect (paging while "more"), fetches gaps, shows each message once
(duplicates are dropped by id and counted), keeps an outbox of unacknowledged messages and resends
it after a reconnect, and reconnects with a bounded backoff (reset once "hello" arrives, so a
socket accepted and closed at once still backs off). Two more pages open *during* the outage
(their handshakes are what the issue asks about).

Required afterwards (the issue), each reported on its own when it fails:
(a) every message sent is stored exactly once (one refused with an error frame: not at all);
(b) every page holds every stored message of its ticket (numbers 1..N) and shows each once;
(c) no handshake answered HTTP 500, nor did page loads during the outage;
(d) no crashed consumer: no traceback in the server logs, sockets closed only with clear codes;
(e) presence on every page equals the sockets then open on its ticket (code users see staff only).
The output also lists the close codes and handshake outcomes seen, ack latencies, how many
messages were stored while Redis was down, and each kind of logged traceback once.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter

import pytest
import websockets
from django.utils import timezone
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from tests.factories import AccessCodeFactory, CodeUserFactory, UserFactory, make_ticket
from tests.messenger.conftest import session_cookie_for_code_user, session_cookie_for_staff
from tests.servers import BASE_DIR, servers_on_own_redis
from tickets.choices import Status

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]

TICKETS = 3
CHAT_BEFORE = 3.0  # s of chat before Redis stops
OUTAGE = 10.0  # s without Redis
CHAT_AFTER = 5.0  # s of chat after Redis is back
SETTLE = 20.0  # at most this long for every page to hold everything (a working system needs ~1 s)
TICK = 0.2  # one message every TICK across all writers (each writer stays below the rate limit)
BACKOFF_FIRST, BACKOFF_MAX = 0.25, 2.0  # the client's reconnect backoff (bounded)
# Close codes that say what happened: normal, going away, service restart, try again later, and
# the application's own range (daphne/autobahn refuse to send 1011-1014 from a server: "invalid
# close code 1013 (must be 1000 or from [3000, 4999])", so "try again" must travel as 3xxx/4xxx) —
# except 4403, which tells the page to give up. 1011 (the consumer crashed) and 1006 (no close
# frame) are not clear.
CLEAR_CLOSE_CODES = {1000, 1001, 1012, 1013, *range(3000, 4403), *range(4404, 5000)}


@pytest.fixture(params=["redis", "redis-pubsub"])
def outage_setup(request):
    """Our own Redis and two servers on it, with either channel layer (``CHANNEL_LAYER_BACKEND``:
    the list layer's receive fails in an outage, the Pub/Sub layer's subscription breaks, and
    both must end the same); both servers' logs are read afterwards."""
    with servers_on_own_redis(2, extra_env={"CHANNEL_LAYER_BACKEND": request.param}) as (redis, servers):
        yield redis, servers


class Page:
    """One open ticket page: the protocol of static/js/messenger.js, with everything recorded."""

    def __init__(self, name, server, ticket, session, kind):
        self.name, self.server, self.ticket, self.session, self.kind = name, server, ticket, session, kind
        self.url = f"ws://127.0.0.1:{server.port}/ws/tickets/{ticket.number}/"
        self.shown: list[int] = []  # message ids in the order the page showed them
        self.seq_of_id: dict[int, int] = {}
        self.id_of_seq: dict[int, int] = {}
        self.conflicts: list[str] = []  # one number, two different messages
        self.deliveries: Counter = Counter()  # message id -> how often a frame brought it
        self.last_seq, self.ahead, self.catching_up = 0, set(), False
        self.outbox: dict[str, str] = {}  # client id -> text, until acknowledged (or seen stored)
        self.sent: dict[str, str] = {}  # every message this page's writer produced
        self.acked: dict[str, int] = {}
        self.written_at: dict[str, float] = {}  # client id -> when the writer wrote it (loop time)
        self.ack_after: dict[str, float] = {}  # client id -> seconds until the first ack
        self.refused: dict[str, dict] = {}  # client id -> the error frame that refused it
        self.errors: list[dict] = []
        self.presence: dict[str, dict] = {}  # presence key -> who
        self.me = None  # from "hello" on the current socket
        self.socket = None
        self.connects = 0
        self.closes: list[tuple] = []  # (close code, reason, seconds since the test began)
        self.failed_handshakes: list = []  # HTTP status (InvalidStatus) or the error's name
        self.first_handshake = None  # the outcome of the very first attempt
        self.stopping = asyncio.Event()

    # --- connection ---------------------------------------------------------------------------
    async def run(self, clock):
        backoff = BACKOFF_FIRST
        while not self.stopping.is_set():
            try:
                socket = await websockets.connect(
                    self.url, additional_headers={"Cookie": f"sessionid={self.session}", "Origin": self.server.url},
                    open_timeout=5, close_timeout=2, ping_interval=None,
                )
            except InvalidStatus as error:
                self.failed_handshakes.append(error.response.status_code)
                self.first_handshake = self.first_handshake or f"HTTP {error.response.status_code}"
            except (OSError, TimeoutError, InvalidHandshake) as error:
                self.failed_handshakes.append(type(error).__name__)
                self.first_handshake = self.first_handshake or type(error).__name__
            else:
                self.connects += 1
                self.socket = socket
                try:
                    await self._opened()
                    async for raw in socket:
                        frame = json.loads(raw)
                        if frame.get("type") == "hello":
                            backoff = BACKOFF_FIRST
                            self.first_handshake = self.first_handshake or "hello"
                        await self._receive(frame)
                except ConnectionClosed:
                    pass
                finally:
                    self.socket, self.me, self.catching_up = None, None, False
                    self.presence.clear()  # as the page does: presence is rebuilt on the next socket
                    if not self.stopping.is_set():
                        self.closes.append((socket.close_code, socket.close_reason, round(clock(), 1)))
                        self.first_handshake = self.first_handshake or f"accepted, closed {socket.close_code}"
            if self.stopping.is_set():
                break
            try:  # the backoff, cut short when the test ends
                await asyncio.wait_for(self.stopping.wait(), backoff + random.uniform(0, 0.25))
            except TimeoutError:
                pass
            backoff = min(backoff * 2, BACKOFF_MAX)

    async def stop(self):
        self.stopping.set()
        if self.socket is not None:
            await self.socket.close()

    async def _opened(self):
        """Every (re)connect: catch up after the last contiguous number, then resend the outbox."""
        await self._catch_up(force=True)
        for client_id, text in list(self.outbox.items()):
            await self._frame({"type": "message.send", "text": text, "client_id": client_id})

    async def _frame(self, data) -> bool:
        socket = self.socket
        if socket is None:
            return False
        try:
            await socket.send(json.dumps(data))
        except ConnectionClosed:
            return False
        return True

    # --- writing --------------------------------------------------------------------------------
    async def write(self, text):
        client_id = f"{self.name}-{len(self.sent)}-{uuid.uuid4().hex[:8]}"
        self.sent[client_id] = text
        self.written_at[client_id] = asyncio.get_running_loop().time()
        self.outbox[client_id] = text
        await self._frame({"type": "message.send", "text": text, "client_id": client_id})

    async def _resend_later(self, client_id):
        await asyncio.sleep(2.0)  # what the page does after "rate_limited" or "busy"
        if client_id in self.outbox:
            await self._frame({"type": "message.send", "text": self.outbox[client_id], "client_id": client_id})

    async def _resume_later(self):
        await asyncio.sleep(1.0)
        await self._catch_up(force=True)

    # --- receiving ------------------------------------------------------------------------------
    async def _receive(self, frame):
        kind = frame.get("type")
        if kind == "hello":
            self.me = frame["me"]
        elif kind == "message.ack":
            self.outbox.pop(frame["client_id"], None)
            self.acked[frame["client_id"]] = frame["id"]
            if frame["client_id"] in self.written_at:
                self.ack_after.setdefault(frame["client_id"], asyncio.get_running_loop().time() - self.written_at[frame["client_id"]])
            self._show(frame["id"], frame["seq"])  # the pending bubble settles on the stored id
            await self._note_seq(frame["seq"])
        elif kind == "chat.message":
            self._deliver(frame["message"])
            await self._note_seq(frame["message"]["seq"])
        elif kind == "message.batch" and not frame.get("older"):
            for message in frame["messages"]:
                self._deliver(message)
            self.catching_up = False
            for message in frame["messages"]:
                await self._note_seq(message["seq"])
            if frame.get("more"):
                await self._catch_up(force=True)
        elif kind == "presence":
            if frame["change"] == "join":
                self.presence[frame["who"]["key"]] = frame["who"]
            else:
                self.presence.pop(frame["who"]["key"], None)
        elif kind == "error":
            self.errors.append(frame)
            client_id = frame.get("client_id")
            again = frame.get("code") in ("rate_limited", "busy")  # "not now": the page tries again
            if again and frame.get("frame_type") == "resume":
                asyncio.get_running_loop().create_task(self._resume_later())
            elif client_id in self.outbox:
                if again:
                    asyncio.get_running_loop().create_task(self._resend_later(client_id))
                else:  # refused with a reason: the page marks it failed and forgets it
                    self.refused[client_id] = frame
                    self.outbox.pop(client_id)

    def _deliver(self, message):
        self.deliveries[message["id"]] += 1
        if message.get("client_id") in self.outbox:  # my own, seen stored: settles the bubble
            self.outbox.pop(message["client_id"])
        self._show(message["id"], message["seq"])

    def _show(self, message_id, seq):
        if message_id in self.seq_of_id:
            return  # shown already: the page keeps one node per id
        if seq in self.id_of_seq and self.id_of_seq[seq] != message_id:
            self.conflicts.append(f"seq {seq}: ids {self.id_of_seq[seq]} and {message_id}")
        self.shown.append(message_id)
        self.seq_of_id[message_id] = seq
        self.id_of_seq.setdefault(seq, message_id)

    async def _note_seq(self, seq):
        if not isinstance(seq, int):
            return
        if seq > self.last_seq:
            self.ahead.add(seq)
        while self.last_seq + 1 in self.ahead:
            self.last_seq += 1
            self.ahead.discard(self.last_seq)
        if self.ahead:  # a number beyond the next one: fetch the gap
            await self._catch_up(force=False)

    async def _catch_up(self, *, force):
        if self.catching_up and not force:
            return
        self.catching_up = True
        await self._frame({"type": "resume", "after_seq": self.last_seq})

    # --- what the test compares -----------------------------------------------------------------
    @property
    def duplicates(self) -> int:
        return sum(count - 1 for count in self.deliveries.values() if count > 1)

    def sees(self, other) -> bool:
        """Code users see staff only (names in presence); staff see everyone."""
        return self.kind == "staff" or other.kind == "staff"


def _stored(ticket_ids):
    """{ticket id: {seq: (message id, client id)}} from the database (own connection, closed)."""
    from django.db import connection

    from messenger.models import Message

    try:
        stored = {ticket_id: {} for ticket_id in ticket_ids}
        for ticket_id, seq, pk, client_id in Message.objects.filter(ticket_id__in=ticket_ids).values_list(
            "ticket_id", "seq", "id", "client_id"
        ):
            stored[ticket_id][seq] = (pk, client_id)
        return stored
    finally:
        connection.close()


def _get(url, session, timeout=15.0):
    """An HTTP GET with a session cookie: (status, seconds)."""
    started = time.monotonic()
    request = urllib.request.Request(url, headers={"Cookie": f"sessionid={session}"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
        status = type(error).__name__
    return status, round(time.monotonic() - started, 2)


def _converged(pages, stored):
    """What is still missing: [] when every page holds everything and sees exactly who is there."""
    missing = []
    for page in pages:
        want = set(stored[page.ticket.pk])
        have = set(page.seq_of_id.values())
        if have != want:
            missing.append(f"{page.name}: lacks seqs {sorted(want - have)[:10]}, extra {sorted(have - want)[:10]}")
        if page.outbox:
            missing.append(f"{page.name}: {len(page.outbox)} unacknowledged in the outbox")
        if page.me is None:
            missing.append(f"{page.name}: not connected")
            continue
        expected = {o.me["key"] for o in pages if o is not page and o.ticket == page.ticket and o.me and page.sees(o)}
        if set(page.presence) != expected:
            names = {k: w["name"] for k, w in page.presence.items()}
            missing.append(f"{page.name}: presence {sorted(names.values())} ≠ {len(expected)} open sockets "
                           f"(stale {sorted(set(page.presence) - expected)}, missing {sorted(expected - set(page.presence))})")
    return missing


def _log_summary(server) -> tuple[str, int, str]:
    """(the full log, a summary): each kind of traceback once, with what logged it, the frames in
    the project's own code and the exception, and how often it occurred."""
    text = server.log_path.read_text(errors="replace") if server.log_path.exists() else ""
    lines = text.splitlines()
    kinds: Counter = Counter()
    example: dict = {}
    blocks, i = 0, 0
    while i < len(lines):
        line = lines[i]
        if not line.startswith("Traceback"):
            i += 1
            continue
        blocks += 1
        logged_by = lines[i - 1].strip()[:120] if i else ""
        logged_by = re.sub(r"specific\.[\w!.]+|\('127\.0\.0\.1', \d+\)|127\.0\.0\.1:\d+|\d{4}-\d{6}", "…", logged_by)
        frames, chain, j = [], [], i + 1
        while j < len(lines):
            current = lines[j]
            if current.lstrip().startswith("File") and str(BASE_DIR) in current and "/.venv/" not in current:
                frames.append(current.strip())
            if current.startswith((" ", "Traceback", "During handling", "The above exception")) or not current.strip():
                j += 1
                continue
            chain.append(re.sub(r"\('127\.0\.0\.1', \d+\)|127\.0\.0\.1:\d+", "<redis>", current.strip())[:110])
            if j + 2 < len(lines) and lines[j + 2].startswith(("During handling", "The above exception")):
                j += 1  # a cause's last line: the chain goes on
                continue
            break  # the exception's line: the end of this traceback
        error = " ← ".join(dict.fromkeys(reversed(chain))) or "?"
        key = (logged_by, error)
        kinds[key] += 1
        example.setdefault(key, (frames[-3:], error))
        i = j + 1
    parts = [f"--- server {server.port}: {blocks} logged tracebacks, "
             f"{text.count('Exception inside application')} 'Exception inside application'"]
    for (logged_by, _), count in kinds.most_common(10):
        frames, error = example[(logged_by, _)]
        parts.append(f"  {count}× after {logged_by!r}: {error}" + "".join(f"\n      {f}" for f in frames))
    return text, blocks, "\n".join(parts)


def test_redis_outage_during_a_steady_chat_loses_and_doubles_nothing(outage_setup):
    redis, (first, second) = outage_setup
    pages, tickets, sessions = [], [], {}
    for t in range(TICKETS):
        code = AccessCodeFactory()
        staff = [UserFactory(first_name=f"Staff{t}", last_name=name) for name in ("Eins", "Zwei")]
        ticket = make_ticket(Status.IN_PROGRESS, access_code=code, assignees=staff)
        code_users = [CodeUserFactory(access_code=code, display_name=f"Kunde{t} {n}", email=f"kunde{t}{n}@example.org")
                      for n in ("A", "B")]
        tickets.append(ticket)
        staff_sessions = [session_cookie_for_staff(user) for user in staff]
        code_sessions = [session_cookie_for_code_user(user) for user in code_users]
        sessions[ticket.pk] = (staff_sessions[0], code_sessions[0], code.token)
        pages += [
            Page(f"t{t}-staff1@s1", first, ticket, staff_sessions[0], "staff"),
            Page(f"t{t}-code1@s2", second, ticket, code_sessions[0], "code_user"),
            Page(f"t{t}-staff2@s2", second, ticket, staff_sessions[1], "staff"),
            Page(f"t{t}-code2@s1", first, ticket, code_sessions[1], "code_user"),
        ]
    # Two pages opened during the outage (a staff member on server 1, a customer on server 2).
    late_staff = UserFactory(first_name="Spät", last_name="Dienst")
    from fleet import services as fleet_services
    from fleet.roles import Role

    fleet_services.assignee_add(UserFactory(role=Role.MODERATOR), tickets[0], late_staff)
    latecomers = [
        Page("t0-late-staff@s1", first, tickets[0], session_cookie_for_staff(late_staff), "staff"),
        Page("t1-late-code@s2", second, tickets[1],
             session_cookie_for_code_user(CodeUserFactory(access_code=tickets[1].access_code, display_name="Spät Kunde")),
             "code_user"),
    ]
    writers = [page for page in pages if page.name.endswith(("staff1@s1", "code1@s2"))]
    report, http_during_outage, timeline, window = {}, [], {}, {}

    async def scenario():
        loop = asyncio.get_running_loop()
        began = loop.time()
        clock = lambda: loop.time() - began  # noqa: E731
        tasks = [asyncio.create_task(page.run(clock)) for page in pages]
        async with asyncio.timeout(15):  # every page has its hello before the chat begins
            while not all(page.me for page in pages):
                await asyncio.sleep(0.05)
        writing = {"on": True, "n": 0}
        outage_started = {}

        async def chat():
            # Round robin: one message every TICK; ticket 3's staff member only answers from the
            # second second of the outage (the first staff answer there: a customer e-mail is queued).
            while writing["on"]:
                for writer in writers:
                    if not writing["on"]:
                        break
                    if writer.ticket == tickets[2] and writer.kind == "staff":
                        if not outage_started or clock() < outage_started["at"] + 1.0:
                            continue
                    writing["n"] += 1
                    await writer.write(f"{writer.name} Nachricht {writing['n']}")
                    await asyncio.sleep(TICK)

        chatter = asyncio.create_task(chat())
        await asyncio.sleep(CHAT_BEFORE)

        timeline["redis stopped"] = round(clock(), 1)
        window["from"] = timezone.now()
        await asyncio.to_thread(redis.stop)
        outage_started["at"] = clock()
        await asyncio.sleep(2.0)
        tasks += [asyncio.create_task(page.run(clock)) for page in latecomers]
        ticket = tickets[0]
        staff_session, code_session, token = sessions[ticket.pk]
        probes = await asyncio.gather(
            asyncio.to_thread(_get, f"{first.url}{ticket.get_absolute_url()}", staff_session),
            asyncio.to_thread(_get, f"{second.url}/c/{token}/tickets/{ticket.number}/", code_session),
            asyncio.to_thread(_get, f"{first.url}/health/", ""),
        )
        http_during_outage.extend(zip(("staff ticket page", "portal ticket page", "/health/"), probes))
        await asyncio.sleep(max(0.0, outage_started["at"] + OUTAGE - clock()))

        await asyncio.to_thread(redis.start)
        window["to"] = timezone.now()
        timeline["redis back"] = round(clock(), 1)
        await asyncio.sleep(CHAT_AFTER)
        writing["on"] = False
        await chatter
        timeline["writers stopped"] = round(clock(), 1)

        everyone = pages + latecomers
        deadline = loop.time() + SETTLE
        missing = ["not checked yet"]
        while loop.time() < deadline:
            stored = await asyncio.to_thread(_stored, [t.pk for t in tickets])
            missing = _converged(everyone, stored)
            if not missing:
                break
            await asyncio.sleep(0.5)
        timeline["settled" if not missing else "gave up"] = round(clock(), 1)
        report["missing"] = missing
        report["presence_at_end"] = {p.name: sorted(w["name"] for w in p.presence.values()) for p in everyone}
        for page in everyone:
            await page.stop()
        await asyncio.wait(tasks, timeout=10)

    started = time.monotonic()
    asyncio.run(scenario())
    elapsed = time.monotonic() - started

    from messenger.models import Message

    everyone = pages + latecomers
    failures = []
    # (a) Every message a writer sent is stored exactly once (refused with a reason: not at all).
    stored_client_ids = Counter(
        Message.objects.filter(ticket__in=tickets).exclude(client_id="").values_list("client_id", flat=True)
    )
    sent = {cid: page for page in writers for cid in page.sent}
    refused = {cid for page in writers for cid in page.refused}
    lost = sorted(cid for cid in sent if cid not in refused and stored_client_ids[cid] == 0)
    doubled = sorted(cid for cid, n in stored_client_ids.items() if n > 1)
    refused_but_stored = sorted(cid for cid in refused if stored_client_ids[cid])
    if lost or doubled or refused_but_stored:
        failures.append(f"(a) sent {len(sent)}: not stored {len(lost)} {lost[:5]}, stored twice {doubled[:5]}, "
                        f"refused but stored {refused_but_stored[:5]}")
    # (b) Every page holds every stored message of its ticket (1..N, no gaps), each shown once.
    for ticket in tickets:
        seqs = sorted(Message.objects.filter(ticket=ticket).values_list("seq", flat=True))
        if seqs != list(range(1, len(seqs) + 1)):
            failures.append(f"(b) ticket {ticket.number}: stored numbers have gaps or repeats: {seqs}")
        ids = dict(Message.objects.filter(ticket=ticket).values_list("seq", "id"))
        for page in (p for p in everyone if p.ticket == ticket):
            have = {seq: pk for pk, seq in page.seq_of_id.items()}
            if have != ids:
                lacks = sorted(set(ids) - set(have))
                failures.append(f"(b) {page.name}: holds {len(have)} of {len(ids)} messages; lacks seqs "
                                f"{lacks[:8]}{'…' if len(lacks) > 8 else ''}; wrong {sorted(s for s in have if ids.get(s) != have[s])[:5]}")
            if len(page.shown) != len(set(page.shown)) or page.conflicts:
                failures.append(f"(b) {page.name}: shown twice or conflicting: {page.conflicts[:3]}")
    # (c) No handshake answered HTTP 500; page loads during the outage neither.
    statuses = Counter(s for page in everyone for s in page.failed_handshakes)
    if statuses.get(500):
        failures.append(f"(c) {statuses[500]} WebSocket handshakes answered HTTP 500 "
                        f"(pages: {sorted({p.name for p in everyone if 500 in p.failed_handshakes})})")
    for what, (status, seconds) in http_during_outage:
        if status == 500 or not isinstance(status, int):
            failures.append(f"(c) during the outage, GET {what} answered {status} after {seconds} s")
    # (d) No crashed consumer: no traceback in either server's log; only clear close codes.
    summaries = []
    for server in (first, second):
        text, blocks, summary = _log_summary(server)
        summaries.append(summary)
        if "Traceback" in text:
            failures.append(f"(d) server {server.port}: {blocks} tracebacks in the log "
                            f"({text.count('Exception inside application')} crashed consumers/handshakes)")
    codes = Counter(code for page in everyone for code, _reason, _at in page.closes)
    unclear = {code: n for code, n in codes.items() if code not in CLEAR_CLOSE_CODES}
    if unclear:
        failures.append(f"(d) sockets closed with unclear codes {unclear} (1011: the consumer crashed; "
                        f"1006: no close frame)")
    # (e) Presence at the end equals the sockets open on each ticket (code users see staff only).
    presence_missing = [m for m in report["missing"] if "presence" in m or "not connected" in m]
    if presence_missing:
        failures.append("(e) presence wrong at the end:\n      " + "\n      ".join(presence_missing[:8]))

    latency = [x for page in writers for x in page.ack_after.values()]
    lines = [
        f"took {elapsed:.1f} s; timeline {timeline}",
        f"messages sent {len(sent)}, acked {sum(len(p.acked) for p in writers)}, refused {len(refused)}, "
        f"stored {sum(stored_client_ids.values())}; still in outboxes {sum(len(p.outbox) for p in everyone)}",
        f"stored during the outage: {Message.objects.filter(ticket__in=tickets, created_at__range=(window['from'], window['to'])).count()}; "
        f"ack latency max {max(latency, default=0):.2f} s, ≥1 s: {sum(x >= 1 for x in latency)} of {len(latency)}",
        f"close codes {dict(codes)}; failed handshakes {dict(statuses)}",
        f"first handshake of the pages opened during the outage: {[(p.name, p.first_handshake) for p in latecomers]}",
        f"connects per page {[(p.name, p.connects) for p in everyone]}",
        f"duplicates dropped per page {[(p.name, p.duplicates) for p in everyone if p.duplicates]}",
        f"error frames {Counter(e.get('code') for p in everyone for e in p.errors)}",
        f"HTTP during the outage {http_during_outage}",
        f"close times {[(p.name, p.closes[:3]) for p in everyone if p.closes][:6]}",
        f"not converged: {report['missing'][:12]}",
        *summaries,
    ]
    print("\n".join(lines))
    if failures:
        pytest.fail("requirement not met:\n  " + "\n  ".join(failures) + "\n\n" + "\n".join(lines), pytrace=False)
