"""The conversation beside a ticket: who may read and write, storing messages (idempotently),
read cursors, system messages. The consumer and the pages call these."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from common import events
from common.actors import actor_columns, is_code_user
from common.errors import InvalidInput, PermissionDenied, WrongState
from common.text import clean_text
from messenger import selectors
from messenger.models import Conversation, Message, MessageKind, ReadCursor
from tickets import events as ticket_events
from tickets import permissions
from tickets import selectors as ticket_selectors
from tickets import services as ticket_services
from tickets.choices import Status, Visibility
from tickets.models import ParticipationKind, Ticket, TicketParticipant

# ``data["event"]`` of the system message that asks the code user to rate the finished work.
FEEDBACK_REQUESTED = "feedback_requested"


def may_read(actor, ticket: Ticket) -> bool:
    """Who sees the ticket reads its conversation (``tickets.permissions.can_see``)."""
    return permissions.can_see(actor, ticket)


def may_write(actor, ticket: Ticket) -> bool:
    """Staff who see the ticket write while it is not a draft; code users until it is closed."""
    if not may_read(actor, ticket):
        return False
    if is_code_user(actor):
        return not ticket.is_final
    return ticket.status != Status.DRAFT


def write_refusal(actor, ticket: Ticket) -> str:
    if is_code_user(actor) and ticket.is_final:
        return _("This ticket is %(status)s: no more messages can be written.") % {"status": ticket.get_status_display()}
    return _("You cannot write messages on this ticket.")


def serialize(message: Message) -> dict:
    if message.author_id:
        author = {"kind": "staff", "id": message.author_id, "name": message.author.display_name,
                  "role": str(message.author.role.label) if message.author.role else ""}
    elif message.author_code_user_id:
        author = {"kind": "code_user", "id": message.author_code_user_id,
                  "name": message.author_code_user.display_name, "role": ""}
    else:
        author = {"kind": "system", "id": None, "name": _("System"), "role": ""}
    return {
        "id": message.pk,
        "seq": message.seq,
        "kind": message.kind,
        "text": render_system_text(message) if message.kind == MessageKind.SYSTEM else message.text,
        "author": author,
        "client_id": message.client_id or None,
        "created_at": message.created_at.isoformat(),
    }


def render_system_text(message: Message) -> str:
    """System messages are stored as facts and worded in the reader's language."""
    data = message.data or {}
    if data.get("event") == "status" and data.get("from") == Status.DRAFT:
        return _("The ticket has been received: %(to)s") % {"to": Status(data["to"]).label}
    if data.get("event") == "status":
        text = _("Status changed: %(from)s → %(to)s") % {"from": Status(data["from"]).label, "to": Status(data["to"]).label}
        if data.get("reason"):
            text = _("%(change)s. Reason: %(reason)s") % {"change": text, "reason": data["reason"]}
        return text
    if data.get("event") == "fleet":
        names = {"name": data.get("name", ""), "to": data.get("to_name", "")}
        if data.get("change") == "taken":
            return _("%(name)s has taken the ticket.") % names
        if data.get("change") == "assigned":
            return _("%(name)s is now working on the ticket.") % names
        if data.get("change") == "released":
            return _("%(name)s has released the ticket.") % names
        if data.get("change") == "forwarded":
            return _("%(name)s has forwarded the ticket to %(to)s.") % names
    if data.get("event") == "video":  # post_video_notice
        title = {"title": data.get("title", "")}
        if data.get("change") == "start":
            return _("The video session “%(title)s” has started: join it under Video sessions.") % title
        if data.get("change") == "requested":
            return _("A video session has been asked for: “%(title)s”.") % title
        if data.get("change") == "confirm":
            return _("The video session “%(title)s” is confirmed.") % title
    if data.get("event") == FEEDBACK_REQUESTED:  # request_feedback_on_done
        return _("Please rate the completed work: give it 1 to 5 stars, or tell us if the problem persists.")
    return message.text


