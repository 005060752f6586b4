"""Redis stops while staff and a customer have pages open (issue 24, "Faults").

The test starts its own redis-server (no persistence) and two daphne processes on it: the cache,
the channel layer and the Celery broker all live on that Redis. With the pages open, Redis stops.
Required while it is away:

- the pages load: the staff list and ticket page on both servers, the customer's ticket page;
- actions that need no live push work and store their data exactly once: a staff update, a
  status change (SPEICHERN), a customer's update;
- typing a code (a guessing door, counted in Redis) fails closed with a readable 503; the API's
  throttles (capacity, not secrets) fail open;
- the live parts say so: a socket opened now is closed with 4013, which the page shows as
  "Verbindung wird wiederhergestellt" (static/js/messenger.js);
- no 500 anywhere, and no traceback in the servers' logs;
- the status e-mail the change owes the customer is not lost: it waits in the e-mail outbox
  (common.outbox) and goes out once, by the sweep, when Redis is back.
"""

from __future__ import annotations

import asyncio

import pytest
import requests
import websockets
from django.core import mail
from websockets.exceptions import ConnectionClosed

from common.models import OutgoingEmail
from common.outbox import send_pending_emails
from tests.factories import AccessCodeFactory, CodeUserFactory, UserFactory, make_ticket
from tests.messenger.conftest import (
    session_cookie_for_code_user,
    session_cookie_for_staff,
)
from tests.servers import servers_on_own_redis
from tickets.choices import Status
from tickets.models import Ticket, TicketHistory, TicketUpdate

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]

TIMEOUT = 15.0  # s for any one request (a working server answers in well under one)


class Browser:
    """One browser's cookies (session, CSRF) against one server; every answer is recorded."""

    def __init__(self, server, session_key):
        self.server = server
        self.http = requests.Session()
        self.http.cookies.set("sessionid", session_key, domain="127.0.0.1", path="/")
        self.http.cookies.set("django_language", "de", domain="127.0.0.1", path="/")
        self.answers: list[tuple[str, str, int]] = []

    def get(self, path):
        response = self.http.get(self.server.url + path, timeout=TIMEOUT, allow_redirects=False)
        self.answers.append(("GET", path, response.status_code, round(response.elapsed.total_seconds(), 2)))
        return response

    def post(self, path, data):
        token = self.http.cookies.get("csrftoken")
        assert token, f"no CSRF cookie yet for {path}"
        response = self.http.post(
            self.server.url + path, data={**data, "csrfmiddlewaretoken": token}, timeout=TIMEOUT,
            allow_redirects=False, headers={"Referer": self.server.url + path},
        )
        self.answers.append(("POST", path, response.status_code, round(response.elapsed.total_seconds(), 2)))
        return response


async def _socket_close_code(server, number, session_key) -> int | str:
    """Open the ticket's socket as a page would; the close code it ends with (or "hello")."""
    try:
        async with asyncio.timeout(TIMEOUT):
            socket = await websockets.connect(
                f"ws://127.0.0.1:{server.port}/ws/tickets/{number}/",
                additional_headers={"Cookie": f"sessionid={session_key}", "Origin": server.url}, open_timeout=TIMEOUT,
            )
            try:
                async for raw in socket:
                    if '"hello"' in raw:
                        return "hello"
            except ConnectionClosed:
                pass
            return socket.close_code
    except websockets.exceptions.InvalidStatus as error:
        return f"HTTP {error.response.status_code}"


