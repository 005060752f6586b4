"""The database connection drops in the middle of a request (issue 24, "Faults"). PostgreSQL only:
on SQLite there is no connection to lose (marker ``postgres``; CI runs it in its PostgreSQL pass).

A real server process handles SPEICHERN of the status bar (In Bearbeitung → Fertig). The test
holds a lock on the history table from a connection of its own, so the request stops inside its
transaction, after it has written the ticket and before its history entry. Then the test
terminates the request's backend (``pg_terminate_backend``, as a failover or an administrator
would) and lets go of the lock. Required:

- the answer is 503 "try again" with the product's readable page, not the 500 page or a traceback;
- nothing of the change is stored: the ticket is still In Bearbeitung, no history entry, no
  status message;
- the next requests work (the page loads, the same SPEICHERN now succeeds, exactly once);
- the server logged no traceback.
"""

from __future__ import annotations

import threading
import time

import psycopg
import pytest
import requests

from tests.factories import UserFactory, make_ticket
from tests.messenger.conftest import session_cookie_for_staff
from tests.servers import AsgiServer, database_url_for_subprocess, wait_for
from tickets.choices import Status
from tickets.models import Ticket, TicketHistory

pytestmark = [pytest.mark.server, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _blocked_backend(locker: psycopg.Connection) -> int | None:
    """The pid of the backend that waits for the history table's lock (the request), if any."""
    with locker.cursor() as cursor:
        cursor.execute(
            "SELECT a.pid FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid AND NOT l.granted "
            "WHERE a.datname = current_database() AND a.pid <> pg_backend_pid() "
            "AND l.relation = 'tickets_tickethistory'::regclass"
        )
        row = cursor.fetchone()
    return row[0] if row else None


def test_a_request_whose_connection_is_terminated_answers_503_and_stores_nothing():
    mia = UserFactory(first_name="Mia", last_name="Schneider")
    ticket = make_ticket(Status.IN_PROGRESS, assignees=[mia])
    history_before = TicketHistory.objects.filter(ticket=ticket).count()
    messages_before = ticket.messages.count()
    server = AsgiServer(database_url=database_url_for_subprocess())
    server.start()
    http = requests.Session()
    http.cookies.set("sessionid", session_cookie_for_staff(mia), domain="127.0.0.1", path="/")
    http.cookies.set("django_language", "de", domain="127.0.0.1", path="/")
    detail = f"{server.url}/tickets/{ticket.number}/"
    save = {"target_status": Status.DONE, "expected_status": Status.IN_PROGRESS, "visibility": "", "reason": ""}

    def post_save():
        return http.post(f"{detail}status/", data={**save, "csrfmiddlewaretoken": http.cookies["csrftoken"]},
                         headers={"Referer": detail}, timeout=30, allow_redirects=False)

    try:
        assert http.get(detail, timeout=30).status_code == 200  # the page is open (its CSRF cookie)
        answer = {}
        with psycopg.connect(database_url_for_subprocess()) as locker:
            with locker.cursor() as cursor:
                cursor.execute("LOCK TABLE tickets_tickethistory IN SHARE MODE")  # inserts wait
            request = threading.Thread(target=lambda: answer.setdefault("response", post_save()), daemon=True)
            request.start()
            pid = wait_for(lambda: _blocked_backend(locker), timeout=20, message="the request to wait for the lock")
            with locker.cursor() as cursor:
                # The request's transaction has changed the ticket already: it holds the row.
                cursor.execute(
                    "SELECT count(*) FROM pg_locks WHERE pid = %s AND relation = 'tickets_ticket'::regclass "
                    "AND mode = 'RowExclusiveLock' AND granted", (pid,),
                )
                assert cursor.fetchone()[0] == 1
                cursor.execute("SELECT pg_terminate_backend(%s)", (pid,))
                assert cursor.fetchone()[0] is True
            locker.rollback()  # lets go of the lock
        request.join(timeout=30)
        assert not request.is_alive()
        response = answer["response"]

        assert response.status_code == 503
        assert response.headers["Retry-After"] == "5"
        assert "Die Verbindung zur Datenbank wurde unterbrochen." in response.text
        assert "Nichts von dieser Aktion wurde gespeichert. Bitte versuchen Sie es gleich noch einmal." in response.text
        assert Ticket.objects.get(pk=ticket.pk).status == Status.IN_PROGRESS
        assert TicketHistory.objects.filter(ticket=ticket).count() == history_before
        assert ticket.messages.count() == messages_before  # no "… → Fertig" notice either

        # The next requests get a working connection: the page, and the same SPEICHERN again.
        started = time.monotonic()
        assert http.get(detail, timeout=30).status_code == 200
        assert post_save().status_code == 302
        print(f"next requests answered after {time.monotonic() - started:.2f} s")
    finally:
        server.stop()

    assert Ticket.objects.get(pk=ticket.pk).status == Status.DONE
    assert TicketHistory.objects.filter(ticket=ticket, field="status", new_value=Status.DONE).count() == 1
    log = server.log()
    assert "Traceback" not in log, log
    assert "database unavailable for POST" in log
