"""The staff ticket list: status tabs with counts, filters, search, sorting, pagination.

Tickets come only from ``selectors.tickets_for_staff``; ``tickets.filters.TicketListFilter``
narrows them and pages them (``results``: keyset pages, ``tickets.paging``). A page costs a
constant number of queries whatever its size and however deep it is: the tab counts (one query
over the active tickets' partial index, the finished ones cached; or, for a search, one aggregate
over its matches), the page's rows one query with their foreign keys and the rating joined (for a
search: the page's keys by rank, then those rows), the assignees one prefetch. htmx requests
(filter form, tabs, sorting, page links) get only the results part of the page.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from messenger.selectors import unread_counts
from tickets import search, selectors
from tickets.choices import Status
from tickets.filters import STATUS_TABS, TAB_ACTIVE, TAB_ALL, TicketListFilter
from tickets.models import Ticket
from tickets.paging import CURSOR_MAX_LENGTH, PAGE_SIZE


def _verbose(field: str) -> str:
    return capfirst(Ticket._meta.get_field(field).verbose_name)


def _columns(sort: str) -> list[dict]:
    """The table's columns; sortable ones carry the sort key a click on the header chooses."""
    current = sort.lstrip("-")
    descending = sort.startswith("-")
    columns = []
    for key, label, sort_key in [
        ("number", _verbose("number"), "number"),
        ("title", _verbose("title"), "title"),
        ("status", _verbose("status"), "status"),
        ("visibility", _verbose("visibility"), None),
        ("assignees", _("Assignees"), None),
        ("access_code", _verbose("access_code"), None),
        ("template", _verbose("template"), None),
        ("updated_at", _("Last change"), "updated_at"),
    ]:
        column = {"key": key, "label": label, "sort_key": sort_key, "aria_sort": None, "next_sort": None}
        if sort_key:
            if sort_key == current:
                column["aria_sort"] = "descending" if descending else "ascending"
                column["next_sort"] = sort_key if descending else f"-{sort_key}"
            else:
                # Dates start with the newest, text with A.
                column["next_sort"] = f"-{sort_key}" if sort_key == "updated_at" else sort_key
        columns.append(column)
    return columns


def _tabs(current: str, counts: dict[str, int]) -> list[dict]:
    tabs = [{"key": TAB_ACTIVE, "label": _("Active"), "status": None}]
    tabs += [{"key": status.value, "label": status.label, "status": status.value} for status in STATUS_TABS]
    tabs.append({"key": TAB_ALL, "label": _("All"), "status": None})
    for tab in tabs:
        tab["count"] = counts.get(tab["key"], 0)
        tab["current"] = tab["key"] == current
    return tabs


def _filter_fields(form) -> list[dict]:
    """The visible filter fields; selects come with their options worked out here.

    Django renders every <option> through its own template, which at a few hundred staff
    members and access codes costs more than all of the page's queries; the list template
    renders the options in one loop instead.
    """
    fields = []
    for bound in form.visible_fields():
        entry = {"field": bound, "options": None}
        if bound.widget_type == "select":
            current = bound.value()
            current = "" if current is None else str(current)
            entry["options"] = [
                (str(value), label, str(value) == current) for value, label in _choices(bound.field)
            ]
        fields.append(entry)
    return fields


def _choices(field) -> list[tuple]:
    """A select's choices. A model choice field's rows are read with one plain query: its own
    iterator reads them through a server-side cursor (DECLARE, FETCH, CLOSE on PostgreSQL), three
    round trips for a few dozen rows on every list request."""
    if not isinstance(field, forms.ModelChoiceField):
        return list(field.choices)
    choices = [] if field.empty_label is None else [("", field.empty_label)]
    if getattr(field, "null_label", None) is not None:  # django-filter's "none of them" choice
        choices.append((field.null_value, field.null_label))
    return choices + [(field.prepare_value(obj), field.label_from_instance(obj)) for obj in field.queryset]


def _link_for(ticket: Ticket, user) -> str:
    """Own drafts resume in the creation wizard; everything else opens the detail page."""
    if ticket.status == Status.DRAFT and ticket.created_by_id == user.pk:
        return reverse("tickets:wizard", args=[ticket.number, "general"])
    return ticket.get_absolute_url()


@login_required
@require_GET
def ticket_list(request):
    tickets = selectors.tickets_for_staff(request.user)
    filterset = TicketListFilter(request.GET, queryset=tickets, request=request)
    tab = filterset.status_tab
    parsed = filterset.search
    cursor = request.GET.get("cursor", "")[:CURSOR_MAX_LENGTH + 1]
    page, counts = filterset.results(cursor, page_size=PAGE_SIZE)
    page_tickets = page.rows
    unread = unread_counts(request.user, page_tickets)
    rows = []
    for ticket in page_tickets:
        title_html, snippet = search.highlight(ticket, parsed) if parsed else (None, None)
        rows.append({
            "ticket": ticket,
            "url": _link_for(ticket, request.user),
            "assignees": [assignment.user for assignment in ticket.assignments.all()],
            "is_own_draft": ticket.status == Status.DRAFT and ticket.created_by_id == request.user.pk,
            "unread": unread.get(ticket.pk, 0),
            "feedback": selectors.feedback_of(ticket),
            "title_html": title_html,
            "snippet": snippet,
        })
    context = {
        "filter": filterset,
        "form": filterset.form,
        "filter_fields": _filter_fields(filterset.form),
        "page_obj": page,
        "paginator": page,
        "rows": rows,
        "tabs": _tabs(tab, counts),
        "current_tab": tab,
        "sort": filterset.sort_key,
        "columns": _columns(filterset.sort_key),
        "has_filters": filterset.active_filters(),
    }
    # Only requests aimed at the results box get the partial; anything else gets the whole page.
    if request.htmx and request.htmx.target == "ticket-results" and not request.htmx.history_restore_request:
        response = render(request, "tickets/partials/list_results.html", context)
    else:
        response = render(request, "tickets/list.html", context)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response
