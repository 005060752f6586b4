"""The filters of the staff ticket list and the archive (GET parameters, never a 500 on bad input).

``TicketListFilter`` narrows a queryset the caller already got from
``tickets.selectors.tickets_for_staff``; it never widens it. Invalid values (unknown choices,
non-numeric ids, an unknown sort key) fail the form field and are simply left out, so a hostile
URL still gives a 200 page.

The status is a tab rather than a filter among others: ``base_qs`` is everything filtered except
the status (what the tab counts are computed over), ``results`` adds the tab, the order and the
page (``tickets.paging``: keyset pages). Where the counts come from:

- no filter, or only the visibility: ``selectors.staff_tab_counts`` (active states from their
  partial index, finished ones from a cache the status events invalidate);
- a search: one aggregate over its matches per status, then the tab's page picked among the same
  matches by rank (``tickets.search``: full text on PostgreSQL). Both statements use the one match
  condition of ``search.filter_matches``; they are two because PostgreSQL runs each with parallel
  workers, while one statement that counts and ranks from a single pass runs in one process and
  took 1.6 to 2.8 times as long at 100,000 tickets (docs/performance.md, "Search in one statement");
- other filters: one aggregate over the filtered tickets.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Case, Count, F, IntegerField, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from tickets import paging, permissions, search, selectors
from tickets.choices import (
    ACTIVE_STATES,
    FINAL_STATES,
    PROGRESS_ORDER,
    Status,
    Visibility,
)
from tickets.models import AccessCode, Ticket, TicketTemplate
from tickets.paging import SortKey
from tickets.search import SEARCH_MAX_LENGTH

# Tabs: "active" (the default: everything not closed or cancelled), one per status, "all".
TAB_ACTIVE = "active"
TAB_ALL = "all"
STATUS_TABS = [*PROGRESS_ORDER, Status.CANCELLED]
TAB_CHOICES = [(TAB_ACTIVE, _("Active")), *[(s.value, s.label) for s in STATUS_TABS], (TAB_ALL, _("All"))]

# Sort keys a user may choose; each gets a unique tie-breaker so that pages never overlap.
# "relevance" (best match first) is the default while searching.
SORT_FIELDS = ["number", "title", "status", "updated_at", "created_at"]
RELEVANCE = "relevance"
SORT_CHOICES = [(key, key) for name in SORT_FIELDS for key in (name, f"-{name}")] + [(RELEVANCE, RELEVANCE)]
DEFAULT_SORT = "-updated_at"

_STATUS_RANK = Case(
    *[When(status=status, then=Value(rank)) for rank, status in enumerate(STATUS_TABS)],
    default=Value(len(STATUS_TABS)),
    output_field=IntegerField(),
)


def sort_keys(sort: str, parsed: search.ParsedSearch | None = None) -> list[SortKey]:
    """The keys of a whitelisted sort ("title", "-updated_at", "relevance" …), the id last."""
    if sort == RELEVANCE and parsed:
        return [
            SortKey("key_rank", search.rank(parsed), True),
            SortKey("key_updated_at", F("updated_at"), True),
            SortKey("key_id", F("id"), True),
        ]
    descending = sort.startswith("-")
    name = sort.lstrip("-")
    if name not in SORT_FIELDS:
        descending, name = True, DEFAULT_SORT.lstrip("-")
    if name == "status":
        # The lifecycle order (Entwurf … Geschlossen, Abgebrochen), not the alphabet of the keys.
        return [
            SortKey("key_status", _STATUS_RANK, descending),
            SortKey("key_updated_at", F("updated_at"), descending),
            SortKey("key_id", F("id"), descending),
        ]
    return [SortKey(f"key_{name}", F(name), descending), SortKey("key_id", F("id"), descending)]


def order_by_sort(queryset: QuerySet, sort: str) -> QuerySet:
    """Order by a whitelisted sort key plus the id as tie-breaker (what ``sort_keys`` pages by)."""
    keys = sort_keys(sort)
    return queryset.annotate(**{key.name: key.expression for key in keys}).order_by(
        *[F(key.name).desc() if key.descending else F(key.name).asc() for key in keys]
    )


def counts_by_tab(per_status: dict[str, int]) -> dict[str, int]:
    """Per-status counts completed with the "active" and "all" tabs (0 for missing states)."""
    counts = {status.value: per_status.get(status.value, 0) for status in STATUS_TABS}
    counts[TAB_ACTIVE] = sum(per_status.get(status, 0) for status in ACTIVE_STATES)
    counts[TAB_ALL] = sum(per_status.values())
    return counts


class TicketListFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_search",
        max_length=SEARCH_MAX_LENGTH,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Number, title, text …")}),
    )
    status = django_filters.ChoiceFilter(
        label=_("progress status"), choices=TAB_CHOICES, method="filter_nothing", widget=forms.HiddenInput
    )
    visibility = django_filters.ChoiceFilter(
        label=_("visibility"), choices=Visibility.choices, empty_label=_("All")
    )
    assignee = django_filters.ModelChoiceFilter(
        label=_("Assigned to"),
        queryset=lambda request: get_user_model().objects.filter(is_active=True),
        method="filter_assignee",
        empty_label=_("Anyone"),
    )
    template = django_filters.ModelChoiceFilter(
        label=_("template"), queryset=TicketTemplate.objects.all(), empty_label=_("All")
    )
    access_code = django_filters.ModelChoiceFilter(
        label=_("access code"), queryset=AccessCode.objects.all(), empty_label=_("All")
    )
    mine = django_filters.BooleanFilter(
        label=_("Only my tickets"), method="filter_mine", widget=forms.CheckboxInput
    )
    sort = django_filters.ChoiceFilter(
        label=_("Sort"), choices=SORT_CHOICES, method="filter_nothing", widget=forms.HiddenInput
    )

    # Applied by ``qs`` after the others (status) or not at all (sort is ordering).
    LATE_FILTERS = ("status", "sort")

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data if data is not None else {}, *args, **kwargs)
        for name, field in self.form.fields.items():
            field.required = False
            if not isinstance(field.widget, (forms.HiddenInput, forms.CheckboxInput)):
                field.widget.attrs.setdefault("class", "filter-input")

    # --- the single filters -------------------------------------------------------------------
    def filter_nothing(self, queryset, name, value):
        return queryset

    def filter_search(self, queryset, name, value):
        return search.filter_matches(queryset, self.search)

    def filter_mine(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        if not value or user is None or not user.is_authenticated:
            return queryset
        return selectors.tickets_assigned_to(user, queryset)

    def filter_assignee(self, queryset, name, value):
        # One assignment per ticket and member (a unique constraint): the join adds no duplicates.
        return queryset.filter(assignments__user=value) if value else queryset

    # --- what the view uses -------------------------------------------------------------------
    def _cleaned(self, name):
        self.errors  # validate once
        return self.form.cleaned_data.get(name) or None

    @property
    def status_tab(self) -> str:
        return self._cleaned("status") or TAB_ACTIVE

    @property
    def search(self) -> search.ParsedSearch:
        return search.parse(self._cleaned("q"))

    @property
    def sort_key(self) -> str:
        chosen = self._cleaned("sort")
        if chosen == RELEVANCE or (chosen is None and self.search):
            return RELEVANCE if self.search else DEFAULT_SORT
        return chosen or DEFAULT_SORT

    def filter_queryset(self, queryset):
        for name, value in self.form.cleaned_data.items():
            if name not in self.LATE_FILTERS:
                queryset = self.filters[name].filter(queryset, value)
        return queryset

    @property
    def base_qs(self) -> QuerySet:
        """Every filter except the status tab, unordered."""
        if not hasattr(self, "_base_qs"):
            self.errors
            self._base_qs = self.filter_queryset(self.queryset.all()).order_by()
        return self._base_qs

    @property
    def qs(self) -> QuerySet:
        """The current tab's tickets in the chosen order (all of them: pages come from ``results``)."""
        if not hasattr(self, "_qs"):
            self._qs = order_by_sort(filter_status_tab(self.base_qs, self.status_tab), self.sort_key)
        return self._qs

    def _only_visibility(self) -> bool:
        """Nothing narrows the list but (perhaps) the visibility: the counts may come from the
        partial index and the cache."""
        self.is_valid()
        return not any(
            value not in (None, "", False)
            for name, value in self.form.cleaned_data.items()
            if name not in (*self.LATE_FILTERS, "visibility")
        )

    def tab_counts(self) -> dict[str, int]:
        """How many tickets each tab holds under the other filters: from the partial index and the
        cache when only the visibility narrows the list, else one aggregate (a search's over its
        matches, which the full-text index finds)."""
        user = getattr(self.request, "user", None)
        if self._only_visibility() and user is not None:
            return counts_by_tab(selectors.staff_tab_counts(user, visibility=self._cleaned("visibility") or ""))
        per_status = self.base_qs.values_list("status").annotate(n=Count("status")).order_by()
        return counts_by_tab(dict(per_status))

    def results(self, cursor: str | None, *, page_size: int = paging.PAGE_SIZE) -> tuple[paging.Page, dict[str, int]]:
        """The page of the current tab the cursor points at (its rows are tickets with the list's
        columns) and every tab's count. A search is paged by rank in the database, never fetched
        whole; its highlights are made for the page's rows only."""
        tab, parsed = self.status_tab, self.search
        counts = self.tab_counts()
        queryset = filter_status_tab(self.base_qs, tab)
        keys = sort_keys(self.sort_key, parsed)
        if parsed:
            # Ranked: the page is picked among the bare matches, then its rows get their columns
            # and highlights (joined for every match before the sort, they cost more than the rank).
            page = paging.sql_page(
                queryset, keys, order=f"list:{self.sort_key}", cursor=cursor, count=counts[tab], page_size=page_size,
                decorate=lambda rows: selectors.with_list_columns(search.with_highlights(rows, parsed), creator=False),
            )
        else:
            page = paging.sql_page(
                selectors.with_list_columns(queryset, creator=False), keys, order=f"list:{self.sort_key}",
                cursor=cursor, count=counts[tab], page_size=page_size,
            )
        return page, counts

    def active_filters(self) -> bool:
        """Whether anything beyond the tab and the sort narrows the list."""
        self.errors
        return any(
            value not in (None, "", False)
            for name, value in self.form.cleaned_data.items()
            if name not in self.LATE_FILTERS
        )