def _clean(text) -> str:
    if text is None:
        raise InvalidInput(_("A message must be text."), errors={"text": ["type"]})
    return clean_text(
        text, field="text", max_length=settings.MESSENGER_MAX_LENGTH, required=True,
        type_message=_("A message must be text."), required_message=_("A message cannot be empty."),
        too_long_message=_("A message may have at most %(max)d characters."),
    )


def _clean_client_id(client_id) -> str:
    if client_id in (None, ""):
        return ""
    if not isinstance(client_id, str) or len(client_id) > 64 or not client_id.isprintable():
        raise InvalidInput(_("Invalid client id."), errors={"client_id": ["invalid"]})
    return client_id


def message_post(actor, ticket: Ticket | int, *, text, client_id=None) -> tuple[Message, bool]:
    """Store a message (before anything is broadcast). Returns (message, created): a message
    resent with the same client id is not stored twice.

    On PostgreSQL one statement numbers, stores and counts the message (``_store_numbered``): it
    stores only while the ticket's status, visibility and access code are what the write rule was
    checked on; when they changed (a socket keeps its ticket from the handshake), the ticket is
    read again, the rule asked again, and the statement tried again. SQLite: a transaction of the
    numbering (which reads the ticket as stored) and the insert."""
    ticket = ticket if isinstance(ticket, Ticket) else Ticket.objects.get(pk=ticket)
    text = _clean(text)
    client_id = _clean_client_id(client_id)
    _check_write(actor, ticket)  # on what the caller knows: a socket's ticket may be a little old …
    try:
        if connection.vendor == "postgresql":
            # A savepoint only inside a caller's transaction (an error must not spoil it); alone,
            # the statement is its own transaction: one round trip per message.
            with transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext():
                message, participating = _store_numbered(ticket, actor, text=text, client_id=client_id)
        else:
            with transaction.atomic():
                seq, participating = _next_seq(ticket, refresh=True, participant=actor if is_code_user(actor) else None)
                _check_write(actor, ticket)  # … so again on the ticket as stored now (rolls the number back)
                message = _store(ticket, seq, actor, text=text, client_id=client_id)
    except IntegrityError:
        # The client id is stored already (a resend after a reconnect, or the same message racing
        # in through another connection): that one is the message. Asking first would cost every
        # message a query for what happens rarely.
        existing = Message.objects.filter(ticket=ticket, client_id=client_id).first() if client_id else None
        if existing is None:
            raise
        return existing, False
    if is_code_user(actor) and not participating:
        _took_part(actor, ticket)  # their first message (a lost one is recorded with their next)
    _publish_message(ticket, message, actor)
    return message, True


def system_message_post(ticket: Ticket, *, text: str, data: dict) -> Message:
    with transaction.atomic():
        message = _store(ticket, _next_seq(ticket)[0], None, text=text, kind=MessageKind.SYSTEM, data=data)
        _publish_message(ticket, message, None)
    return message


def _store(ticket: Ticket, seq: int, actor, *, text: str, client_id: str = "", kind=MessageKind.TEXT,
           data: dict | None = None) -> Message:
    """Insert the message (numbered ``seq``) and count it as unread for the ticket's other staff
    (``ReadCursor.unread``): on PostgreSQL one statement, the count's UPDATE a CTE of the INSERT (a
    failing insert, a repeated client id, takes the count with it); on SQLite, which has no UPDATE
    in a CTE, two. Written out instead of ``Message.objects.create``, which costs a message more
    Python than its SQL; no signal listens to messages."""
    message = _new_message(ticket, seq, actor, text=text, client_id=client_id, kind=kind, data=data)
    fields, insert, count = _store_sql()
    values = [field.get_db_prep_save(getattr(message, field.attname), connection) for field in fields]
    author_id = None if actor is None or is_code_user(actor) else actor.pk
    count += " AND user_id <> %s" if author_id is not None else ""
    count_params = [ticket.pk] + ([author_id] if author_id is not None else [])
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"WITH counted AS ({count}) {insert}", count_params + values)
            message.pk = cursor.fetchone()[0]
        else:
            cursor.execute(insert, values)
            message.pk = cursor.fetchone()[0]
            cursor.execute(count, count_params)
    message._state.adding, message._state.db = False, connection.alias
    return message


