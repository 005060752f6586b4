"""The search's ranked page on the active tabs read from an index instead of the whole table
(issue 23): a partial covering index over the active tickets (the condition of the other partial
indexes of migration 0009) with the columns the ranked keyset query and the staff rule need, and
the search vector as an included column.

A search on the Aktiv tab (the list's default) ranks every active match: without this index
PostgreSQL reads the whole tickets table (finished tickets included, each row with its
description and values) to find them. With it, an index-only scan reads the active tickets'
entries alone: 27 MB at 100,000 tickets against the table's 157 MB, 63–70 ms → 23–37 ms for the most
common word (docs/performance.md). Finished tickets rarely change, so the index costs a write only
where tickets are being worked on.

PostgreSQL only (``PostgresOnlySQL``): the embedded SQLite searches the columns themselves.
"""

from django.db import migrations

from common.db_operations import PostgresOnlySQL

INDEX_SQL = """
CREATE INDEX ticket_active_search_idx ON tickets_ticket (status, created_by_id, updated_at, id)
INCLUDE (search_vector)
WHERE status IN ('draft', 'open', 'assigned', 'in_progress', 'done');
"""

REVERSE_SQL = "DROP INDEX IF EXISTS ticket_active_search_idx;"


class Migration(migrations.Migration):

    dependencies = [
        ('tickets', '0010_ticket_search_vector'),
    ]

    operations = [
        PostgresOnlySQL(INDEX_SQL, REVERSE_SQL, elidable=False),
    ]
