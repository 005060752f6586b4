"""The archive for staff: finished tickets (Geschlossen, Abgebrochen) with their rating.

The default ticket list shows active tickets; this page lists only finished ones, newest first
(by when they were finished), searchable like the list (``tickets.search``), 25 a page: keyset
pages (``tickets.paging``; page 4,000 costs what page 2 costs). Tickets come only from
``selectors.tickets_for_staff``; a page costs a constant number of queries (the count, from the
cache of finished-ticket counts or the search's match set, and the rows with their rating joined).
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from tickets import selectors
from tickets.choices import FINAL_STATES, Status
from tickets.filters import SEARCH_MAX_LENGTH, archive_page
from tickets.paging import CURSOR_MAX_LENGTH, PAGE_SIZE

RATED_CHOICES = [("", _("All")), ("yes", _("With rating")), ("no", _("Without rating"))]


class ArchiveFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=SEARCH_MAX_LENGTH,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Number, title, text …")}),
    )
    status = forms.ChoiceField(
        label=_("progress status"),
        required=False,
        choices=[("", _("All")), *[(status.value, status.label) for status in FINAL_STATES]],
    )
    rated = forms.ChoiceField(label=_("Rating"), required=False, choices=RATED_CHOICES)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "filter-input")

    def value(self, name: str) -> str:
        """The cleaned value, or "" when missing or invalid (a bad URL never fails the page)."""
        if not self.is_bound:
            return ""
        self.is_valid()  # cleans once; invalid fields are missing from cleaned_data
        return self.cleaned_data.get(name) or ""


@login_required
@require_GET
def ticket_archive(request):
    form = ArchiveFilterForm(request.GET or None)
    q, status, rated = form.value("q"), form.value("status"), form.value("rated")
    cursor = request.GET.get("cursor", "")[:CURSOR_MAX_LENGTH + 1]  # bad or stale → the first page
    page = archive_page(request.user, q=q, status=status, rated=rated, cursor=cursor, page_size=PAGE_SIZE)
    rows = [{"ticket": ticket, "feedback": selectors.feedback_of(ticket)} for ticket in page.rows]
    context = {
        "form": form,
        "rows": rows,
        "page_obj": page,
        "paginator": page,
        "has_filters": bool(q or status or rated),
        "cancelled": Status.CANCELLED,
    }
    return render(request, "tickets/archive.html", context)
