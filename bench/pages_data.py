"""The page benchmark's data: a service desk after three years, written into PostgreSQL with COPY.

``bench.bench_pages`` measures the staff pages at two sizes of the same shape (``SIZES``): 1,000 and
100,000 tickets, each in a database of its own on 127.0.0.1 (``leitstand_bench_pages_1k``,
``leitstand_bench_pages_100k``). A database is generated once and kept; it is dropped and generated
again when ``GENERATOR_VERSION`` differs from the version stored in the bench's own table
``bench_pages_meta`` (raise it whenever the shape below changes). It is migrated on every run.

The shape, per 100,000 tickets: 72 % Geschlossen, 4 % Abgebrochen, the rest spread over the active
states (mostly recent); ~10 updates each (1,000,000: public and internal), the history the services
write for them (created, every transition, every assignment, every update, the rating), 5 templates
with custom fields, 20 access codes with 5 code users each, 20 staff (an administrator, three
moderators, Mitarbeiter) with 1–2 assignees per worked ticket and the django-guardian per-ticket
permissions ``fleet.permissions.grant_assignee_permissions`` gives an assignee (the same rows),
pending offers on open tickets, seen markers, ratings on finished tickets, and 200,000 messenger
messages numbered 1…n per ticket (``Conversation.last_seq``) with read cursors (some unread).
Texts are German, from a Zipf-like vocabulary: ``COMMON_WORD`` is its most frequent noun (in more
than half of the tickets' titles or descriptions), ``RARE_WORD`` is in 1 title of 2,000 and 1 update
of 20,000; the bench searches for both.

How it stays correct while the models change:

- Small tables (users, templates, codes) go through the ORM; the big ones through ``_Copy``, which
  names only the columns written here plus every other column that has a Python default (taken from
  the model field), and leaves the rest to the database: nullable columns stay NULL, and a column a
  trigger maintains (e.g. a search vector) is filled by the trigger as COPY inserts each row.
- Tables the database must fill from the generated ones (e.g. a per-user unread table a later
  migration adds) go into ``DERIVED``: SQL run after the load, each step only when its table exists.
  That is the one place to extend.
"""

from __future__ import annotations

import random
import sys
import time
from contextlib import contextmanager
from datetime import timedelta
from urllib.parse import urlsplit

GENERATOR_VERSION = 5  # 3: assignments of finished tickets flagged; 4: search vectors filled once; 5: unread counts
SIZES = {"1k": 1_000, "100k": 100_000}
SEED = 23
YEARS = 3
COMMON_WORD = "Pumpe"
RARE_WORD = "Kugelgewindetrieb"
BENCH_USER = "bench-pages-staff"  # the Mitarbeiter the bench signs in as (has assignments, unread messages)
MESSAGES_PER_TICKET = 2.0  # 200,000 at 100,000 tickets
STAFF = [  # (username, first name, last name, role)
    ("bench-pages-admin", "Anna", "Becker", "Administrator"),
    ("bench-pages-mod-1", "Markus", "Schulz", "Moderator"),
    ("bench-pages-mod-2", "Petra", "Wagner", "Moderator"),
    ("bench-pages-mod-3", "Jonas", "Hoffmann", "Moderator"),
    (BENCH_USER, "Lena", "Fischer", "Mitarbeiter"),
] + [
    (f"bench-pages-staff-{i}", first, last, "Mitarbeiter")
    for i, (first, last) in enumerate([
        ("Tobias", "Meyer"), ("Sabine", "Weber"), ("Michael", "Schneider"), ("Julia", "Koch"),
        ("Stefan", "Richter"), ("Claudia", "Klein"), ("Thomas", "Wolf"), ("Katrin", "Schröder"),
        ("Andreas", "Neumann"), ("Nicole", "Schwarz"), ("Frank", "Zimmermann"), ("Sandra", "Braun"),
        ("Jürgen", "Krüger"), ("Melanie", "Hofmann"), ("Uwe", "Hartmann"),
    ], start=1)
]
TEMPLATES = [  # (name, [(field key, label)])
    ("Störung an einer Maschine", [("serial_number", "Seriennummer"), ("machine", "Maschine")]),
    ("Wartung", [("interval", "Intervall"), ("machine", "Maschine")]),
    ("Reklamation", [("order_number", "Auftragsnummer"), ("part", "Teil")]),
    ("Ersatzteilbestellung", [("part", "Teil"), ("quantity", "Menge")]),
    ("IT-Anfrage", [("device", "Gerät"), ("location", "Standort")]),
]
ACCESS_CODES = 20
CODE_USERS_PER_CODE = 5
# Share of tickets per state (percent); the active ones are mostly recent.
STATUS_WEIGHTS = {"closed": 72, "cancelled": 4, "draft": 1, "open": 4, "assigned": 3, "in_progress": 8, "done": 8}
PATHS = {  # the transitions that lead to each state: (transition name, from, to)
    "draft": [],
    "open": [("submit", "draft", "open")],
    "assigned": [("submit", "draft", "open"), ("assign", "open", "assigned")],
    "in_progress": [("submit", "draft", "open"), ("assign", "open", "assigned"), ("start", "assigned", "in_progress")],
    "done": [("submit", "draft", "open"), ("assign", "open", "assigned"), ("start", "assigned", "in_progress"),
             ("finish", "in_progress", "done")],
    "closed": [("submit", "draft", "open"), ("assign", "open", "assigned"), ("start", "assigned", "in_progress"),
               ("finish", "in_progress", "done"), ("close", "done", "closed")],
}
WORKED = {"assigned", "in_progress", "done", "closed"}

