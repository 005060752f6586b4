"""Pages of API lists: cursor pagination, so a list that grows while a client pages through it
neither repeats nor skips rows (``?cursor=`` from ``next``/``previous``; ``?page_size=`` up to 200)."""

from __future__ import annotations

from rest_framework.pagination import CursorPagination


class StableCursorPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-id"  # views set their own; each ends with a unique column (ties cannot reorder)


class OldestFirstPagination(StableCursorPagination):
    """For logs that are read from their beginning (history, updates in order)."""

    ordering = "id"
