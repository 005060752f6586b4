"""Keyset pagination for the staff list and the archive.

A page is "the next 25 rows after this one" in the list's order, never "skip 100,000 rows": the
link to the next page carries the sort values of the last row shown (and the previous page's link
those of the first), so page 4,000 costs what page 2 costs, and a ticket that changes while
someone pages (it moves to the top, a new one arrives) neither shows twice nor drops out.

Links: first (no cursor), previous, next, last (the last ``count % 25`` rows, counted from the
end). The position "Seite x von y" is cheap because the list already knows its count (the tab
counts): the cursor carries the page number it leads to, and the ends correct it (no previous
page: 1; no next page: the last).

Cursors are signed (``django.core.signing``): a tampered or foreign one, or one made for another
order, is ignored and the first page shown, never an error. One that points past everything there
is now (all later tickets gone) gives the first page too.

``sql_page`` lets the database order and limit: on the indexes of migration 0009 for the list's
sorts, by rank over the matches of the full-text index for a search.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core import signing
from django.db.models import F, Q, QuerySet

PAGE_SIZE = 25
CURSOR_SALT = "tickets.paging.cursor"
CURSOR_MAX_LENGTH = 2000


@dataclass(frozen=True)
class SortKey:
    """One key of an order: an annotation name, its expression, its direction. The last key of
    every order must be unique (the id), so that the order is total."""

    name: str
    expression: Any
    descending: bool = False


@dataclass
class Page:
    rows: list
    number: int
    num_pages: int
    count: int
    has_previous: bool = False
    has_next: bool = False
    previous_cursor: str | None = None
    next_cursor: str | None = None
    last_cursor: str | None = None
    keys: list[SortKey] = field(default_factory=list, repr=False)


# --- cursors ---------------------------------------------------------------------------------------


def _encode(value):
    if isinstance(value, datetime):
        return {"dt": value.isoformat()}
    return value


def _decode(value):
    if isinstance(value, dict):
        return datetime.fromisoformat(value["dt"])
    if value is None or isinstance(value, (str, int, float)):
        return value
    raise ValueError("not a sort value")


def make_cursor(order: str, direction: str, values: list | None, page: int) -> str:
    payload = {"o": order, "d": direction, "p": page}
    if values is not None:
        payload["v"] = [_encode(value) for value in values]
    return signing.dumps(payload, salt=CURSOR_SALT, compress=True)


def read_cursor(token: str | None, order: str, key_count: int) -> dict | None:
    """The cursor's content, or None for no cursor, a bad one, or one of another order."""
    if not token or len(token) > CURSOR_MAX_LENGTH:
        return None
    try:
        payload = signing.loads(token, salt=CURSOR_SALT)
        if not isinstance(payload, dict) or payload.get("o") != order:
            return None
        direction, page = payload.get("d"), payload.get("p")
        if direction not in ("after", "before", "last") or not isinstance(page, int):
            return None
        values = None
        if direction != "last":
            values = [_decode(value) for value in payload.get("v") or []]
            if len(values) != key_count:
                return None
        return {"direction": direction, "values": values, "page": page}
    except (signing.BadSignature, ValueError, TypeError, KeyError, zlib.error):
        return None


def _values(row, keys: list[SortKey]) -> list:
    if isinstance(row, (tuple, list)):
        return list(row[: len(keys)])
    return [getattr(row, key.name) for key in keys]


def _finish(page: Page, order: str) -> Page:
    """Position and links: the ends correct the number the cursor carried."""
    if not page.has_previous:
        page.number = 1
    elif not page.has_next:
        page.number = page.num_pages
    page.number = max(1, min(page.number, page.num_pages))
    if page.has_previous and page.number == 1:
        page.number = min(2, page.num_pages)
    if page.rows and page.has_next:
        page.next_cursor = make_cursor(order, "after", _values(page.rows[-1], page.keys), page.number + 1)
        page.last_cursor = make_cursor(order, "last", None, page.num_pages)
    if page.rows and page.has_previous:
        page.previous_cursor = make_cursor(order, "before", _values(page.rows[0], page.keys), page.number - 1)
    return page