def _new_message(ticket: Ticket, seq: int, actor, *, text: str, client_id: str = "", kind=MessageKind.TEXT,
                 data: dict | None = None) -> Message:
    return Message(
        ticket=ticket, kind=kind, text=text, data=data or {}, client_id=client_id, seq=seq, created_at=timezone.now(),
        **actor_columns(actor, user_field="author", code_user_field="author_code_user"),
    )


@functools.cache
def _store_sql() -> tuple[list, str, str]:
    """``_store``'s columns and statements, worked out once per process (not per message)."""
    fields = [field for field in Message._meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    insert = (
        f"INSERT INTO {quote(Message._meta.db_table)} ({', '.join(quote(field.column) for field in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))}) RETURNING {quote(Message._meta.pk.column)}"
    )
    count = f"UPDATE {quote(ReadCursor._meta.db_table)} SET unread = unread + 1 WHERE ticket_id = %s AND user_id IS NOT NULL"
    return fields, insert, count


# How often ``_store_numbered`` reads the ticket again when it changed under the statement.
STORE_ATTEMPTS = 3


def _store_numbered(ticket: Ticket, actor, *, text: str, client_id: str) -> tuple[Message, bool]:
    """PostgreSQL: number the message, insert it and count it as unread for the ticket's other
    staff in one call of ``messenger_store_message`` (messenger migration 0004: one round trip, its
    own transaction), which also says whether a code user takes part already. It stores only while
    the ticket's status, visibility and access code (what the write rule depends on) are still
    those of ``ticket``; otherwise nothing is written, the ticket is read again and the rule asked
    again (``WrongState`` or ``PermissionDenied`` when it now refuses). The numbering's row lock
    orders a ticket's messages; a failed call (a repeated client id) gives its number back."""
    message = _new_message(ticket, 0, actor, text=text, client_id=client_id)
    code_user_id = actor.pk if is_code_user(actor) else None
    for _attempt in range(STORE_ATTEMPTS):
        with connection.cursor() as cursor:
            cursor.execute(
                'SELECT * FROM "messenger_store_message"(%s, %s, %s, %s, %s, %s, %s, %s, %s)',
                [ticket.pk, ticket.status, ticket.visibility, ticket.access_code_id, message.author_id, code_user_id,
                 text, client_id, message.created_at],
            )
            row = cursor.fetchone()
        if row is not None:
            message.pk, message.seq = row[0], row[1]
            message._state.adding, message._state.db = False, connection.alias
            return message, bool(row[2])
        fresh = Ticket.objects.filter(pk=ticket.pk).values_list("status", "visibility", "access_code_id").first()
        if fresh is None:
            raise PermissionDenied(write_refusal(actor, ticket))
        _take_rule_inputs(ticket, *fresh)
        _check_write(actor, ticket)
    raise WrongState(_("The ticket is changing right now. Please send the message again."))


def _take_rule_inputs(ticket: Ticket, status: str, visibility: str, access_code_id: int | None) -> None:
    """Put the write rule's inputs as read from the database into ``ticket``. The status is a
    protected state field: its value is taken as loaded (forget the old one, then set it), as
    ``refresh_from_db`` does, never as a transition."""
    ticket.__dict__.pop("status", None)
    ticket.status, ticket.visibility, ticket.access_code_id = status, visibility, access_code_id


def _check_write(actor, ticket: Ticket) -> None:
    if not may_write(actor, ticket):
        if may_read(actor, ticket):
            raise WrongState(write_refusal(actor, ticket))
        raise PermissionDenied(write_refusal(actor, ticket))


def _next_seq(ticket: Ticket, *, refresh: bool = False, participant=None) -> tuple[int, bool]:
    """The ticket's next message number; call inside the storing transaction. One statement (an
    upsert that returns the new number, on PostgreSQL and SQLite alike): it locks the ticket's
    conversation row until commit, so concurrent messages queue up and no number repeats or is
    skipped (a rolled-back message gives its number back).

    ``refresh``: the same statement also reads what the write rule depends on (the ticket's status,
    visibility and access code, as committed now) into ``ticket``: an open socket keeps its ticket
    from the handshake, and a status change may not have reached it yet (a message written after
    the ticket was closed must be refused, not stored).

    ``participant`` (a code user): the statement also says whether they take part in the ticket
    already, so that their every message does not ask again (returned second; False without one)."""
    table = connection.ops.quote_name(Conversation._meta.db_table)
    tickets = connection.ops.quote_name(Ticket._meta.db_table)
    participants = connection.ops.quote_name(TicketParticipant._meta.db_table)
    fresh = "".join(
        f", (SELECT {column} FROM {tickets} WHERE id = %s)" for column in ("status", "visibility", "access_code_id")
    ) if refresh else ""
    params = [ticket.pk] + ([ticket.pk] * 3 if refresh else [])
    if participant is not None:
        fresh += f", EXISTS (SELECT 1 FROM {participants} WHERE ticket_id = %s AND code_user_id = %s)"
        params += [ticket.pk, participant.pk]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (ticket_id, last_seq) VALUES (%s, 1) "
            f"ON CONFLICT (ticket_id) DO UPDATE SET last_seq = {table}.last_seq + 1 RETURNING last_seq{fresh}",
            params,
        )
        row = cursor.fetchone()
    if refresh:
        _take_rule_inputs(ticket, row[1], row[2], row[3])
    return row[0], bool(row[-1]) if participant is not None else False


