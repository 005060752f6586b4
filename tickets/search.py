"""The staff search over tickets: one parsed query, two engines behind one interface.

What staff type: words (each must match, as the start of a word: "Kompr" finds "Kompressor",
"2024-0001" finds 2024-000123), "quoted phrases" (these words in this order), -word and
-"phrase" (must not match), and "or" between terms (either side may match).

- PostgreSQL: full-text search on ``Ticket.search_vector`` (german stemming; number, title,
  description, field values and the text of every update, public and internal; written by the
  triggers of migration 0010, GIN-indexed). Words become prefix queries of their stem
  (``'kuhl':*``), phrases phrase queries, exclusions negations, all in one ``to_tsquery('german',
  …)``; a query with "or" goes to ``websearch_to_tsquery('german', …)`` as typed. Results are
  ranked (``ts_rank``; number and title weigh most, update texts least), and ``ts_headline``
  marks the matches.
- SQLite (the embedded default): substring matches (``icontains``) of each word or phrase in the
  same fields. Simpler (no stemming, no ranking), and on the demo data it finds the same tickets
  (``tests/tickets/test_search.py`` runs the same queries on both).

Who may be found is not decided here: callers pass querysets their viewer may see (the staff
list, the archive, the API). Internal update texts are in the vector, which is right for staff,
who see every internal update of the tickets they see; code users' searches (the portal's archive,
``selectors.code_user_archive``) never use this module or the vector.

Marked text (``highlight``) is HTML-escaped except for the ``<mark>`` elements this module adds:
``ts_headline`` marks matches with control characters that the escaping leaves alone and that are
turned into tags only in pairs afterwards.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.contrib.postgres.aggregates import StringAgg
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import connection
from django.db.models import (
    Exists,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from tickets.models import TemplateField, Ticket, TicketUpdate

SEARCH_MAX_LENGTH = 200
SEARCH_MAX_TERMS = 6
SNIPPET_CHARS = 160

_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_START, _STOP = "\x02", "\x03"
_MARKED = re.compile(f"{_START}(.*?){_STOP}", re.DOTALL)


@dataclass(frozen=True)
class ParsedSearch:
    """A search as typed, taken apart. Empty (falsy) when nothing searchable is left."""

    text: str = ""
    words: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()
    any_of: bool = False  # "or" between terms
    groups: tuple[tuple[str, ...], ...] = field(default=(), repr=False)  # the "or" alternatives

    def __bool__(self) -> bool:
        return bool(self.words or self.phrases or self.excluded)

    @property
    def positive(self) -> tuple[str, ...]:
        """What should be found (and marked): the words and phrases."""
        return self.words + self.phrases


def parse(text: str | None) -> ParsedSearch:
    """Words, "phrases", -exclusions and "or", at most ``SEARCH_MAX_TERMS`` terms."""
    text = (text or "")[:SEARCH_MAX_LENGTH]
    words: list[str] = []
    phrases: list[str] = []
    excluded: list[str] = []
    groups: list[list[str]] = [[]]
    any_of = False
    for match in _TOKEN.finditer(text):
        if len(words) + len(phrases) + len(excluded) >= SEARCH_MAX_TERMS:
            break
        minus, phrase, word = match.groups()
        if word is not None:
            if word.lower() == "or":
                any_of = True
                groups.append([])
                continue
            if word.startswith("-"):
                minus, word = "-", word[1:]
            term = word
        else:
            term = " ".join(phrase.split())
        if not term.strip('-"'):
            continue
        if minus:
            excluded.append(term)
        elif word is not None:
            words.append(term)
            groups[-1].append(term)
        else:
            phrases.append(term)
            groups[-1].append(term)
    return ParsedSearch(
        text=text, words=tuple(words), phrases=tuple(phrases), excluded=tuple(excluded), any_of=any_of,
        groups=tuple(tuple(group) for group in groups if group),
    )


def is_full_text() -> bool:
    """PostgreSQL searches the vector; other databases the columns."""
    return connection.vendor == "postgresql"


# --- PostgreSQL ------------------------------------------------------------------------------------


def _literal(text: str) -> str:
    """A quoted tsquery operand: whatever staff typed is text, never tsquery syntax."""
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


def ts_query(search: ParsedSearch) -> SearchQuery:
    """The search as one tsquery (german): words as stem prefixes, phrases, negations; with "or"
    the text as typed through ``websearch_to_tsquery``."""
    if search.any_of:
        return SearchQuery(search.text, search_type="websearch", config="german")
    parts = [f"{_literal(word)}:*" for word in search.words]
    parts += [_literal(phrase) for phrase in search.phrases]
    parts += [f"!{_literal(term)}" for term in search.excluded]
    return SearchQuery(" & ".join(parts), search_type="raw", config="german")


# --- SQLite ----------------------------------------------------------------------------------------


def _contains(term: str, field_keys: list[str]) -> Q:
    """One word or phrase in the number, title, description, a field value or any update's text.

    ``pk IN (own columns UNION ALL with a matching update)``: a semi-join, so a ticket counts once
    however often it matches (an EXISTS inside an OR would be tested against every ticket)."""
    own = Q(number__icontains=term) | Q(title__icontains=term) | Q(description__icontains=term)
    for key in field_keys:
        own |= Q(**{f"custom_values__{key}__icontains": term})
    with_update = Ticket.objects.filter(Exists(TicketUpdate.objects.filter(ticket=OuterRef("pk"), text__icontains=term)))
    matches = Ticket.objects.filter(own).order_by().values("pk").union(with_update.order_by().values("pk"), all=True)
    return Q(pk__in=matches)


def _substring_match(search: ParsedSearch) -> Q:
    field_keys = sorted(
        key for key in TemplateField.objects.values_list("key", flat=True).distinct() if key.isidentifier()
    )
    if search.any_of:
        match = Q(pk__in=[])
        for group in search.groups:
            alternative = Q()
            for term in group:
                alternative &= _contains(term, field_keys)
            match |= alternative
    else:
        match = Q()
        for term in search.positive:
            match &= _contains(term, field_keys)
    for term in search.excluded:
        match &= ~_contains(term, field_keys)
    return match


# --- the interface ---------------------------------------------------------------------------------


def filter_matches(queryset: QuerySet[Ticket], search: ParsedSearch) -> QuerySet[Ticket]:
    """The tickets of ``queryset`` that match (all of them for an empty search)."""
    if not search:
        return queryset
    if is_full_text():
        return queryset.filter(search_vector=ts_query(search))
    return queryset.filter(_substring_match(search))


def rank(search: ParsedSearch):
    """An expression for how well a ticket matches (higher is better); 0 where there is no ranking."""
    if search and is_full_text():
        # float8: the cursor of the next page compares the same number it read.
        return Cast(SearchRank(F("search_vector"), ts_query(search)), FloatField())
    return Value(0.0, output_field=FloatField())


def with_highlights(queryset: QuerySet[Ticket], search: ParsedSearch) -> QuerySet[Ticket]:
    """On PostgreSQL, annotate the page's rows with ``ts_headline`` of the title and of the
    description and update texts (``highlight`` turns them into safe HTML)."""
    if not (search and is_full_text()):
        return queryset
    query = ts_query(search)
    updates = TicketUpdate.objects.filter(ticket=OuterRef("pk")).order_by().values("ticket")
    update_text = Subquery(updates.annotate(all_text=StringAgg("text", delimiter=" ")).values("all_text")[:1])
    text = TextField()
    body = Concat(
        F("description"), Value(" ", output_field=text), Coalesce(update_text, Value("", output_field=text)),
        output_field=text,
    )
    options = {"config": "german", "start_sel": _START, "stop_sel": _STOP}
    return queryset.annotate(
        title_headline=SearchHeadline("title", query, highlight_all=True, **options),
        body_headline=SearchHeadline(
            body, query, max_words=18, min_words=6, max_fragments=2, fragment_delimiter=" … ", **options
        ),
    )


def _mark_pairs(escaped: str) -> SafeString:
    marked = _MARKED.sub(r"<mark>\1</mark>", escaped)
    return mark_safe(marked.replace(_START, "").replace(_STOP, ""))


def _mark_terms(text: str, terms: tuple[str, ...]) -> SafeString:
    """Escape ``text`` and mark every word with a case-insensitive occurrence of the terms."""
    if not terms:
        return escape(text)
    # The whole word around a match, as ``ts_headline`` marks the word whose stem matched.
    alternatives = "|".join(re.escape(term) for term in sorted(terms, key=len, reverse=True))
    pattern = re.compile(rf"\w*(?:{alternatives})\w*", re.IGNORECASE)
    pieces, last = [], 0
    for match in pattern.finditer(text):
        pieces.append(escape(text[last:match.start()]))
        pieces.append(f"<mark>{escape(match.group())}</mark>")
        last = match.end()
    pieces.append(escape(text[last:]))
    return mark_safe("".join(pieces))


def _excerpt(text: str, terms: tuple[str, ...]) -> str:
    """Up to ``SNIPPET_CHARS`` characters of ``text`` around the first term found in it ("" if none)."""
    lowered = text.lower()
    positions = [lowered.find(term.lower()) for term in terms]
    positions = [p for p in positions if p >= 0]
    if not positions:
        return ""
    start = max(0, min(positions) - SNIPPET_CHARS // 3)
    excerpt = text[start:start + SNIPPET_CHARS]
    return ("… " if start else "") + excerpt + (" …" if start + SNIPPET_CHARS < len(text) else "")


def highlight(ticket: Ticket, search: ParsedSearch) -> tuple[SafeString, SafeString]:
    """The ticket's title with the matches marked, and a marked snippet of where else it matched
    ("" when nothing but the title or number matched). Safe HTML: everything escaped but <mark>."""
    title_headline = getattr(ticket, "title_headline", None)
    if title_headline is not None:
        body = getattr(ticket, "body_headline", "") or ""
        snippet = _mark_pairs(escape(body)) if _START in body else mark_safe("")
        return _mark_pairs(escape(title_headline)), snippet
    terms = search.positive
    excerpt = _excerpt(ticket.description or "", terms)
    return _mark_terms(ticket.title, terms), _mark_terms(excerpt, terms) if excerpt else mark_safe("")
