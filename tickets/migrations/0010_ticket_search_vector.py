"""PostgreSQL's full-text search for the staff list (issue 23): a search vector per ticket, its
GIN index, and the triggers that keep it current.

The search vector is written by triggers, not by the services: every way rows get into the
tables (the services, the admin, a data migration, the benchmark's COPY generator) keeps it
current without a second pass.

- ``tickets_ticket`` BEFORE INSERT OR UPDATE (row): computes the vector when the row is new, when
  its number, title, description or field values change, or when the vector written is NULL or
  differs from the stored one (an ORM save that carries a stale copy gets it recomputed, never
  stored).
- ``tickets_ticketupdate`` AFTER INSERT / UPDATE / DELETE (statement, with transition tables): sets
  the vector of the tickets concerned to NULL, which the ticket's trigger recomputes. One UPDATE per
  statement however many rows it wrote (a COPY of a million updates touches each ticket once).

Weights: A number and title, B description, C field values, D updates (public and internal: staff
search them; code users' searches never read the vector, see ``tickets.search``). The number is
in there twice, as the german parser reads it ("2024" "-000123", so that "2024-0001" finds it as a
prefix phrase) and split at the dash by the simple configuration ("000123").

The PostgreSQL part is ``RunSQL`` that runs only on PostgreSQL (``PostgresOnlySQL``).
"""

import django.contrib.postgres.search
from django.db import migrations

from common.db_operations import PostgresOnlySQL

SEARCH_SQL = """
CREATE FUNCTION tickets_search_vector(t_id bigint, t_number text, t_title text, t_description text, t_values jsonb)
RETURNS tsvector LANGUAGE sql STABLE AS $$
  SELECT setweight(to_tsvector('german', coalesce(t_number, '')), 'A')
      || setweight(to_tsvector('simple', replace(coalesce(t_number, ''), '-', ' ')), 'A')
      || setweight(to_tsvector('german', coalesce(t_title, '')), 'A')
      || setweight(to_tsvector('german', coalesce(t_description, '')), 'B')
      || setweight(to_tsvector('german', coalesce((
             SELECT string_agg(value, ' ') FROM jsonb_each_text(
               CASE WHEN jsonb_typeof(t_values) = 'object' THEN t_values ELSE '{}'::jsonb END)
         ), '')), 'C')
      || setweight(to_tsvector('german', coalesce((
             SELECT string_agg(u.text, ' ' ORDER BY u.id) FROM tickets_ticketupdate u WHERE u.ticket_id = t_id
         ), '')), 'D')
$$;

CREATE FUNCTION tickets_ticket_search_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' OR NEW.search_vector IS NULL
     OR NEW.search_vector IS DISTINCT FROM OLD.search_vector
     OR NEW.number IS DISTINCT FROM OLD.number OR NEW.title IS DISTINCT FROM OLD.title
     OR NEW.description IS DISTINCT FROM OLD.description
     OR NEW.custom_values IS DISTINCT FROM OLD.custom_values THEN
    NEW.search_vector := tickets_search_vector(NEW.id, NEW.number, NEW.title, NEW.description, NEW.custom_values);
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER tickets_ticket_search BEFORE INSERT OR UPDATE ON tickets_ticket
  FOR EACH ROW EXECUTE FUNCTION tickets_ticket_search_trigger();

CREATE FUNCTION tickets_ticketupdate_search_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    UPDATE tickets_ticket SET search_vector = NULL WHERE id IN (SELECT ticket_id FROM new_rows);
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    UPDATE tickets_ticket SET search_vector = NULL WHERE id IN (SELECT ticket_id FROM old_rows);
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER tickets_ticketupdate_search_insert AFTER INSERT ON tickets_ticketupdate
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tickets_ticketupdate_search_trigger();
CREATE TRIGGER tickets_ticketupdate_search_update AFTER UPDATE ON tickets_ticketupdate
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION tickets_ticketupdate_search_trigger();
CREATE TRIGGER tickets_ticketupdate_search_delete AFTER DELETE ON tickets_ticketupdate
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tickets_ticketupdate_search_trigger();

UPDATE tickets_ticket SET search_vector = NULL;
CREATE INDEX ticket_search_vector_idx ON tickets_ticket USING gin (search_vector);
"""

SEARCH_REVERSE_SQL = """
DROP INDEX IF EXISTS ticket_search_vector_idx;
DROP TRIGGER IF EXISTS tickets_ticketupdate_search_insert ON tickets_ticketupdate;
DROP TRIGGER IF EXISTS tickets_ticketupdate_search_update ON tickets_ticketupdate;
DROP TRIGGER IF EXISTS tickets_ticketupdate_search_delete ON tickets_ticketupdate;
DROP FUNCTION IF EXISTS tickets_ticketupdate_search_trigger();
DROP TRIGGER IF EXISTS tickets_ticket_search ON tickets_ticket;
DROP FUNCTION IF EXISTS tickets_ticket_search_trigger();
DROP FUNCTION IF EXISTS tickets_search_vector(bigint, text, text, text, jsonb);
"""


class Migration(migrations.Migration):

    dependencies = [
        ('tickets', '0009_list_partial_indexes'),
    ]

    operations = [
        migrations.AddField(
            model_name='ticket',
            name='search_vector',
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        PostgresOnlySQL(SEARCH_SQL, SEARCH_REVERSE_SQL, elidable=False),
    ]