def _took_part(actor, ticket: Ticket) -> None:
    ticket_services.participate(actor, ticket, ParticipationKind.WROTE, fetch=False)


def _publish_message(ticket: Ticket, message: Message, actor) -> None:
    events.publish_on_commit(ticket_events.messenger_message_posted(ticket, actor, message, shown(message)))


def shown(message: Message) -> dict[str, dict]:
    """The message as the sockets show it, once per UI language (system texts and role names are
    worded per reader): built once when it is stored, pushed as it is to every open page."""
    result = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            result[code] = serialize(message)
    return result


def _cursor_filter(actor) -> dict:
    return {"code_user": actor} if is_code_user(actor) else {"user": actor}


def mark_read(actor, ticket: Ticket, up_to_id: int) -> int:
    """Move the actor's read cursor forward (never back); return where it stands. A staff
    member's unread count is counted afresh where the cursor now stands."""
    if not may_read(actor, ticket):
        raise PermissionDenied(_("You cannot read this conversation."))
    last = Message.objects.filter(ticket=ticket, id__lte=up_to_id).order_by("-id").values_list("id", flat=True).first()
    if last is None:
        return 0
    staff = not is_code_user(actor)
    with transaction.atomic():
        # The cursor's row lock: a message being stored adds its one only after this commits (or
        # has added it already, and this waits for its commit and counts it).
        cursor = ReadCursor.objects.select_for_update().filter(ticket=ticket, **_cursor_filter(actor)).first()
        created = cursor is None
        if created:
            if staff:
                _lock_conversation(ticket.pk)  # a new row: no message may be stored meanwhile
            cursor, created = ReadCursor.objects.get_or_create(ticket=ticket, **_cursor_filter(actor))
        if last > cursor.last_read_id:
            cursor.last_read_id = last
            if staff:  # moved and counted in one statement (the lock is ours: it sees every commit)
                ReadCursor.objects.filter(pk=cursor.pk).update(
                    last_read_id=last, unread=Subquery(selectors.counted(selectors.others_after(ticket.pk, actor.pk, last))),
                    updated_at=timezone.now(),
                )
            else:
                cursor.save(update_fields=["last_read_id", "updated_at"])
        elif created and staff:
            cursor.unread = _unread_after(ticket.pk, actor.pk, cursor.last_read_id)
            cursor.save(update_fields=["unread"])
    ticket_services.participant_seen(actor, ticket)  # a customer reading on the page needs no e-mail
    return cursor.last_read_id