# --- the vocabulary: Zipf-like, so that some words are in many texts and most in few ------------

NOUNS = ["Pumpe", "Druck", "Störung", "Motor", "Ventil", "Sensor", "Steuerung", "Förderband", "Hydraulik", "Getriebe", "Lager", "Dichtung", "Kühlung", "Filter", "Riemen", "Kupplung", "Spindel", "Antrieb", "Display", "Schalter", "Kabel", "Presse", "Kompressor", "Schmierung", "Leitung", "Temperaturfühler", "Netzteil", "Lüfter", "Endschalter", "Zylinder", "Kette", "Walze", "Messgerät", "Drucker", "Scanner", "Werkzeug", "Absaugung", "Schutztür", "Lichtschranke", "Frequenzumrichter", "Bremse", "Greifer", "Roboterarm", "Waage", "Etikettierer", "Magnetventil", "Zahnriemen", "Kühlmittelpumpe", "Ölabscheider", "Druckluftleitung", "Wärmetauscher", "Schaltschrank", "Notaus", "Steckverbinder", "Servomotor", "Drehgeber", "Hubtisch", "Palettierer", "Schweißzange", "Spannvorrichtung"]
RARE_NOUNS = ["Kalibrierlehre", "Planetengetriebe", "Rotationsverdampfer", "Synchronriemen", "Drehmomentstütze", "Ringkolbenzähler", "Schwingungsdämpfer", "Tellerfeder", "Wälzfräser", "Kreuzgelenk", "Membranspeicher", "Hydrospeicher", "Schleifringläufer"]
VERBS = ["verliert Öl", "klemmt", "steht still", "macht Geräusche", "blinkt rot", "überhitzt", "tropft", "ruckelt", "meldet Fehler", "startet nicht", "fällt sporadisch aus", "vibriert stark", "zeigt falsche Werte", "schaltet ab", "riecht verbrannt", "reagiert nicht", "läuft zu langsam", "ist undicht", "ist verschlissen", "muss getauscht werden"]
PLACES = ["Halle 1", "Halle 2", "Halle 3", "Linie A", "Linie B", "Linie C", "Werk Nord", "Werk Süd", "Lager", "Versand", "Labor", "Montage"]
UPDATE_PHRASES = [
    "Techniker vor Ort, Ursache wird gesucht.", "Ersatzteil bestellt, Lieferung in drei Tagen.",
    "Ersatzteil eingebaut, Probelauf erfolgreich.", "Kunde informiert.", "Rückruf vereinbart.",
    "Fehlerspeicher ausgelesen.", "Dichtung getauscht und Leitung gereinigt.", "Sichtprüfung ohne Befund.",
    "Parameter der Steuerung angepasst.", "Wartungsintervall verkürzt.", "Angebot an den Einkauf geschickt.",
    "Anlage wieder in Betrieb.", "Fotos vom Schaden angefordert.", "Hersteller kontaktiert, warten auf Antwort.",
    "Schmierung nachgeholt.", "Kabel neu verlegt und gesichert.", "Messung wiederholt, Werte im Sollbereich.",
    "Bitte am Montag noch einmal prüfen.", "Termin mit der Schicht abgestimmt.", "Sicherung ersetzt.",
]
CHAT_PHRASES = [
    "Guten Morgen, ist jemand unterwegs?", "Wir sind in zehn Minuten da.", "Danke für die schnelle Hilfe!",
    "Die Anlage läuft wieder.", "Können Sie ein Foto schicken?", "Foto ist hochgeladen.", "Passt, bis gleich.",
    "Das Problem tritt wieder auf.", "Welche Seriennummer steht auf dem Typenschild?", "Ich schaue es mir an.",
    "Ersatzteil ist unterwegs.", "Bitte die Maschine nicht mehr einschalten.", "Alles klar.",
]