def test_pages_and_actions_work_while_redis_is_away(tmp_path):
    code = AccessCodeFactory(label="Presse 7")
    petra = CodeUserFactory(access_code=code, display_name="Petra Huber", email="petra@example.org")
    mia = UserFactory(first_name="Mia", last_name="Schneider")
    ticket = make_ticket(Status.IN_PROGRESS, code_user=petra, assignees=[mia])
    OutgoingEmail.objects.all().delete()  # what making the ticket queued is not this test's business
    staff_key, customer_key = session_cookie_for_staff(mia), session_cookie_for_code_user(petra)
    detail, portal_page = f"/tickets/{ticket.number}/", f"/c/{code.token}/tickets/{ticket.number}/"

    env = {"EMAIL_URL": f"filemail://{tmp_path / 'mail'}"}
    with servers_on_own_redis(2, extra_env=env) as (redis, (one, two)):
        staff = [Browser(one, staff_key), Browser(two, staff_key)]
        customer = Browser(two, customer_key)
        # The pages are open (and hold their CSRF cookies) before Redis goes.
        for browser in staff:
            assert browser.get("/tickets/").status_code == 200
            assert browser.get(detail).status_code == 200
        assert customer.get(portal_page).status_code == 200
        assert asyncio.run(_socket_close_code(one, ticket.number, staff_key)) == "hello"

        redis.stop(kill=True)

        for browser in staff:
            assert browser.get("/tickets/").status_code == 200
            assert browser.get(detail).status_code == 200
        assert customer.get(portal_page).status_code == 200
        assert customer.get(f"/c/{code.token}/").status_code == 200
        # The API's throttles count in Redis too and fail open: the API stays usable.
        answer = staff[0].get("/api/v1/tickets/")
        assert answer.status_code == 200
        assert [t["number"] for t in answer.json()["results"]] == [ticket.number]

        response = staff[0].post(f"/tickets/{ticket.number}/updates/new/", {"text": "Ersatzteil ist bestellt."})
        assert response.status_code == 302
        response = customer.post(f"{portal_page}updates/", {"text": "Danke, die Presse steht still."})
        assert response.status_code == 302
        response = staff[1].post(f"/tickets/{ticket.number}/status/", {
            "target_status": Status.DONE, "expected_status": Status.IN_PROGRESS, "visibility": "", "reason": "",
        })
        assert response.status_code == 302
        # Typing a code is a guessing door whose counter lives in Redis: it fails closed, with a
        # page that says why (503), while the code's own page above (nothing to count) works.
        response = customer.post("/c/", {"code": code.entry_code})
        assert response.status_code == 503
        assert "Codes und PINs können gerade nicht geprüft werden." in response.text
        # The page after each action loads too, and shows what was stored.
        assert "Ersatzteil ist bestellt." in staff[1].get(f"{detail}updates/").text
        assert "Danke, die Presse steht still." in customer.get(portal_page).text
        # The live part: a socket opened now is told to come back (4013: "Verbindung wird
        # wiederhergestellt" on the page), not crashed (1011) and not left hanging.
        assert asyncio.run(_socket_close_code(two, ticket.number, staff_key)) == 4013

        logs = {server.port: server.log() for server in (one, two)}
        redis.start()

    answers = [answer for browser in (*staff, customer) for answer in browser.answers]
    print("answers (method, path, status, seconds):", *answers, sep="\n  ")
    assert [a for a in answers if a[2] >= 500 and a[1] != "/c/"] == []
    for port, log in logs.items():
        assert "Traceback" not in log, f"server {port} logged a traceback:\n{log}"

    # Stored exactly once, each with its one history entry.
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.status == Status.DONE
    assert TicketUpdate.objects.filter(ticket=ticket, text="Ersatzteil ist bestellt.").count() == 1
    assert TicketUpdate.objects.filter(ticket=ticket, text="Danke, die Presse steht still.").count() == 1
    assert TicketHistory.objects.filter(ticket=ticket, field="status", new_value=Status.DONE).count() == 1

    # The status e-mail waited in the outbox; the sweep sends it once Redis (the broker) is back.
    pending = OutgoingEmail.objects.filter(sent_at__isnull=True, to="petra@example.org")
    assert pending.count() == 1
    mail.outbox.clear()
    assert send_pending_emails(min_age_seconds=0) == 1
    assert [m.to for m in mail.outbox] == [["petra@example.org"]]
    assert mail.outbox[0].subject == f"[Leitstand] Ihr Ticket {ticket.number} ist jetzt „Fertig“"
    assert send_pending_emails(min_age_seconds=0) == 0
