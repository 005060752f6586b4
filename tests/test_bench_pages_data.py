"""The page benchmark's data generator (``bench.pages_data``) keeps writing the shape the bench
relies on while the models change: 200 tickets into a PostgreSQL database of the test's own (the
generator writes with COPY, so it needs PostgreSQL, which runs on 127.0.0.1 here whatever the test
database is), checked with SQL, then dropped."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest

from bench import pages_data

BASE_DIR = Path(__file__).resolve().parent.parent
TICKETS = 200


def _generate(database: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    done = subprocess.run(
        [sys.executable, "-m", "bench.pages_data", str(TICKETS), "--database", database],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def generated():
    """The generator run twice into one throwaway database: the first run writes, the second keeps."""
    database = f"leitstand_bench_pages_test_{uuid.uuid4().hex[:8]}"
    try:
        first, second = _generate(database), _generate(database)
        with psycopg.connect(host="127.0.0.1", port=5432, user="postgres", dbname=database) as conn:
            yield {"first": first, "second": second, "db": conn}
    finally:
        with psycopg.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _one(conn, sql: str, params=()):
    return conn.execute(sql, params).fetchone()[0]


def test_data_is_generated_once_and_kept(generated):
    db = generated["db"]
    assert "generating 200" in generated["first"]
    assert "'kept': True" in generated["second"]
    assert "generating" not in generated["second"]
    assert _one(db, "SELECT version FROM bench_pages_meta WHERE tickets = %s", [TICKETS]) == pages_data.GENERATOR_VERSION
    assert _one(db, "SELECT count(*) FROM tickets_ticket") == TICKETS


def test_most_tickets_are_closed_and_worked_ones_have_assignees(generated):
    db = generated["db"]
    counts = dict(db.execute("SELECT status, count(*) FROM tickets_ticket GROUP BY status").fetchall())
    assert max(counts, key=counts.get) == "closed"
    assert counts["closed"] >= 0.6 * TICKETS
    unstaffed = _one(db, "SELECT count(*) FROM tickets_ticket t WHERE t.status IN ('assigned', 'in_progress', 'done', 'closed')"
                         " AND NOT EXISTS (SELECT 1 FROM fleet_assignment a WHERE a.ticket_id = t.id)")
    assert unstaffed == 0
    assert _one(db, "SELECT count(*) FROM fleet_assignment a JOIN tickets_ticket t ON t.id = a.ticket_id"
                    " WHERE t.status IN ('draft', 'open')") == 0


def test_every_assignee_has_exactly_the_guardian_permissions_the_fleet_services_grant(generated):
    db = generated["db"]
    from fleet.permissions import ASSIGNEE_TICKET_PERMISSIONS

    granted = {row[0] for row in db.execute(
        "SELECT DISTINCT ct.app_label || '.' || p.codename FROM tickets_ticketuserobjectpermission o"
        " JOIN auth_permission p ON p.id = o.permission_id JOIN django_content_type ct ON ct.id = p.content_type_id")}
    assert granted == set(ASSIGNEE_TICKET_PERMISSIONS)
    assert _one(db, "SELECT count(*) FROM fleet_assignment a WHERE (SELECT count(*) FROM tickets_ticketuserobjectpermission o"
                    " WHERE o.user_id = a.user_id AND o.content_object_id = a.ticket_id) <> %s",
                [len(ASSIGNEE_TICKET_PERMISSIONS)]) == 0
    assert _one(db, "SELECT count(*) FROM tickets_ticketuserobjectpermission o WHERE NOT EXISTS"
                    " (SELECT 1 FROM fleet_assignment a WHERE a.user_id = o.user_id AND a.ticket_id = o.content_object_id)") == 0


def test_updates_and_their_history(generated):
    db = generated["db"]
    per_ticket = db.execute(
        "SELECT count(u.id) FROM tickets_ticket t LEFT JOIN tickets_ticketupdate u ON u.ticket_id = t.id"
        " WHERE t.status <> 'draft' GROUP BY t.id").fetchall()
    assert {n for (n,) in per_ticket} <= set(range(5, 16))
    assert _one(db, "SELECT count(*) FROM tickets_ticketupdate u JOIN tickets_ticket t ON t.id = u.ticket_id"
                    " WHERE t.status = 'draft'") == 0
    # One history entry per update, pointing at it, as tickets.services.update_post writes it.
    assert _one(db, "SELECT count(*) FROM tickets_ticketupdate u WHERE NOT EXISTS (SELECT 1 FROM tickets_tickethistory h"
                    " WHERE h.action = 'update' AND (h.data->>'update_id')::bigint = u.id AND h.ticket_id = u.ticket_id)") == 0
    assert _one(db, "SELECT count(*) FROM tickets_tickethistory WHERE action = 'update'") == _one(
        db, "SELECT count(*) FROM tickets_ticketupdate")
    assert _one(db, "SELECT count(*) FROM tickets_tickethistory WHERE action = 'created'") == TICKETS


def test_ratings_only_on_finished_tickets(generated):
    db = generated["db"]
    assert _one(db, "SELECT count(*) FROM tickets_feedback") > 0
    assert _one(db, "SELECT count(*) FROM tickets_feedback f JOIN tickets_ticket t ON t.id = f.ticket_id"
                    " WHERE t.status NOT IN ('done', 'closed')") == 0


def test_messages_are_numbered_without_gaps_and_read_cursors_point_at_them(generated):
    db = generated["db"]
    assert _one(db, "SELECT count(*) FROM messenger_message") == round(pages_data.MESSAGES_PER_TICKET * TICKETS)
    assert _one(db, "SELECT count(*) FROM (SELECT ticket_id, min(seq) AS first, max(seq) AS last, count(*) AS n"
                    " FROM messenger_message GROUP BY ticket_id) s WHERE first <> 1 OR last <> n") == 0
    assert _one(db, "SELECT count(*) FROM messenger_conversation c WHERE c.last_seq <>"
                    " (SELECT count(*) FROM messenger_message m WHERE m.ticket_id = c.ticket_id)") == 0
    assert _one(db, "SELECT count(*) FROM messenger_readcursor r WHERE NOT EXISTS (SELECT 1 FROM messenger_message m"
                    " WHERE m.id = r.last_read_id AND m.ticket_id = r.ticket_id)") == 0
    # Some assignees of active tickets are behind: the unread badge has something to count.
    assert _one(db, "SELECT count(*) FROM messenger_readcursor r JOIN messenger_conversation c USING (ticket_id)"
                    " WHERE r.user_id IS NOT NULL AND r.last_read_id < (SELECT max(id) FROM messenger_message m"
                    " WHERE m.ticket_id = r.ticket_id)") > 0


def test_the_search_words_are_where_the_bench_expects_them(generated):
    db = generated["db"]
    assert _one(db, "SELECT count(*) FROM tickets_ticket WHERE title LIKE %s", [pages_data.RARE_WORD + "%"]) == 1
    assert _one(db, "SELECT count(*) FROM tickets_ticket WHERE description LIKE %s",
                [pages_data.COMMON_WORD + " %"]) >= TICKETS // 10

    # The staff search finds them: every ticket's search vector was filled after the load, update
    # texts included (the common word is in descriptions; every ticket has updates).
    assert _one(db, "SELECT count(*) FROM tickets_ticket WHERE search_vector IS NULL") == 0
    assert _one(db, "SELECT count(*) FROM tickets_ticket WHERE search_vector @@ to_tsquery('german', %s)",
                [pages_data.RARE_WORD]) >= 1
    assert _one(db, "SELECT count(*) FROM tickets_ticket WHERE search_vector @@ to_tsquery('german', %s)",
                [pages_data.COMMON_WORD]) >= TICKETS // 10


def test_ids_continue_after_the_generated_rows(generated):
    """Identity sequences were moved past the ids COPY wrote: the application can insert again."""
    db = generated["db"]
    for table in ("tickets_ticket", "tickets_ticketupdate", "messenger_message"):
        next_id = _one(db, f"SELECT nextval(pg_get_serial_sequence('{table}', 'id'))")
        assert next_id > _one(db, f"SELECT max(id) FROM {table}")