def _num_pages(count: int, page_size: int) -> int:
    return max(1, math.ceil(count / page_size))


# --- in the database -------------------------------------------------------------------------------


def _ordering(keys: list[SortKey], *, backward: bool = False) -> list:
    return [F(key.name).asc() if key.descending == backward else F(key.name).desc() for key in keys]


def _beyond(keys: list[SortKey], values: list, *, backward: bool = False) -> Q:
    """Rows strictly after ``values`` in the order of ``keys`` (before them if ``backward``):
    ``k0 ≤ v0 AND (k0 < v0 OR (k0 = v0 AND k1 < v1) OR …)`` for descending keys. The leading
    bound lets an index on the first key start at the cursor instead of filtering its way there."""

    def compare(key, value, strict):
        down = key.descending != backward
        lookup = ("lt" if strict else "lte") if down else ("gt" if strict else "gte")
        return Q(**{f"{key.name}__{lookup}": value})

    either = Q(pk__in=[])
    equal = Q()
    for key, value in zip(keys, values):
        either |= equal & compare(key, value, True)
        equal &= Q(**{key.name: value})
    return compare(keys[0], values[0], False) & either


def sql_page(
    queryset: QuerySet, keys: list[SortKey], *, order: str, cursor: str | None, count: int, page_size: int = PAGE_SIZE,
    decorate: Callable[[QuerySet], QuerySet] | None = None,
) -> Page:
    """One page of ``queryset`` in the order of ``keys``; ``count`` is how many rows there are.

    ``decorate`` (joins, highlights: what the page's rows show) is applied after the page is
    picked: the database orders the bare rows and takes a page of keys, then fetches those rows
    decorated. For an order no index gives (a search's rank) it would otherwise join every
    candidate before sorting them; one more query, by key, for the page's rows only."""
    annotated = queryset.annotate(**{key.name: key.expression for key in keys})
    forward, backward = _ordering(keys), _ordering(keys, backward=True)
    num_pages = _num_pages(count, page_size)
    state = read_cursor(cursor, order, len(keys))

    def take(ordered: QuerySet, limit: int) -> list:
        if decorate is None:
            return list(ordered[:limit])
        ids = list(ordered.values_list("pk", flat=True)[:limit])
        rows = decorate(queryset.filter(pk__in=ids)).annotate(**{key.name: key.expression for key in keys})
        by_pk = {row.pk: row for row in rows}
        return [by_pk[pk] for pk in ids if pk in by_pk]

    def first() -> Page:
        rows = take(annotated.order_by(*forward), page_size + 1)
        return Page(rows[:page_size], 1, num_pages, count, False, len(rows) > page_size, keys=keys)

    if state is None:
        return _finish(first(), order)
    if state["direction"] == "last":
        remainder = count - (num_pages - 1) * page_size if count else page_size
        rows = take(annotated.order_by(*backward), remainder + 1)
        page = Page(rows[:remainder][::-1], num_pages, num_pages, count, len(rows) > remainder, False, keys=keys)
        return _finish(page if page.rows else first(), order)
    if state["direction"] == "after":
        rows = take(annotated.filter(_beyond(keys, state["values"])).order_by(*forward), page_size + 1)
        if not rows:
            return _finish(first(), order)
        page = Page(rows[:page_size], state["page"], num_pages, count, True, len(rows) > page_size, keys=keys)
        return _finish(page, order)
    rows = take(annotated.filter(_beyond(keys, state["values"], backward=True)).order_by(*backward), page_size + 1)
    if len(rows) <= page_size:  # at the beginning: the first page as it is now
        return _finish(first(), order)
    return _finish(Page(rows[:page_size][::-1], state["page"], num_pages, count, True, True, keys=keys), order)
