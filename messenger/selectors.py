"""Read queries of the messenger: a page of the conversation, read receipts, unread counts.
Who may read is ``tickets.permissions.can_see`` (the socket and the pages ask it per request)."""

from __future__ import annotations

from django.db.models import Func, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from common.errors import PermissionDenied
from messenger.models import Message, MessageKind, ReadCursor
from tickets import permissions
from tickets import selectors as ticket_selectors
from tickets.models import Ticket


def messages_for(
    actor, ticket: Ticket, *, after_id: int | None = None, after_seq: int | None = None,
    before_id: int | None = None, limit: int = 50,
):
    """A page of the conversation, oldest first: after a sequence number or an id (catching up), or
    before an id (older history); with none of them, the newest ``limit`` messages."""
    if not permissions.can_see(actor, ticket):
        raise PermissionDenied(_("You cannot read this conversation."))
    limit = max(1, min(int(limit), 200))
    queryset = Message.objects.filter(ticket=ticket).select_related("author", "author_code_user")
    queryset = queryset.prefetch_related("author__groups")
    if after_seq is not None:
        return list(queryset.filter(seq__gt=after_seq).order_by("seq")[:limit])
    if after_id is not None:
        return list(queryset.filter(id__gt=after_id).order_by("id")[:limit])
    if before_id is not None:
        queryset = queryset.filter(id__lt=before_id)
    return list(reversed(queryset.order_by("-id")[:limit]))


# The most messages one page holds (the socket's catching up and the API alike).
MAX_PAGE = 200


def messages_page(
    actor, ticket: Ticket, *, after_seq: int | None = None, before_seq: int | None = None, limit: int = 50,
) -> tuple[list[Message], bool]:
    """A page of the conversation by the ticket's message numbers (``seq``), oldest first, and
    whether there is more in the direction read: after ``after_seq`` (catching up; ``more``: newer
    ones follow the last), or before ``before_seq`` (older history), or with neither the newest
    ``limit`` (``more`` for both: older ones precede the first)."""
    if not permissions.can_see(actor, ticket):
        raise PermissionDenied(_("You cannot read this conversation."))
    limit = max(1, min(int(limit), MAX_PAGE))
    queryset = (
        Message.objects.filter(ticket=ticket).select_related("author", "author_code_user")
        .prefetch_related("author__groups")
    )
    if after_seq is not None:
        rows = list(queryset.filter(seq__gt=after_seq).order_by("seq")[: limit + 1])
        return rows[:limit], len(rows) > limit
    if before_seq is not None:
        queryset = queryset.filter(seq__lt=before_seq)
    rows = list(queryset.order_by("-seq")[: limit + 1])
    return list(reversed(rows[:limit])), len(rows) > limit


def message_with_author(pk: int) -> Message | None:
    """One message as the live push and the socket serialise it (None if it is gone)."""
    return (
        Message.objects.select_related("author", "author_code_user").prefetch_related("author__groups")
        .filter(pk=pk).first()
    )


def staff_messages_for_digest(ticket: Ticket, code_user, since) -> list[Message]:
    """What staff wrote in the conversation after ``since`` that the code user has not read yet
    (their e-mail digest), oldest first."""
    read_up_to = (
        ReadCursor.objects.filter(ticket=ticket, code_user=code_user).values_list("last_read_id", flat=True).first() or 0
    )
    return list(
        Message.objects.filter(ticket=ticket, kind=MessageKind.TEXT, author__isnull=False, created_at__gt=since,
                               id__gt=read_up_to)
        .select_related("author").order_by("id")
    )


def read_state(ticket: Ticket) -> dict:
    """How far the staff and the code users have read (for "seen" receipts)."""
    cursors = ReadCursor.objects.filter(ticket=ticket)
    staff = max([c.last_read_id for c in cursors if c.user_id] or [0])
    code_users = max([c.last_read_id for c in cursors if c.code_user_id] or [0])
    return {"staff": staff, "code_user": code_users}


def others_after(ticket, user, after_id) -> QuerySet[Message]:
    """The rule of what is unread for a staff member: a ticket's messages after ``after_id`` that
    others wrote (system messages and code users' count; their own never do). Each argument a
    value or an ``OuterRef`` (as a correlated subquery)."""
    return Message.objects.filter(ticket=ticket, id__gt=after_id).exclude(author=user)


def counted(messages: QuerySet[Message]):
    """How many, as a subquery (one row, 0 when none)."""
    return messages.order_by().annotate(n=Func("id", function="COUNT", output_field=IntegerField())).values("n")


def _with_unread(tickets: QuerySet[Ticket], user) -> QuerySet[Ticket]:
    """Each ticket with ``unread``: ``others_after`` the staff member's read cursor.

    The cursor keeps that number (``ReadCursor.unread``, kept by ``messenger.services``): one
    lookup by its ticket and user. Without a cursor (never read, never assigned) everything others
    wrote is unread: a count on the messages' (ticket, id) index. Both are subqueries of the ticket
    row, so the work follows the tickets asked about, not the history."""
    kept = ReadCursor.objects.filter(ticket=OuterRef("pk"), user=user).values("unread")[:1]
    everything = counted(others_after(OuterRef("pk"), user, 0))
    return tickets.order_by().annotate(unread=Coalesce(Subquery(kept), Subquery(everything), output_field=IntegerField()))


def unread_counts(user, tickets) -> dict[int, int]:
    """Unread messages per ticket for a staff member (one query; tickets without unread left out)."""
    ids = [t.pk if isinstance(t, Ticket) else t for t in tickets]
    rows = _with_unread(Ticket.objects.filter(pk__in=ids), user).filter(unread__gt=0).values_list("pk", "unread")
    return dict(rows)


def unread_total(user) -> int:
    """Unread messages on the unfinished tickets the staff member is assigned to (the side menu's
    badge, on every staff page). Two small queries by index, however long the history: their
    cursors' kept counts (by the user's index; one row per ticket they were assigned to or read),
    then which of the tickets with something unread are unfinished and theirs (by key)."""
    unread = dict(ReadCursor.objects.filter(user=user, unread__gt=0).values_list("ticket_id", "unread"))
    if not unread:
        return 0
    return sum(unread[pk] for pk in ticket_selectors.active_assigned_among(user, unread))
