"""Read queries for tickets. The only way pages and the API list or fetch tickets.

Who sees what is ``tickets.permissions`` (the one access rule); these are its querysets. Every
queryset selects what list pages show, so a page costs a constant number of queries.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    Case,
    Count,
    IntegerField,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from common.actors import is_code_user
from common.compiled import compiled_query
from common.errors import NotFound
from common.text import strip_text
from common.versioned_cache import VersionedValue
from tickets import lifecycle, permissions
from tickets.choices import (
    ACTIVE_STATES,
    FINAL_STATES,
    PROGRESS_ORDER,
    Status,
    UpdateKind,
    Visibility,
)
from tickets.models import (
    AccessCode,
    Attachment,
    Feedback,
    TemplateField,
    Ticket,
    TicketHistory,
    TicketParticipant,
    TicketTemplate,
    TicketUpdate,
    normalize_entry_code,
)


# What every ticket read joins: what it was made from, and who made it (the staff list leaves the
# creator out, ``with_list_columns(creator=False)``).
_JOINED = ("template", "access_code")
_CREATOR = ("created_by", "created_by_code_user")


def _base() -> QuerySet[Ticket]:
    # The search vector is the database's (its triggers write it); pages never need its bytes, and a
    # save of a ticket loaded here leaves it alone.
    return Ticket.objects.select_related(*_JOINED, *_CREATOR).defer("search_vector")


def with_list_columns(queryset: QuerySet[Ticket], *, creator: bool = True) -> QuerySet[Ticket]:
    """What a list row shows beside the ticket's own columns: its rating (joined: one row at most
    per ticket) and its assignees (one more query for the whole page).

    ``creator=False`` for rows that do not show who created the ticket (the staff list compares
    the creator's id only): the two joins of the creator are left out, which at 100,000 tickets
    takes a third off the rows' query (PostgreSQL plans fewer joins)."""
    assignment = Ticket._meta.get_field("assignments").related_model  # fleet's, reached by its relation
    if not creator:
        queryset = queryset.select_related(None).select_related(*_JOINED)
    return queryset.select_related("feedback").prefetch_related(
        Prefetch("assignments", queryset=assignment.objects.select_related("user"))
    )


def ticket_reloaded(pk: int) -> Ticket:
    """A fresh copy of a ticket the caller already had access to (its state may have moved)."""
    return _base().get(pk=pk)


def tickets_for_staff(user) -> QuerySet[Ticket]:
    visible = permissions.staff_tickets(user)
    return Ticket.objects.none() if visible is None else _base().filter(visible)


def tickets_for_access_code(access_code: AccessCode) -> QuerySet[Ticket]:
    """The public tickets created through a code (what its code users see)."""
    visible = permissions.code_user_tickets(access_code)
    return Ticket.objects.none() if visible is None else _base().filter(visible)


def tickets_for_code_user(code_user) -> QuerySet[Ticket]:
    return tickets_for_access_code(code_user.access_code)


def tickets_visible_to(actor) -> QuerySet[Ticket]:
    if is_code_user(actor):
        return tickets_for_code_user(actor)
    return tickets_for_staff(actor)


def access_ticket(actor, number: str, *, lock: bool = False, list_columns: bool = False) -> Ticket:
    """Fetch *and* authorise: a ticket the actor may see, or ``NotFound`` (never reveals that it
    exists). ``lock=True`` takes the row lock (inside the caller's transaction);
    ``list_columns=True`` brings what a list row shows too (``with_list_columns``)."""
    queryset = tickets_visible_to(actor)
    if list_columns:
        queryset = with_list_columns(queryset)
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    try:
        return queryset.get(number=number)
    except Ticket.DoesNotExist:
        raise NotFound(_("There is no such ticket, or you may not see it.")) from None


def updates_for(actor, ticket: Ticket) -> QuerySet[TicketUpdate]:
    """Newest first; code users see public updates only."""
    queryset = (
        TicketUpdate.objects.filter(ticket=ticket)
        .select_related("author", "author_code_user", "corrects")
        .prefetch_related("attachments")
    )
    if is_code_user(actor):
        return queryset.filter(kind=UpdateKind.PUBLIC)
    return queryset


def attachment_for(actor, ticket: Ticket, pk: int) -> Attachment:
    """An attachment of an update the actor may read on this ticket, or ``NotFound``: code users get
    those of public updates only, and nobody learns whether another attachment exists."""
    try:
        return Attachment.objects.select_related("update").get(pk=pk, update__in=updates_for(actor, ticket))
    except Attachment.DoesNotExist:
        raise NotFound(_("There is no such file.")) from None


def public_updates(ticket: Ticket) -> QuerySet[TicketUpdate]:
    return updates_for(None, ticket).filter(kind=UpdateKind.PUBLIC)


def internal_updates(actor, ticket: Ticket) -> QuerySet[TicketUpdate]:
    if not lifecycle.is_staff(actor):
        return TicketUpdate.objects.none()
    return updates_for(actor, ticket).filter(kind=UpdateKind.INTERNAL)


def history_for(actor, ticket: Ticket) -> QuerySet[TicketHistory]:
    """The full history is for staff; code users get status changes via the messenger."""
    if not lifecycle.is_staff(actor):
        return TicketHistory.objects.none()
    return TicketHistory.objects.filter(ticket=ticket).select_related("actor", "actor_code_user")


def tickets_assigned_to(user, queryset: QuerySet[Ticket] | None = None) -> QuerySet[Ticket]:
    """"My tickets": those the user is assigned to (role-wide rights of moderators do not count).

    Read from the fleet's assignment rows (reached by their relation, unique per ticket and user:
    no duplicates), by the index on the user: guardian's generic ``get_objects_for_user`` is
    planned as a scan of all tickets. The fleet's services write an assignment and grant the
    per-ticket permissions in one transaction (and revoke them with it), so both say the same;
    guardian stays what the rules ask (``lifecycle.is_assignee``)."""
    queryset = tickets_for_staff(user) if queryset is None else queryset
    return queryset.filter(assignments__user=user)


def status_counts(user) -> dict[str, int]:
    """How many tickets this staff member may see, per progress status (the start page)."""
    return dict(tickets_for_staff(user).order_by().values_list("status").annotate(n=Count("id")))


def active_tickets_assigned_to(user) -> QuerySet[Ticket]:
    """The unfinished tickets the user is assigned to (the start page's count, the unread badge).

    Two steps, both by index, so that neither a long history nor the number of tickets makes it
    slower: the ids come from the partial index of assignments whose ticket is not finished
    (``fleet.Assignment.ticket_finished``, reached by the relation), then the tickets are fetched
    by their keys and their status is checked on the row. Handing the planner the ids themselves
    (not a join) lets it see how few they are; joined, PostgreSQL prefers to read every ticket.
    The first step runs when this is called; the queryset returned is the second."""
    assignment = Ticket._meta.get_field("assignments").related_model
    ids = list(assignment.objects.filter(user=user, ticket_finished=False).values_list("ticket_id", flat=True))
    return tickets_for_staff(user).filter(pk__in=ids).exclude(status__in=FINAL_STATES)


def active_assigned_among(user, ids) -> list[int]:
    """Which of these tickets (ids) are unfinished and assigned to the user (the unread badge asks
    about the few tickets with something unread): read by their keys."""
    return list(
        tickets_for_staff(user).filter(pk__in=list(ids), assignments__user=user)
        .exclude(status__in=FINAL_STATES).order_by().values_list("pk", flat=True)
    )


# --- the tab counts of the staff list ------------------------------------------------------------------

# Geschlossen and Abgebrochen are counted once for everybody and kept in the shared cache until an
# event that can change them (``FINAL_COUNTS_EVENTS``) forgets them. The timeout is a safety net
# only (data loaded behind the services' back).
FINAL_COUNTS = VersionedValue("tickets:final-counts", what="finished-ticket counts", timeout=600)
FINAL_COUNTS_VERSION_KEY = FINAL_COUNTS.version_key


def active_status_counts(user, *, visibility: str = "") -> dict[str, int]:
    """Per active state, the tickets this staff member sees (optionally of one visibility).

    ``status IN (<active states>)`` is the condition of ``ticket_active_status_idx``, so this reads
    that partial index alone: its size is the active tickets', not the history's."""
    visible = permissions.staff_tickets(user)
    if visible is None:
        return {}
    queryset = Ticket.objects.filter(visible, status__in=ACTIVE_STATES)
    if visibility:
        queryset = queryset.filter(visibility=visibility)
    return dict(queryset.order_by().values_list("status").annotate(n=Count("status")))


def final_status_counts(*, visibility: str = "") -> dict[str, int]:
    """Geschlossen and Abgebrochen: how many there are (optionally of one visibility), from the cache.

    The same for every staff member who sees tickets at all (finished tickets are never drafts,
    the only thing staff visibility depends on). Kept in the cache until ``forget_final_counts``
    (``common.versioned_cache``: never older than the last committed change)."""
    return FINAL_COUNTS.get(lambda: _final_counts(visibility), part=visibility or "any")


def _final_counts(visibility: str) -> dict[str, int]:
    queryset = Ticket.objects.filter(status__in=FINAL_STATES)
    if visibility:
        queryset = queryset.filter(visibility=visibility)
    return dict(queryset.order_by().values_list("status").annotate(n=Count("status")))


# The events after which a finished-tickets count may differ: a status change (closed, cancelled,
# reopened) or a visibility change (the counts per visibility). Assignments do not enter these
# counts (the "mine"/assignee filters are counted exactly, never from here), but the list's
# promise is simple to check: every status, visibility or assignment event forgets them.
FINAL_COUNTS_EVENTS = (
    "ticket.transitioned", "ticket.visibility_changed",
    "fleet.assignee_added", "fleet.assignee_removed", "fleet.forwarded",
)


def forget_final_counts(event=None) -> None:
    """Subscriber (``config/subscriptions.py``): the cached finished-ticket counts are outdated."""
    FINAL_COUNTS.forget()


def staff_tab_counts(user, *, visibility: str = "") -> dict[str, int]:
    """Every status tab's count for the unfiltered list (or filtered by visibility only): the
    active states counted from their partial index, the finished ones from the cache. Exact: a tab
    that says 3 lists 3."""
    counts = active_status_counts(user, visibility=visibility)
    if permissions.staff_tickets(user) is not None:
        counts.update(final_status_counts(visibility=visibility))
    return counts


def my_active_count(user) -> int:
    """The unfinished tickets the staff member is assigned to."""
    return active_tickets_assigned_to(user).count()


def custom_field_rows(ticket: Ticket) -> list[tuple[str, object]]:
    """The template's fields with this ticket's values, in the template's order."""
    values = ticket.custom_values or {}
    return [(field.label, values.get(field.key)) for field in ticket.template.fields.all()]


def code_user_current_tickets(code_user) -> QuerySet[Ticket]:
    """The code page: the unfinished tickets of the code, in the order of their progress."""
    progress = Case(*[When(status=s, then=Value(i)) for i, s in enumerate(PROGRESS_ORDER)], output_field=IntegerField())
    return (
        tickets_for_code_user(code_user).select_related("feedback")
        .exclude(status__in=FINAL_STATES).order_by(progress, "-updated_at")
    )


def code_user_archive(code_user, *, q: str = "") -> QuerySet[Ticket]:
    """The code page's archive: finished tickets of the code, newest first, searchable. The search
    comes straight from the URL: NUL characters are dropped (PostgreSQL refuses them in a query)."""
    queryset = tickets_for_code_user(code_user).select_related("feedback").filter(status__in=FINAL_STATES)
    q = strip_text(q)
    if q:
        queryset = queryset.filter(Q(title__icontains=q) | Q(description__icontains=q) | Q(number__icontains=q))
    return queryset.order_by("-updated_at")


def active_templates() -> QuerySet[TicketTemplate]:
    """The templates new tickets may use (the wizard's first step), with their fields."""
    return TicketTemplate.objects.filter(is_active=True).prefetch_related("fields")


def active_access_code(*, token: str | None = None, entry_code: str | None = None) -> AccessCode | None:
    """A switched-on access code by its QR token or by the code typed from its sticker."""
    if token:
        return AccessCode.objects.select_related("template").filter(token=token, is_active=True).first()
    if entry_code:
        code = normalize_entry_code(entry_code)
        return AccessCode.objects.select_related("template").filter(entry_code=code, is_active=True).first()
    return None


def access_code_id_of(number: str) -> int | None:
    """The access code a ticket came through (to find the code user a session holds for it)."""
    return Ticket.objects.filter(number=number).values_list("access_code_id", flat=True).first()


def access_codes(*, q: str = "", state: str = "") -> QuerySet[AccessCode]:
    """The settings area's list: search in label, location, serial number and the typed code;
    ``state`` "active" or "inactive"."""
    codes = AccessCode.objects.select_related("template").order_by("label", "pk")
    if q:
        match = Q(label__icontains=q) | Q(location__icontains=q) | Q(serial_number__icontains=q)
        entry = normalize_entry_code(q)
        if entry:
            match |= Q(entry_code__icontains=entry)
        codes = codes.filter(match)
    if state in ("active", "inactive"):
        codes = codes.filter(is_active=state == "active")
    return codes



def access_codes_by_ids(ids) -> list[AccessCode]:
    """The codes chosen for a sheet of labels, in label order (unknown ids are left out)."""
    return list(AccessCode.objects.filter(pk__in=list(ids)).select_related("template").order_by("label", "pk"))


def access_code_for_settings(pk: int) -> AccessCode:
    code = AccessCode.objects.select_related("template", "created_by").filter(pk=pk).first()
    if code is None:
        raise NotFound(_("There is no such access code."))
    return code


def access_code_history(code: AccessCode, *, limit: int = 20) -> list:
    """Who changed the code when, newest first (``LogEntry``, written by the access-code services)."""
    return list(
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(AccessCode), object_id=str(code.pk)
        ).select_related("user").order_by("-action_time", "-pk")[:limit]
    )


