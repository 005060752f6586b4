"""Read queries for tickets. The only way pages and the API list or fetch tickets.

Staff see every ticket, internal or public, except other people's unfinished drafts (moderators
and admins see those too). A code user sees only the public, submitted tickets of their access
code. Every queryset selects what list pages show, so a page costs a constant number of queries.
"""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from common.actors import is_code_user
from tickets import lifecycle
from tickets.choices import Status, UpdateKind, Visibility
from tickets.models import AccessCode, Attachment, Ticket, TicketHistory, TicketUpdate


def _base() -> QuerySet[Ticket]:
    return Ticket.objects.select_related("template", "access_code", "created_by", "created_by_code_user")


def tickets_for_staff(user) -> QuerySet[Ticket]:
    if not lifecycle.is_staff(user) or not user.has_perm("tickets.view_ticket"):
        return Ticket.objects.none()
    queryset = _base()
    if not user.has_perm("tickets.moderate_ticket"):
        queryset = queryset.filter(~Q(status=Status.DRAFT) | Q(created_by=user))
    return queryset


def tickets_for_access_code(access_code: AccessCode) -> QuerySet[Ticket]:
    """The public tickets created through a code (what its code users see)."""
    if not access_code.is_active:
        return Ticket.objects.none()
    return _base().filter(access_code=access_code, visibility=Visibility.PUBLIC).exclude(status=Status.DRAFT)


def tickets_for_code_user(code_user) -> QuerySet[Ticket]:
    return tickets_for_access_code(code_user.access_code)


def tickets_visible_to(actor) -> QuerySet[Ticket]:
    if is_code_user(actor):
        return tickets_for_code_user(actor)
    return tickets_for_staff(actor)


def access_ticket(actor, number: str) -> Ticket:
    """Fetch a ticket the actor may see, or raise Http404 (never reveals that it exists)."""
    try:
        return tickets_visible_to(actor).get(number=number)
    except Ticket.DoesNotExist:
        raise Http404("No such ticket") from None


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
    """An attachment of an update the actor may read on this ticket, or Http404: code users get
    those of public updates only, and nobody learns whether another attachment exists."""
    try:
        return Attachment.objects.select_related("update").get(pk=pk, update__in=updates_for(actor, ticket))
    except Attachment.DoesNotExist:
        raise Http404("No such attachment") from None


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


def assignees_prefetch() -> Prefetch:
    from fleet.models import Assignment

    return Prefetch("assignments", queryset=Assignment.objects.select_related("user"))


def tickets_assigned_to(user, queryset: QuerySet[Ticket] | None = None) -> QuerySet[Ticket]:
    """"My tickets": those the user holds the per-ticket work permission on, i.e. is assigned to
    (django-guardian's query; role-wide permissions of moderators do not count here)."""
    from guardian.shortcuts import get_objects_for_user

    queryset = tickets_for_staff(user) if queryset is None else queryset
    return get_objects_for_user(
        user, "tickets.work_ticket", klass=queryset, accept_global_perms=False, with_superuser=False
    )