# --- staff's unread counts -------------------------------------------------------------------------
#
# ``ReadCursor.unread`` of a staff member's cursor is the number of messages after it that others
# wrote: one more with every message (in the message's transaction), counted afresh when the cursor
# moves or is made. A count never misses a message being stored nor sees one twice: moving a cursor
# holds its row lock (the message's one more waits for it, or it waits for the message's commit and
# then counts it); making a cursor holds the conversation's lock (the row the numbering updates,
# which a message being stored holds until it commits), since a row not yet committed gets no one
# more from a message.


def _lock_conversation(ticket_id: int) -> None:
    """Hold the conversation's lock until commit (the row made if the ticket has no message yet)."""
    table = connection.ops.quote_name(Conversation._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (ticket_id, last_seq) VALUES (%s, 0) "
            f"ON CONFLICT (ticket_id) DO UPDATE SET last_seq = {table}.last_seq",
            [ticket_id],
        )


def _unread_after(ticket_id: int, user_id: int, after_id: int) -> int:
    return selectors.others_after(ticket_id, user_id, after_id).count()


def unread_track(user_id: int, ticket_id: int) -> None:
    """From now on the staff member's unread messages on this ticket are counted (the fleet calls
    this when someone is assigned, holding the ticket's row lock): their cursor, made and counted
    if they have none yet.

    Without the conversation's lock: a message being stored holds it and, at its commit, waits for
    the ticket's row (its row refers to the ticket), so taking it here could deadlock. A message
    stored at this very moment may therefore be missed; ``unread_settle`` counts again once the
    assignment is committed."""
    cursor, created = ReadCursor.objects.get_or_create(ticket_id=ticket_id, user_id=user_id)
    if created:
        cursor.unread = _unread_after(ticket_id, user_id, 0)
        if cursor.unread:
            cursor.save(update_fields=["unread"])


def unread_settle(event: events.DomainEvent) -> None:
    """Subscriber of "fleet.assignee_added" and "fleet.forwarded", after the commit: the new
    assignee's count taken again under the conversation's lock (no ticket lock is held now), so a
    message stored while they were being assigned is in it exactly once."""
    user_id = event.payload["to_user_id"] if event.name == "fleet.forwarded" else event.payload["user_id"]
    with transaction.atomic():
        _lock_conversation(event.ticket_id)
        cursor = ReadCursor.objects.select_for_update().filter(ticket_id=event.ticket_id, user_id=user_id).first()
        if cursor is None:
            return  # unassigned again meanwhile and never made (a cursor is made by the assignment)
        unread = _unread_after(event.ticket_id, user_id, cursor.last_read_id)
        if unread != cursor.unread:
            ReadCursor.objects.filter(pk=cursor.pk).update(unread=unread)


def unread_recount(track: Iterable[tuple[int, int]] = (), *, ticket_ids: Iterable[int] | None = None) -> None:
    """For data stored behind the services' back (the benchmark's generators, bulk-loaded test
    data): cursors for the (ticket id, user id) pairs in ``track`` that have none, then every staff
    cursor (of ``ticket_ids``, or of all tickets) counted afresh. Not for a running desk: it takes
    no conversation's lock."""
    staff_cursors = ReadCursor.objects.filter(user__isnull=False)
    if ticket_ids is not None:
        staff_cursors = staff_cursors.filter(ticket_id__in=list(ticket_ids))
    with transaction.atomic():
        have = set(staff_cursors.values_list("ticket_id", "user_id"))
        missing = {pair for pair in track if pair not in have}
        ReadCursor.objects.bulk_create(
            [ReadCursor(ticket_id=ticket_id, user_id=user_id) for ticket_id, user_id in sorted(missing)], batch_size=5000
        )
        unread = selectors.counted(selectors.others_after(OuterRef("ticket"), OuterRef("user"), OuterRef("last_read_id")))
        staff_cursors.update(unread=Coalesce(Subquery(unread), 0))