def filter_status_tab(queryset: QuerySet, tab: str) -> QuerySet:
    if tab == TAB_ALL:
        return queryset
    if tab == TAB_ACTIVE or tab not in Status.values:
        # ``status IN (active)``, the condition of the partial indexes (not ``NOT IN (final)``).
        return queryset.filter(status__in=ACTIVE_STATES)
    return queryset.filter(status=tab)


# --- the archive (staff): finished tickets, searchable like the list -----------------------------

ARCHIVE_KEYS = [
    # When it was finished, as the archive shows it ("Beendet": the last status change).
    SortKey("key_finished_at", Coalesce("status_changed_at", "updated_at"), True),
    SortKey("key_id", F("id"), True),
]


def archived_tickets(user, *, q: str = "", status: str = "", rated: str = "") -> QuerySet[Ticket]:
    """The finished tickets this staff member may see, filtered (unordered)."""
    queryset = selectors.tickets_for_staff(user).filter(status__in=FINAL_STATES)
    if status in FINAL_STATES:
        queryset = queryset.filter(status=status)
    if rated == "yes":
        queryset = queryset.filter(feedback__isnull=False)
    elif rated == "no":
        queryset = queryset.filter(feedback__isnull=True)
    return search.filter_matches(queryset, search.parse(q))


def archive_page(
    user, *, q: str = "", status: str = "", rated: str = "", cursor: str | None = None, page_size: int = paging.PAGE_SIZE
) -> paging.Page:
    """A keyset page of the archive, most recently finished first; its rows carry their rating.

    The count: from the cached finished-ticket counts when only the status narrows it; else one
    COUNT (a search's over its matches)."""
    queryset = archived_tickets(user, q=q, status=status, rated=rated)
    with_rating = queryset.select_related("feedback", "feedback__code_user")
    order = "archive"
    if search.parse(q) or rated or permissions.staff_tickets(user) is None:
        count = queryset.count()
    else:
        finished = selectors.final_status_counts()
        count = finished.get(status, 0) if status in FINAL_STATES else sum(finished.values())
    return paging.sql_page(with_rating, ARCHIVE_KEYS, order=order, cursor=cursor, count=count, page_size=page_size)

