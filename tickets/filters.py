"""The filters of the staff ticket list (GET parameters, never a 500 on bad input).

``TicketListFilter`` narrows a queryset the caller already got from
``tickets.selectors.tickets_for_staff``; it never widens it. Invalid values (unknown choices,
non-numeric ids, an unknown sort key) fail the form field and are simply left out, so a hostile
URL still gives a 200 page.

The status is a tab rather than a filter among others: ``base_qs`` is everything filtered except
the status (what the tab counts are computed over, in one aggregate query), ``qs`` adds the
status tab and the ordering.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _

from tickets import selectors
from tickets.choices import FINAL_STATES, PROGRESS_ORDER, Status, Visibility
from tickets.models import AccessCode, Ticket, TicketTemplate, TicketUpdate

SEARCH_MAX_LENGTH = 200
SEARCH_MAX_TERMS = 6

# Tabs: "active" (the default: everything not closed or cancelled), one per status, "all".
TAB_ACTIVE = "active"
TAB_ALL = "all"
STATUS_TABS = [*PROGRESS_ORDER, Status.CANCELLED]
TAB_CHOICES = [(TAB_ACTIVE, _("Active")), *[(s.value, s.label) for s in STATUS_TABS], (TAB_ALL, _("All"))]

# Sort keys a user may choose; each gets a unique tie-breaker so that pages never overlap.
SORT_FIELDS = ["number", "title", "status", "updated_at", "created_at"]
SORT_CHOICES = [(key, key) for name in SORT_FIELDS for key in (name, f"-{name}")]
DEFAULT_SORT = "-updated_at"

_STATUS_RANK = Case(
    *[When(status=status, then=Value(rank)) for rank, status in enumerate(STATUS_TABS)],
    default=Value(len(STATUS_TABS)),
    output_field=IntegerField(),
)


def order_by_sort(queryset: QuerySet, sort: str) -> QuerySet:
    """Order by a whitelisted sort key ("title", "-updated_at", …) plus the id as tie-breaker."""
    descending = sort.startswith("-")
    name = sort.lstrip("-")
    if name not in SORT_FIELDS:
        descending, name = True, DEFAULT_SORT.lstrip("-")
    prefix = "-" if descending else ""
    if name == "status":
        # The lifecycle order (Entwurf … Geschlossen, Abgebrochen), not the alphabet of the keys.
        rank = _STATUS_RANK.desc() if descending else _STATUS_RANK.asc()
        return queryset.order_by(rank, f"{prefix}updated_at", f"{prefix}id")
    return queryset.order_by(f"{prefix}{name}", f"{prefix}id")


def search_terms(text: str) -> list[str]:
    """The words of a search (at most a few, each must match somewhere)."""
    return (text or "")[:SEARCH_MAX_LENGTH].split()[:SEARCH_MAX_TERMS]


def search_q(term: str) -> Q:
    """One search word in the number, title, description or the text of any update.

    ``pk IN (tickets matching in their own columns UNION ALL tickets with a matching update)``:
    the updates are searched with an EXISTS subquery (no join, so no duplicate rows and no
    DISTINCT), and the IN is a semi-join, so a ticket counts once however often it matches.
    On PostgreSQL both branches run on the trigram indexes of migration 0002 (``icontains`` is
    ``UPPER(col) LIKE UPPER('%…%')``, which those indexes serve) and only the matches are read.

    Not ``Q(own columns) | Exists(updates)``: an EXISTS inside an OR cannot become a semi-join,
    PostgreSQL tests every visible ticket against it and, misjudging that as very expensive
    (cost ~10⁶ at 100,000 tickets), JIT-compiles the query (+300 ms per search, see
    bench/bench_ticket_list.py).
    """
    own_columns = Ticket.objects.filter(
        Q(number__icontains=term) | Q(title__icontains=term) | Q(description__icontains=term)
    )
    with_update = Ticket.objects.filter(
        Exists(TicketUpdate.objects.filter(ticket=OuterRef("pk"), text__icontains=term))
    )
    matches = own_columns.order_by().values("pk").union(with_update.order_by().values("pk"), all=True)
    return Q(pk__in=matches)


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
        for term in search_terms(value):
            queryset = queryset.filter(search_q(term))
        return queryset

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
    def sort_key(self) -> str:
        return self._cleaned("sort") or DEFAULT_SORT

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
        if not hasattr(self, "_qs"):
            self._qs = order_by_sort(filter_status_tab(self.base_qs, self.status_tab), self.sort_key)
        return self._qs

    def tab_counts(self) -> dict[str, int]:
        """How many tickets each tab holds under the other filters: one aggregate query."""
        # COUNT(status), not COUNT(id): the (status, created_by_id) index answers it alone.
        aggregates = {
            f"n_{status.value}": Count("status", filter=Q(status=status)) for status in STATUS_TABS
        }
        aggregates["n_" + TAB_ACTIVE] = Count("status", filter=~Q(status__in=FINAL_STATES))
        aggregates["n_" + TAB_ALL] = Count("status")
        row = self.base_qs.aggregate(**aggregates)
        return {key.removeprefix("n_"): value or 0 for key, value in row.items()}

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
        return queryset.exclude(status__in=FINAL_STATES)
    return queryset.filter(status=tab)


# --- the archive (staff): finished tickets, searchable like the list -----------------------------


def archived_tickets(user, *, q: str = "", status: str = "", rated: str = ""):
    """The finished tickets this staff member may see, filtered, newest finished first."""
    queryset = selectors.tickets_for_staff(user).filter(status__in=FINAL_STATES)
    if status in FINAL_STATES:
        queryset = queryset.filter(status=status)
    if rated == "yes":
        queryset = queryset.filter(feedback__isnull=False)
    elif rated == "no":
        queryset = queryset.filter(feedback__isnull=True)
    for term in search_terms(q):
        queryset = queryset.filter(search_q(term))
    return queryset.select_related("feedback", "feedback__code_user").order_by(
        F("status_changed_at").desc(nulls_last=True), "-id"
    )