def _zipf_weights(n: int) -> list[float]:
    return [1 / (rank + 1) for rank in range(n)]


class _Texts:
    """Titles, descriptions and update texts from pools drawn once (fast for a million rows)."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        noun_w, verb_w = _zipf_weights(len(NOUNS)), _zipf_weights(len(VERBS))
        self.titles = [
            f"{n} {v}" + (f" ({p})" if rng.random() < 0.5 else "")
            for n, v, p in zip(rng.choices(NOUNS, noun_w, k=5000), rng.choices(VERBS, verb_w, k=5000),
                               rng.choices(PLACES, k=5000))
        ]
        self.sentences = []
        for _ in range(20_000):
            noun, verb = rng.choices(NOUNS, noun_w)[0], rng.choices(VERBS, verb_w)[0]
            other = rng.choice(RARE_NOUNS) if rng.random() < 0.05 else rng.choices(NOUNS, noun_w)[0]
            shape = rng.randrange(4)
            if shape == 0:
                sentence = f"{noun} in {rng.choice(PLACES)} {verb}."
            elif shape == 1:
                sentence = f"Seit heute früh {verb.split()[0]} {noun} an {other}."
            elif shape == 2:
                sentence = f"{rng.choice(UPDATE_PHRASES)} {noun} und {other} geprüft."
            else:
                sentence = rng.choice(UPDATE_PHRASES)
            self.sentences.append(sentence)

    def title(self, i: int) -> str:
        if i % 2000 == 7:
            return f"{RARE_WORD} {self.rng.choice(VERBS)}"
        return self.rng.choice(self.titles)

    def text(self, sentences: int) -> str:
        return " ".join(self.rng.choices(self.sentences, k=sentences))


# --- the database ---------------------------------------------------------------------------------


def ticket_count(size: str) -> int:
    """``SIZES``' names, or a number of tickets (the generator's test uses 200)."""
    if size in SIZES:
        return SIZES[size]
    if size.isdigit() and 0 < int(size) <= 1_000_000:
        return int(size)
    raise ValueError(f"size must be one of {', '.join(SIZES)} or a number of tickets, not {size!r}")


def database_url(size: str, database: str | None = None) -> str:
    name = database or f"leitstand_bench_pages_{size}"
    if not name.startswith("leitstand_bench_pages_"):  # the bench drops these: never anything else
        raise ValueError(f"the bench's databases are named leitstand_bench_pages_…, not {name!r}")
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def _admin_connection():
    import psycopg

    return psycopg.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres", autocommit=True)


def stored_version(size: str, database: str | None = None) -> int | None:
    """The generator version the size's database holds (None: missing, empty or unfinished)."""
    import psycopg

    name = urlsplit(database_url(size, database)).path.lstrip("/")
    with _admin_connection() as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return None
    with psycopg.connect(host="127.0.0.1", port=5432, user="postgres", dbname=name) as conn:
        if not conn.execute("SELECT to_regclass('bench_pages_meta')").fetchone()[0]:
            return None
        row = conn.execute("SELECT version FROM bench_pages_meta WHERE tickets = %s", [ticket_count(size)]).fetchone()
        return row[0] if row else None


def reset_database(size: str, *, drop: bool, database: str | None = None) -> None:
    """Create the size's database when missing; drop it first when ``drop`` (a new generator version)."""
    name = urlsplit(database_url(size, database)).path.lstrip("/")
    with _admin_connection() as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and drop:
            print(f"dropping {name} (generator version changed)", flush=True)
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            print(f"creating database {name}", flush=True)
            admin.execute(f'CREATE DATABASE "{name}"')


