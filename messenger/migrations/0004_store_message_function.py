"""PostgreSQL: a chat message is numbered, stored and counted as unread in one call
(``messenger_store_message``), one round trip and one transaction instead of four round trips
(BEGIN, the numbering, the insert with the count, COMMIT). See ``messenger.services._store_numbered``.

A function, not one statement with CTEs: its statements run one after another, each with a
snapshot of its own (READ COMMITTED). The insert and the count come after the numbering has the
conversation's row lock, so they see every read cursor committed while they waited for it (a cursor
made by a first read holds that lock while it is counted); CTEs would all share the snapshot taken
before the wait and miss such a cursor. PostgreSQL also keeps the statements' plans per connection.

The write rule stays in Python (``messenger.services.may_write``): the function stores only while
the ticket's status, visibility and access code are those the rule was asked about, and otherwise
returns no row (nothing written, no number taken).
"""

from django.db import migrations

from common.db_operations import PostgresOnlySQL

STORE_SQL = """
CREATE FUNCTION messenger_store_message(
  p_ticket bigint, p_status varchar, p_visibility varchar, p_access_code bigint,
  p_author bigint, p_code_user bigint, p_text text, p_client_id varchar, p_created_at timestamptz
) RETURNS TABLE (message_id bigint, message_seq integer, participating boolean)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v_seq integer;
BEGIN
  -- The next number, only while the ticket is as the caller checked it (its row lock orders a
  -- ticket's messages until commit).
  INSERT INTO messenger_conversation AS c (ticket_id, last_seq)
    SELECT p_ticket, 1 WHERE EXISTS (
      SELECT 1 FROM tickets_ticket t WHERE t.id = p_ticket AND t.status = p_status
        AND t.visibility = p_visibility AND t.access_code_id IS NOT DISTINCT FROM p_access_code)
    ON CONFLICT (ticket_id) DO UPDATE SET last_seq = c.last_seq + 1
    RETURNING c.last_seq INTO v_seq;
  IF v_seq IS NULL THEN
    RETURN;  -- the ticket changed: nothing stored
  END IF;
  RETURN QUERY
    INSERT INTO messenger_message AS m (ticket_id, kind, author_id, author_code_user_id, text, data, client_id, seq, created_at)
    VALUES (p_ticket, 'text', p_author, p_code_user, p_text, '{}'::jsonb, p_client_id, v_seq, p_created_at)
    RETURNING m.id, m.seq::integer, EXISTS (
      SELECT 1 FROM tickets_ticketparticipant tp WHERE tp.ticket_id = p_ticket AND tp.code_user_id = p_code_user);
  -- One more unread for the ticket's other staff (a fresh snapshot: cursors made while we waited).
  UPDATE messenger_readcursor SET unread = unread + 1
    WHERE ticket_id = p_ticket AND user_id IS NOT NULL AND user_id IS DISTINCT FROM p_author;
END
$$;
"""

STORE_REVERSE_SQL = "DROP FUNCTION messenger_store_message(bigint, varchar, varchar, bigint, bigint, bigint, text, varchar, timestamptz);"


class Migration(migrations.Migration):

    dependencies = [
        ("messenger", "0003_readcursor_unread"),
        ("tickets", "0010_ticket_search_vector"),
    ]

    operations = [
        PostgresOnlySQL(STORE_SQL, STORE_REVERSE_SQL, elidable=False),
    ]
