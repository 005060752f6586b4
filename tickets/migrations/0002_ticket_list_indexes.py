"""Indexes for the staff ticket list at 100,000+ tickets.

Not declared on the models on purpose: the trigram indexes exist only on PostgreSQL and the
model state stays as it is (``makemigrations`` sees no change).

- every database: btree indexes on (title, id) for sorting by title (both directions, with the
  id as the list's tie-breaker) and on (status, created_by_id) for the tab counts.
- PostgreSQL: the pg_trgm extension and GIN trigram indexes on ``UPPER(col)`` (that is what
  Django's ``icontains`` compares: ``UPPER(col::text) LIKE UPPER('%term%')``) for the ticket's
  number, title and description and the text of its updates, so the list's search uses them.
"""

from django.db import migrations

# (index name, model, columns)
BTREE_INDEXES = [
    # Sorting by title (either direction) with the id as tie-breaker.
    ("ticket_title_id_idx", "Ticket", ["title", "id"]),
    # The tab counts: COUNT(*) per status under "not someone else's draft", index-only.
    ("ticket_status_creator_idx", "Ticket", ["status", "created_by_id"]),
]
TRIGRAM_INDEXES = [
    ("ticket_number_trgm_idx", "Ticket", "number"),
    ("ticket_title_trgm_idx", "Ticket", "title"),
    ("ticket_description_trgm_idx", "Ticket", "description"),
    ("ticketupdate_text_trgm_idx", "TicketUpdate", "text"),
]


def create_indexes(apps, schema_editor):
    q = schema_editor.quote_name

    def table(model):
        return q(apps.get_model("tickets", model)._meta.db_table)

    for name, model, columns in BTREE_INDEXES:
        schema_editor.execute(f"CREATE INDEX {q(name)} ON {table(model)} ({', '.join(map(q, columns))})")
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, model, column in TRIGRAM_INDEXES:
        schema_editor.execute(
            f"CREATE INDEX {q(name)} ON {table(model)} USING gin ((UPPER({q(column)}::text)) gin_trgm_ops)"
        )


def drop_indexes(apps, schema_editor):
    q = schema_editor.quote_name
    if schema_editor.connection.vendor == "postgresql":
        for name, _table, _column in TRIGRAM_INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {q(name)}")
        # Fails (and so keeps the extension) if something else came to depend on it meanwhile.
        schema_editor.execute("DROP EXTENSION IF EXISTS pg_trgm")
    for name, _table, _columns in BTREE_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {q(name)}")


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