class _Copy:
    """COPY rows into a model's table: the given fields, plus every other column with a Python default
    (its value taken from the model field, a callable default called for each row, as a token or a
    UUID must be); the database fills the rest (NULL, a database default, or a trigger)."""

    def __init__(self, model, fields: list[str]):
        from django.db import connection
        from django.db.models import JSONField

        self.model = model
        meta = model._meta
        given = [meta.get_field(name) for name in fields]
        names = {f.attname for f in given}
        extra_fields = [
            field for field in meta.concrete_fields
            if field.attname not in names and not field.primary_key and not getattr(field, "generated", False)
            and field.has_default()
        ]
        self.connection = connection
        self.extra_fields = extra_fields
        self.per_row = any(callable(field.default) for field in extra_fields)
        self.extra = self._defaults()
        self.json = [isinstance(f, JSONField) for f in given]
        self.columns = [f.column for f in given + extra_fields]
        self.table = meta.db_table
        self.rows = 0

    def _defaults(self) -> tuple:
        return tuple(self._adapt(field, field.get_db_prep_save(field.get_default(), self.connection))
                     for field in self.extra_fields)

    @staticmethod
    def _adapt(field, value):
        from django.db.models import JSONField
        from psycopg.types.json import Jsonb

        if isinstance(field, JSONField) and not isinstance(value, Jsonb):
            return Jsonb(value)
        return value

    def write(self, rows) -> int:
        from django.db import connection
        from psycopg.copy import QueuedLibpqWriter
        from psycopg.types.json import Jsonb

        extra = self.extra
        json_at = [i for i, is_json in enumerate(self.json) if is_json]
        columns = ", ".join(f'"{c}"' for c in self.columns)
        with _loading(self.table), connection.cursor() as cursor:
            sql = f'COPY "{self.table}" ({columns}) FROM STDIN'
            with cursor.cursor.copy(sql, writer=QueuedLibpqWriter(cursor.cursor)) as copy:
                for row in rows:
                    if json_at:
                        row = list(row)
                        for i in json_at:
                            row[i] = Jsonb(row[i])
                    copy.write_row(tuple(row) + (self._defaults() if self.per_row else extra))
                    self.rows += 1
        return self.rows