def active_access_code_count() -> int:
    return AccessCode.objects.filter(is_active=True).count()


# --- templates (the settings area) -------------------------------------------------------------------


def templates_overview() -> QuerySet[TicketTemplate]:
    """Every template, active first, with how many fields and access codes it has."""
    return TicketTemplate.objects.annotate(
        field_count=Count("fields", distinct=True), code_count=Count("access_codes", distinct=True)
    ).order_by("-is_active", "name")


def template_for_settings(pk: int) -> TicketTemplate:
    template = TicketTemplate.objects.prefetch_related("offer_members").filter(pk=pk).first()
    if template is None:
        raise NotFound(_("There is no such template."))
    return template


def template_fields(template: TicketTemplate) -> list[TemplateField]:
    return list(template.fields.all())


def template_field(template_pk: int, field_pk: int) -> TemplateField:
    field = TemplateField.objects.select_related("template").filter(pk=field_pk, template_id=template_pk).first()
    if field is None:
        raise NotFound(_("There is no such field."))
    return field


def active_template_count() -> int:
    return TicketTemplate.objects.filter(is_active=True).count()


# --- participants ------------------------------------------------------------------------------------


def is_participant(code_user, ticket: Ticket) -> bool:
    """The code user took part in the ticket: opened it, wrote in it or follows it."""
    return is_code_user(code_user) and TicketParticipant.objects.filter(ticket_id=ticket.pk, code_user=code_user).exists()