def post_status_notice(event: events.DomainEvent) -> None:
    """Subscriber: every status change of a public ticket appears in its conversation."""
    if event.internal or "from" not in event.payload:
        return
    ticket = Ticket.objects.filter(pk=event.ticket_id).first()
    if ticket is None or ticket.visibility != Visibility.PUBLIC or ticket.access_code_id is None:
        return
    source, target = event.payload["from"], event.payload["to"]
    data = {"event": "status", "from": source, "to": target}
    if event.payload.get("transition") in REASON_SHOWN_FOR and event.payload.get("reason"):
        data["reason"] = event.payload["reason"]  # closing early or releasing: the customer learns why
    system_message_post(ticket, text=f"Status changed: {Status(source).label} → {Status(target).label}", data=data)


# The transitions whose reason the customer reads in the conversation.
REASON_SHOWN_FOR = ("close", "release")


def post_fleet_notice(event: events.DomainEvent) -> None:
    """Subscriber of the fleet's events: the customer's conversation says, with names, who took the
    ticket, who released it and to whom it was forwarded (public tickets with an access code)."""
    if event.internal:
        return
    ticket = Ticket.objects.filter(pk=event.ticket_id).first()
    if ticket is None or ticket.visibility != Visibility.PUBLIC or ticket.access_code_id is None:
        return
    payload = event.payload
    if event.name == "fleet.assignee_added":
        change = "taken" if payload["how"] in ("claim", "offer") else "assigned"
        data = {"event": "fleet", "change": change, "name": _staff_name(payload["user_id"])}
    elif event.name == "fleet.assignee_removed" and payload["released"]:
        data = {"event": "fleet", "change": "released", "name": _staff_name(payload["user_id"])}
    elif event.name == "fleet.forwarded":
        data = {
            "event": "fleet", "change": "forwarded",
            "name": _staff_name(payload["from_user_id"]), "to_name": _staff_name(payload["to_user_id"]),
        }
    else:
        return  # a moderator's staffing change: the status notice tells the customer what matters
    system_message_post(ticket, text=f"{data['change']}: {data['name']}", data=data)


def post_video_notice(event: events.DomainEvent) -> None:
    """Subscriber of "video.session_changed": the conversation of a public ticket announces a public
    session that was asked for, confirmed or started (internal sessions stay on the staff's tab)."""
    if event.internal or event.payload["change"] not in ("requested", "confirm", "start"):
        return
    ticket = Ticket.objects.filter(pk=event.ticket_id).first()
    if ticket is None or ticket.visibility != Visibility.PUBLIC:
        return
    data = {"event": "video", "change": event.payload["change"], "title": event.payload["title"],
            "session_id": event.payload["session_id"]}
    system_message_post(ticket, text=f"video {data['change']}: {data['title']}", data=data)


def _staff_name(user_id: int) -> str:
    user = get_user_model().objects.filter(pk=user_id).first()
    return user.display_name if user is not None else ""


def request_feedback_on_done(event: events.DomainEvent) -> None:
    """Subscriber of "ticket.transitioned" (config/subscriptions.py): when a public ticket with an
    access code becomes Fertig and its template asks for feedback, a system message asks the code
    user to rate the work (``tickets.services.feedback`` takes the answer)."""
    if event.internal or event.payload.get("to") != Status.DONE:
        return
    ticket = Ticket.objects.select_related("template").filter(pk=event.ticket_id).first()
    if ticket is None or ticket.visibility != Visibility.PUBLIC or ticket.access_code_id is None:
        return
    if not ticket_selectors.feedback_requested(ticket):
        return  # the template does not ask, or the ticket moved on meanwhile
    system_message_post(ticket, text="Please rate the work", data={"event": FEEDBACK_REQUESTED})
