"""A hot query's SQL, compiled by the ORM once per process instead of on every call.

Building and compiling a queryset costs more Python than many a query costs the database (about
1.2 ms against 0.5 ms for a small indexed query on this 2-core machine). Where a query runs on
every chat message, ``compiled_query`` keeps the rule written once, as a queryset, and reruns its
SQL with a new key: the queryset is built with a placeholder for the key and compiled once per
database connection's vendor; each call puts the key where the placeholder was.

Only for querysets whose rows need no conversion by Django (``values_list`` of plain columns such
as ids): the rows come back as the database driver gives them.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import connections
from django.db.models import QuerySet

# A key no real row has: it marks where the key goes in the compiled parameters.
PLACEHOLDER = -7_340_032_016_934


class compiled_query:  # noqa: N801 - used as a decorator, like functools.cache
    """Decorate ``build(key) -> QuerySet`` (a ``values_list``); calling the result with a key runs
    the compiled SQL and returns a list of rows (single values for a flat ``values_list``)."""

    def __init__(self, build: Callable[[int], QuerySet], using: str = "default"):
        self.build, self.using = build, using
        self.compiled: dict[str, tuple[str, tuple, int, bool]] = {}
        self.__doc__, self.__name__ = build.__doc__, build.__name__

    def _compile(self, vendor: str) -> tuple[str, tuple, int, bool]:
        queryset = self.build(PLACEHOLDER)
        sql, params = queryset.query.get_compiler(using=self.using).as_sql()
        positions = [index for index, value in enumerate(params) if value == PLACEHOLDER]
        if len(positions) != 1:
            raise ValueError(f"{self.__name__}: the key must appear exactly once in the query's parameters")
        flat = bool(getattr(queryset, "_fields", None)) and queryset._iterable_class.__name__ == "FlatValuesListIterable"
        return sql, tuple(params), positions[0], flat

    def __call__(self, key: int) -> list:
        connection = connections[self.using]
        if connection.vendor not in self.compiled:
            self.compiled[connection.vendor] = self._compile(connection.vendor)
        sql, params, position, flat = self.compiled[connection.vendor]
        params = params[:position] + (key,) + params[position + 1:]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return [row[0] for row in rows] if flat else [tuple(row) for row in rows]