@contextmanager
def _loading(table: str):
    """Bulk-load mode for one table: its foreign keys and plain indexes (whatever the migrations made)
    are dropped for the COPY and made again afterwards, in the same transaction. Re-adding a foreign
    key checks all rows in one query, building an index sorts once; both are far cheaper than a
    check and an index insert per row (Django's foreign keys are deferred: a million checks would
    queue up for the commit). Primary keys and unique constraints stay as they are. The table's own
    triggers (the search vector's, tickets/migrations/0010) are off during the COPY: a statement
    trigger over a million rows is one pass better made once over the finished data (``DERIVED``),
    and a trigger's SQL function planned while an index was dropped here fails on a later call."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass"
                       " AND contype = 'f'", [table])
        foreign_keys = cursor.fetchall()
        cursor.execute(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
            " WHERE x.indrelid = %s::regclass AND NOT x.indisprimary AND NOT x.indisunique"
            " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)", [table])
        indexes = cursor.fetchall()
        for name, _definition in foreign_keys:
            cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER USER')
    yield
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER USER')
        for _name, definition in indexes:
            cursor.execute(definition)
        for name, definition in foreign_keys:
            cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')


def _next_id(model) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f'SELECT COALESCE(MAX(id), 0) + 1 FROM "{model._meta.db_table}"')
        return cursor.fetchone()[0]


# Tables filled from the generated ones after the load, each only when its table exists (a later
# migration may add one, e.g. a per-user unread table or a counter): (table, SQL). Extend here.
# Row triggers fire during COPY: one that writes another table per row (e.g. a ticket's search
# vector recomputed for each inserted update) costs a million statements at 100k; such a column is
# better filled here in one statement, with the trigger disabled for the load in ``_loading``.
DERIVED: list[tuple[str, str]] = [
    # The search vector (tickets/migrations/0010): its triggers were off for the COPY; setting it to
    # NULL makes the ticket's row trigger compute it, once per ticket over all its updates.
    ("tickets_ticket", "UPDATE tickets_ticket SET search_vector = NULL"),
    # The assignments of finished tickets are flagged (fleet.Assignment.ticket_finished: the badge's
    # and "my tickets"' partial index holds the others); the services keep it, COPY does not.
    ("fleet_assignment",
     "UPDATE fleet_assignment a SET ticket_finished = true FROM tickets_ticket t "
     "WHERE t.id = a.ticket_id AND t.status IN ('closed', 'cancelled') AND NOT a.ticket_finished"),
    # Staff cursors keep their unread count (messenger.ReadCursor.unread, the badge reads it): the
    # messages after the cursor that others wrote, as messenger.services keeps it.
    ("messenger_readcursor",
     "UPDATE messenger_readcursor c SET unread = (SELECT COUNT(*) FROM messenger_message m "
     "WHERE m.ticket_id = c.ticket_id AND m.id > c.last_read_id AND m.author_id IS DISTINCT FROM c.user_id) "
     "WHERE c.user_id IS NOT NULL"),
]


def _fill_derived() -> list[str]:
    from django.db import connection

    done = []
    with connection.cursor() as cursor:
        for table, sql in DERIVED:
            cursor.execute("SELECT to_regclass(%s)", [table])
            if cursor.fetchone()[0]:
                cursor.execute(sql)
                done.append(table)
        # A search vector that nothing filled (kept by services, not a trigger) makes every search
        # empty: say so, and add its fill to DERIVED.
        cursor.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'tickets_ticket' AND data_type = 'tsvector'"
        )
        for (column,) in cursor.fetchall():
            cursor.execute(f'SELECT count(*) FROM tickets_ticket WHERE "{column}" IS NOT NULL')
            if not cursor.fetchone()[0]:
                print(f"WARNING: tickets_ticket.{column} is empty after the load: fill it in bench.pages_data.DERIVED",
                      flush=True)
    return done


# --- the generator --------------------------------------------------------------------------------


def _small_tables(rng: random.Random) -> dict:
    """Staff, templates with fields, access codes and code users, through the ORM (few rows)."""
    from django.contrib.auth.models import Group

    from fleet.models import User
    from tickets.models import AccessCode, CodeUser, TemplateField, TicketTemplate

    groups = {g.name: g for g in Group.objects.all()}
    staff = []
    for username, first, last, role in STAFF:
        user = User.objects.create(username=username, first_name=first, last_name=last,
                                   email=f"{username}@example.invalid")
        user.set_unusable_password()
        user.save(update_fields=["password"])
        user.groups.add(groups[role])
        staff.append(user)
    templates = []
    for name, fields in TEMPLATES:
        template = TicketTemplate.objects.create(name=name, default_visibility="public")
        for position, (key, label) in enumerate(fields):
            TemplateField.objects.create(template=template, key=key, label=label, position=position)
        templates.append((template, [key for key, _label in fields]))
    codes = []
    for c in range(ACCESS_CODES):
        template = templates[c % len(templates)][0]
        code = AccessCode.objects.create(
            label=f"{rng.choice(NOUNS)} {c + 1:02d}", location=rng.choice(PLACES), serial_number=f"SN-{40000 + c}",
            template=template, created_by=staff[0],
        )
        users = [CodeUser.objects.create(access_code=code, display_name=f"Kunde {c + 1}-{j + 1}",
                                         email=f"kunde{c + 1}-{j + 1}@example.invalid")
                 for j in range(CODE_USERS_PER_CODE)]
        codes.append((code, users))
    return {"staff": staff, "templates": templates, "codes": codes}


def _custom_values(rng: random.Random, keys: list[str]) -> dict:
    values = {}
    for key in keys:
        if key in ("serial_number", "order_number"):
            values[key] = f"{'SN' if key == 'serial_number' else 'A'}-{rng.randint(10000, 99999)}"
        elif key == "quantity":
            values[key] = str(rng.randint(1, 20))
        else:
            values[key] = f"{rng.choice(NOUNS)} {rng.randint(1, 12)}"
    return values


def generate(size: str) -> dict:
    """Write the size's data (the database is empty of it: freshly created and migrated)."""
    from django.contrib.auth.models import Permission
    from django.core.management.color import no_style
    from django.db import connection, transaction
    from django.utils import timezone

    from fleet.models import Assignment, OfferStatus, SeenMarker, TicketOffer, User
    from messenger.models import Conversation, Message, ReadCursor
    from tickets.models import (
        Feedback,
        Ticket,
        TicketHistory,
        TicketNumberSequence,
        TicketParticipant,
        TicketUpdate,
        TicketUserObjectPermission,
    )

    started = time.perf_counter()
    n_tickets = ticket_count(size)
    rng = random.Random(SEED)
    texts = _Texts(rng)
    now = timezone.now().replace(microsecond=0)
    span = timedelta(days=365 * YEARS)
    counts: dict[str, int] = {}
    with transaction.atomic():
        with connection.cursor() as cursor:
            # Foreign keys checked as rows come (none left pending), so that ``_loading`` may drop them.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")  # index builds after each COPY in memory
        small = _small_tables(rng)
        staff, templates, codes = small["staff"], small["templates"], small["codes"]
        moderators = [u for u, spec in zip(staff, STAFF) if spec[3] in ("Administrator", "Moderator")]
        workers = staff  # everybody works on tickets; the bench user is one of them
        bench_user = next(u for u in staff if u.username == BENCH_USER)
        perms = [Permission.objects.get(content_type__app_label="tickets", codename=c).pk
                 for c in ("work_ticket", "change_ticket")]

        # 1. Tickets, in the order they were created (numbers per year, as the sequence hands them out).
        statuses = rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()), k=n_tickets)
        plan = []
        for status in statuses:
            if status in ("closed", "cancelled") or rng.random() < 0.2:
                created = now - span * rng.random()
            else:
                created = now - timedelta(days=180) * rng.random()  # active tickets are mostly recent
            plan.append((created, status))
        plan.sort(key=lambda p: p[0])
        ticket_id0 = _next_id(Ticket)
        per_year: dict[int, int] = {}
        tickets = []  # (id, number, status, created, end, code_index or None, public, assignees)
        ticket_rows = []
        for i, (created, status) in enumerate(plan):
            tid = ticket_id0 + i
            year = timezone.localtime(created).year
            per_year[year] = per_year.get(year, 0) + 1
            number = f"{year}-{per_year[year]:06d}"
            if status in ("closed", "cancelled", "done"):
                end = min(now, created + timedelta(hours=1) + timedelta(days=20) * rng.random() ** 2)
            else:
                end = created + (now - created) * rng.random()
            code_index = rng.randrange(ACCESS_CODES) if rng.random() < 0.6 else None
            template, keys = templates[code_index % len(templates)] if code_index is not None else rng.choice(templates)
            public = code_index is not None and rng.random() < 0.8
            by_code_user = code_index is not None and rng.random() < 0.3
            cancelled_from = rng.choice(["open", "assigned", "in_progress"]) if status == "cancelled" else None
            worked = status in WORKED or cancelled_from in ("assigned", "in_progress")
            assignees = rng.sample(workers, 1 if rng.random() < 0.8 else 2) if worked else []
            if worked and status in ("assigned", "in_progress") and i % 7 == 0 and bench_user not in assignees:
                assignees[0] = bench_user  # the bench user has a realistic share of active work
            description = texts.text(rng.randint(1, 3))
            if i % 10 == 3:
                description = f"{COMMON_WORD} {description}"
            creator = None if by_code_user else rng.choice(workers)
            tickets.append((tid, number, status, created, end, code_index, public, assignees, creator,
                            cancelled_from, template))
            ticket_rows.append((
                tid, number, texts.title(i), description, template.pk,
                codes[code_index][0].pk if code_index is not None else None, status,
                "public" if public else "internal", _custom_values(rng, keys),
                ["general", "fields", "access"] if status != "draft" else ["general"],
                creator.pk if creator else None,
                codes[code_index][1][0].pk if by_code_user else None,
                end, created, end,
            ))
        counts["tickets"] = _Copy(Ticket, [
            "id", "number", "title", "description", "template", "access_code", "status", "visibility",
            "custom_values", "completed_steps", "created_by", "created_by_code_user", "status_changed_at",
            "created_at", "updated_at",
        ]).write(ticket_rows)
        del ticket_rows
        for year, last in per_year.items():
            TicketNumberSequence.objects.update_or_create(year=year, defaults={"last": last})
        print(f"  tickets: {counts['tickets']:,} ({time.perf_counter() - started:.0f} s)", flush=True)

        # 2. Assignments, the guardian permissions they carry, seen markers, offers, participants.
        assignment_rows, perm_rows, seen_rows, offer_rows, participant_rows = [], [], [], [], []
        for tid, _n, status, created, end, code_index, _public, assignees, creator, _cf, _t in tickets:
            at = created + (end - created) * 0.1
            for user in assignees:
                assignment_rows.append((tid, user.pk, rng.choice(moderators).pk if rng.random() < 0.3 else None, at))
                perm_rows.extend((perm, user.pk, tid) for perm in perms)
                seen_rows.append((tid, user.pk, at))
            if status == "open":
                for user in rng.sample(workers, 4):
                    offer_rows.append((tid, user.pk, OfferStatus.PENDING, moderators[0].pk, created, now + timedelta(hours=12)))
            if creator is None:
                participant_rows.append((tid, codes[code_index][1][0].pk, "opened", created, end))
        counts["assignments"] = _Copy(Assignment, ["ticket", "user", "assigned_by", "created_at"]).write(assignment_rows)
        counts["guardian permissions"] = _Copy(
            TicketUserObjectPermission, ["permission", "user", "content_object"]).write(perm_rows)
        counts["seen markers"] = _Copy(SeenMarker, ["ticket", "user", "first_seen_at"]).write(seen_rows)
        counts["offers"] = _Copy(TicketOffer, ["ticket", "user", "status", "sent_by", "created_at", "expires_at"]).write(offer_rows)
        counts["participants"] = _Copy(
            TicketParticipant, ["ticket", "code_user", "kind", "joined_at", "last_seen_at"]).write(participant_rows)
        del assignment_rows, perm_rows, seen_rows, offer_rows, participant_rows
        print(f"  assignments and permissions ({time.perf_counter() - started:.0f} s)", flush=True)

        # 3. Updates and the history the services write with them (one transaction per ticket's
        # events, in time order), and the ratings of finished tickets.
        update_copy = _Copy(TicketUpdate, ["id", "ticket", "kind", "author", "author_code_user", "text", "created_at"])
        history_copy = _Copy(TicketHistory, [
            "ticket", "action", "actor", "actor_code_user", "field", "old_value", "new_value", "reason", "data",
            "created_at",
        ])
        feedback_copy = _Copy(Feedback, ["ticket", "code_user", "stars", "text", "created_at"])
        update_id = [_next_id(TicketUpdate)]
        history_rows: list[tuple] = []
        feedback_rows: list[tuple] = []

        def updates_and_history():
            for tid, _n, status, created, end, code_index, public, assignees, creator, cancelled_from, _t in tickets:
                creator_code_user = None if creator else codes[code_index][1][0].pk
                history_rows.append((tid, "created", creator.pk if creator else None, creator_code_user, "status", "",
                                     "draft", "", {}, created))
                path = PATHS[status] if status != "cancelled" else (
                    PATHS[cancelled_from] + [("cancel", cancelled_from, "cancelled")])
                steps = len(path) + 1
                for k, (name, old, new) in enumerate(path, start=1):
                    at = created + (end - created) * (k / steps)
                    actor = assignees[0] if assignees and name in ("start", "finish") else rng.choice(moderators)
                    history_rows.append((tid, "transition", actor.pk, None, "status", old, new, "", {"transition": name}, at))
                    if name == "assign":
                        for user in assignees:
                            history_rows.append((tid, "assignment", actor.pk, None, "assignees", "", user.display_name, "",
                                                 {"user_id": user.pk, "change": "added", "how": "assigned"}, at))
                if status == "draft":
                    continue
                n = rng.randint(5, 15)
                for k in range(n):
                    at = created + (end - created) * ((k + 1) / (n + 1))
                    kind = "public" if public and rng.random() < 0.6 else "internal"
                    code_author = kind == "public" and code_index is not None and rng.random() < 0.1
                    author = None if code_author else (rng.choice(assignees) if assignees else rng.choice(workers))
                    code_user = codes[code_index][1][rng.randrange(CODE_USERS_PER_CODE)] if code_author else None
                    text = texts.text(rng.randint(1, 2))
                    if update_id[0] % 20_000 == 11:
                        text += f" {RARE_WORD} vermessen."
                    uid = update_id[0]
                    update_id[0] += 1
                    history_rows.append((tid, "update", author.pk if author else None, code_user.pk if code_user else None,
                                         kind, "", text[:200], "", {"update_id": uid, "corrects": None}, at))
                    yield (uid, tid, kind, author.pk if author else None, code_user.pk if code_user else None, text, at)
                if status in ("done", "closed") and code_index is not None and public and rng.random() < 0.6:
                    code_user = codes[code_index][1][0]
                    stars = rng.choices([1, 2, 3, 4, 5], [2, 3, 10, 35, 50])[0]
                    comment = rng.choice(["", "", "Schnell und freundlich.", "Hat etwas gedauert.", "Top!"])
                    at = end - timedelta(minutes=5)
                    feedback_rows.append((tid, code_user.pk, stars, comment, at))
                    history_rows.append((tid, "feedback", None, code_user.pk, "feedback", "", "★" * stars + "☆" * (5 - stars),
                                         "", {"stars": stars, "text": comment}, at))

        counts["updates"] = update_copy.write(updates_and_history())
        print(f"  updates: {counts['updates']:,} ({time.perf_counter() - started:.0f} s)", flush=True)
        counts["history"] = history_copy.write(history_rows)
        counts["ratings"] = feedback_copy.write(feedback_rows)
        history_rows.clear()
        feedback_rows.clear()
        print(f"  history: {counts['history']:,}, ratings: {counts['ratings']:,} ({time.perf_counter() - started:.0f} s)",
              flush=True)

        # 4. Messenger: 2 messages a ticket on average, on 40 % of the tickets (some long threads),
        # numbered 1…n per ticket; read cursors of the assignees and code users (some behind).
        message_copy = _Copy(Message, ["id", "ticket", "kind", "author", "author_code_user", "text", "data", "client_id",
                                       "seq", "created_at"])
        message_id0 = _next_id(Message)
        with_chat = [t for t in tickets if t[2] != "draft" and rng.random() < 0.4]
        budget = round(MESSAGES_PER_TICKET * n_tickets)
        lengths = [max(1, round(rng.paretovariate(1.5))) for _ in with_chat]
        scale = budget / max(1, sum(lengths))
        lengths = [max(1, round(n * scale)) for n in lengths]
        excess = sum(lengths) - budget  # exactly the budget: trim or extend the longest threads
        for k in sorted(range(len(lengths)), key=lengths.__getitem__, reverse=True):
            change = max(excess - (lengths[k] - 1), 0) if excess > 0 else 0
            lengths[k] -= excess - change
            excess = change
            if not excess:
                break
        conversation_rows, cursor_rows = [], []

        def messages():
            mid = message_id0
            for (tid, _n, status, created, end, code_index, _public, assignees, _bcu, _cf, _t), n in zip(with_chat, lengths):
                last_id = mid + n - 1
                for seq in range(1, n + 1):
                    at = created + (end - created) * (seq / (n + 1))
                    from_code = code_index is not None and rng.random() < 0.4
                    author = None if from_code else (rng.choice(assignees) if assignees else rng.choice(workers)).pk
                    code_user = codes[code_index][1][rng.randrange(CODE_USERS_PER_CODE)].pk if from_code else None
                    yield (mid, tid, "text", author, code_user, rng.choice(CHAT_PHRASES), {}, "", seq, at)
                    mid += 1
                conversation_rows.append((tid, n))
                active = status not in ("closed", "cancelled")
                for user in assignees:
                    behind = rng.randint(0, min(n, 3)) if active and rng.random() < 0.5 else 0
                    cursor_rows.append((tid, user.pk, None, last_id - behind, end))
                if code_index is not None:
                    cursor_rows.append((tid, None, codes[code_index][1][0].pk, last_id, end))
                mid = last_id + 1

        counts["messages"] = message_copy.write(messages())
        counts["conversations"] = _Copy(Conversation, ["ticket", "last_seq"]).write(conversation_rows)
        counts["read cursors"] = _Copy(ReadCursor, ["ticket", "user", "code_user", "last_read_id", "updated_at"]).write(cursor_rows)
        print(f"  messages: {counts['messages']:,} ({time.perf_counter() - started:.0f} s)", flush=True)

        # 5. Identity sequences after explicit ids, the derived tables, and the version.
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [Ticket, TicketUpdate, Message, User]):
                cursor.execute(sql)
        derived = _fill_derived()
        if derived:
            print(f"  derived tables filled: {', '.join(derived)}", flush=True)
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_pages_meta (tickets integer PRIMARY KEY, version integer NOT NULL,"
                       " generated_at timestamptz NOT NULL, seconds double precision NOT NULL, counts jsonb NOT NULL)")
        from psycopg.types.json import Jsonb

        cursor.execute("INSERT INTO bench_pages_meta VALUES (%s, %s, now(), %s, %s) ON CONFLICT (tickets) DO UPDATE SET"
                       " version = EXCLUDED.version, generated_at = now(), seconds = EXCLUDED.seconds, counts = EXCLUDED.counts",
                       [n_tickets, GENERATOR_VERSION, seconds, Jsonb(counts)])
    total = time.perf_counter() - started
    print(f"generated {size} in {seconds:.0f} s (+ VACUUM ANALYZE: {total:.0f} s): "
          + ", ".join(f"{v:,} {k}" for k, v in counts.items()), flush=True)
    return {"seconds": total, "counts": counts}