@compiled_query  # asked on every staff answer (chat messages too): compiled once per process
def participants_to_email(ticket_id: int) -> QuerySet:
    """The participants who hear by e-mail about a new answer: with an address, not unsubscribed,
    and no digest pending (one that is carries the new answer too). Called: their ids."""
    return (
        TicketParticipant.objects.filter(ticket_id=ticket_id, unsubscribed_at__isnull=True, email_due_at__isnull=True)
        .exclude(code_user__email="").values_list("pk", flat=True)
    )


def participants_due(now: datetime) -> list[int]:
    return list(TicketParticipant.objects.filter(email_due_at__lte=now).values_list("pk", flat=True))


def staff_public_updates_since(ticket: Ticket, since: datetime) -> list[TicketUpdate]:
    """Public updates staff wrote after ``since`` (the customer's e-mail digest), oldest first."""
    return list(
        public_updates(ticket).filter(created_at__gt=since, author__isnull=False).order_by("created_at", "pk")
    )


# --- feedback --------------------------------------------------------------------------------


def feedback_requested(ticket: Ticket) -> bool:
    """Whether the ticket waits for its code user's rating: Fertig, the template asks, none given yet."""
    return (
        ticket.status == Status.DONE
        and ticket.template.asks_feedback
        and not Feedback.objects.filter(ticket_id=ticket.pk).exists()
    )


