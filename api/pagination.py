"""Pages of API lists: cursor pagination, so a list that grows while a client pages through it
neither repeats nor skips rows (``?cursor=`` from ``next``/``previous``; ``?page_size=`` up to 200).

A cursor is only base64 of ``o=…&r=…&p=…``: anyone can write one. Its position ``p`` goes into a
``WHERE`` on the ordering column, so a forged one (text where the column holds numbers or dates,
a number past the column's range, a NUL character) would fail in the database with a 500. It is
checked against the column first and refused like every other cursor this API did not issue
(404 "Invalid cursor", DRF's answer)."""

from __future__ import annotations

import datetime

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.utils import timezone
from rest_framework.exceptions import NotFound
from rest_framework.pagination import Cursor, CursorPagination


class StableCursorPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-id"  # views set their own; each ends with a unique column (ties cannot reorder)

    def paginate_queryset(self, queryset, request, view=None):
        self._model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request) -> Cursor | None:
        cursor = super().decode_cursor(request)
        if cursor is not None and cursor.position is not None and not self._position_fits(cursor.position):
            raise NotFound(self.invalid_cursor_message)
        return cursor

    def _position_fits(self, position: str) -> bool:
        """Whether ``position`` is a value the first ordering column can hold (as the cursors this
        API writes always are)."""
        if "\x00" in position:
            return False
        field = self._ordering_field()
        if field is None:  # an annotation: the database compares it as text, nothing to check
            return True
        try:
            value = field.to_python(position)
            field.run_validators(value)
        except (ValidationError, ValueError, TypeError, OverflowError):
            return False
        return not (isinstance(value, datetime.datetime) and timezone.is_naive(value))

    def _ordering_field(self):
        ordering = self.ordering if isinstance(self.ordering, (list, tuple)) else [self.ordering]
        model, field = getattr(self, "_model", None), None
        for part in ordering[0].lstrip("-").split("__"):
            if model is None:
                return None
            try:
                field = model._meta.pk if part == "pk" else model._meta.get_field(part)
            except FieldDoesNotExist:
                return None
            model = field.related_model if field.is_relation else None
        return field.target_field if field is not None and field.is_relation else field


class OldestFirstPagination(StableCursorPagination):
    """For logs that are read from their beginning (history, updates in order)."""

    ordering = "id"