def prepare(size: str) -> dict:
    """Migrate the size's database (Django set up against it) and generate its data unless the
    stored version is current. Returns what the generator stored."""
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('bench_pages_meta')")
        row = None
        if cursor.fetchone()[0]:
            cursor.execute("SELECT version, seconds, counts FROM bench_pages_meta WHERE tickets = %s", [ticket_count(size)])
            row = cursor.fetchone()
    if row and row[0] == GENERATOR_VERSION:
        return {"seconds": row[1], "counts": row[2], "kept": True}
    print(f"generating {size} ({ticket_count(size):,} tickets, generator version {GENERATOR_VERSION}) …", flush=True)
    return {**generate(size), "kept": False}


def main(argv: list[str]) -> None:
    """``python -m bench.pages_data 1k|100k|<tickets> [--database leitstand_bench_pages_…]``: make the
    size's database current (to look at it; ``bench.bench_pages`` does the same before it measures)."""
    import argparse
    import os

    parser = argparse.ArgumentParser(prog="python -m bench.pages_data")
    parser.add_argument("size", nargs="?", default="1k")
    parser.add_argument("--database", default=None)
    opts = parser.parse_args(argv)
    try:
        ticket_count(opts.size)
        url = database_url(opts.size, opts.database)
    except ValueError as error:
        sys.exit(str(error))
    version = stored_version(opts.size, opts.database)
    reset_database(opts.size, drop=version is not None and version != GENERATOR_VERSION, database=opts.database)
    os.environ["DATABASE_URL"] = url
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    print(prepare(opts.size))


if __name__ == "__main__":
    main(sys.argv[1:])

