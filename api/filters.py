"""Filtering and ordering of API lists (django-filter). The filters narrow what the selectors
already allow the caller to see and never widen it; the search is the ticket list page's
(``tickets.search``: full text on PostgreSQL) and "mine" is the page's "my tickets" (``tickets.selectors``).
Unknown values answer 400 with the field (DjangoFilterBackend), unlike the page, which ignores them."""

from __future__ import annotations

import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from django.contrib.auth import get_user_model
from rest_framework.filters import OrderingFilter

from tickets import selectors
from tickets.choices import Status, Visibility
from tickets import search as ticket_search
from tickets.search import SEARCH_MAX_LENGTH
from tickets.models import AccessCode, Ticket, TicketTemplate


class TicketFilter(django_filters.FilterSet):
    # distinct=False: a column of the ticket itself cannot repeat rows (django-filter's default
    # DISTINCT over every selected column cost 75 ms at 100,000 tickets, bench/bench_api.py).
    status = django_filters.MultipleChoiceFilter(
        choices=Status.choices, distinct=False, help_text="One or more (repeat the parameter).",
    )
    visibility = django_filters.ChoiceFilter(choices=Visibility.choices)
    template = django_filters.ModelChoiceFilter(queryset=TicketTemplate.objects.all(), help_text="A template's id.")
    access_code = django_filters.ModelChoiceFilter(queryset=AccessCode.objects.all(), help_text="An access code's id.")
    assignee = extend_schema_field(OpenApiTypes.INT)(django_filters.ModelChoiceFilter(
        queryset=lambda request: get_user_model().objects.all(), method="filter_assignee",
        help_text="A staff member's id: the tickets they are assigned to.",
    ))
    mine = django_filters.ChoiceFilter(
        choices=[("true", "true"), ("false", "false")], method="filter_mine",
        help_text="true: only the tickets I am assigned to.",
    )
    changed_since = django_filters.IsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", help_text="Changed at or after this time (ISO 8601).",
    )
    search = django_filters.CharFilter(
        method="filter_search", max_length=SEARCH_MAX_LENGTH,
        help_text=(
            "Words in the number, title, description, field values or any update (the ticket list's "
            'search: each word as the start of a word, "quoted phrases", -excluded, or).'
        ),
    )

    class Meta:
        model = Ticket
        fields: list[str] = []

    def filter_assignee(self, queryset, name, value):
        return queryset.filter(assignments__user=value)

    def filter_mine(self, queryset, name, value):
        return selectors.tickets_assigned_to(self.request.user, queryset) if value == "true" else queryset

    def filter_search(self, queryset, name, value):
        return ticket_search.filter_matches(queryset, ticket_search.parse(value))


class StableOrderingFilter(OrderingFilter):
    """``?ordering=title`` / ``-updated_at`` …, with the id as the last key so that equal values
    keep one order from page to page (the cursor needs it)."""

    def get_ordering(self, request, queryset, view):
        ordering = list(super().get_ordering(request, queryset, view) or [])
        if ordering and not any(key.lstrip("-") in ("id", "pk") for key in ordering):
            ordering.append("-id" if ordering[0].startswith("-") else "id")
        return ordering