def feedback_of(ticket: Ticket) -> Feedback | None:
    """The ticket's feedback or None (uses a ``select_related("feedback")`` when the query had it)."""
    try:
        return ticket.feedback
    except Feedback.DoesNotExist:
        return None


def feedback_state(ticket: Ticket, feedback: Feedback | None) -> str | None:
    """What staff pages show about the rating: "given", "pending" (Fertig, waiting for the code
    user), "none" (finished without a rating although one was asked for), or None (no rating is
    expected: the template does not ask, the ticket is internal or has no access code)."""
    if feedback is not None:
        return "given"
    if not ticket.template.asks_feedback or ticket.access_code_id is None or ticket.visibility != Visibility.PUBLIC:
        return None
    if ticket.status == Status.DONE:
        return "pending"
    if ticket.status == Status.CLOSED:
        return "none"
    return None


def _due(now: datetime) -> Q:
    cutoff = now - timedelta(days=settings.FEEDBACK_AUTOCLOSE_DAYS)
    return Q(status_changed_at__lt=cutoff) | Q(status_changed_at__isnull=True, updated_at__lt=cutoff)


def tickets_awaiting_autoclose(*, now: datetime | None = None):
    """Tickets in Fertig waiting for feedback longer than ``FEEDBACK_AUTOCLOSE_DAYS`` days."""
    return Ticket.objects.filter(
        _due(now or timezone.now()), status=Status.DONE, template__asks_feedback=True, feedback__isnull=True
    )
