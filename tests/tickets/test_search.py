"""The staff search (``tickets.search``): the same tickets on PostgreSQL (full text, german
stemming) and SQLite (substrings) for the demo data; quotes, minus, "or", prefixes of words and
ticket numbers; internal texts for staff only; the vector kept current by the database; marked
titles and snippets that stay escaped.

Run this file on both databases (``DATABASE_URL=postgres://…``): the expectations are the same."""

import io
import re

import pytest
from django.core.management import call_command
from django.db import connection

from fleet.models import User
from fleet.roles import Role
from tests.factories import UserFactory, make_ticket
from tickets import search, selectors
from tickets import services as ticket_services
from tickets.choices import Status
from tickets.models import CodeUser, Ticket, TicketUpdate

pytestmark = pytest.mark.django_db

URL = "/tickets/"


def titles(response) -> set[str]:
    return {row["ticket"].title for row in response.context["rows"]}


@pytest.fixture
def demo(db):
    call_command("seed_demo", stdout=io.StringIO())
    return {ticket.title: ticket.number for ticket in Ticket.objects.all()}


@pytest.fixture
def admin_client(client, demo):
    client.force_login(User.objects.get(username="admin"))
    return client


# The same queries, the same tickets, on either database (the demo data of ``seed_demo``).
DEMO_QUERIES = [
    ("Kompressor", {"Druckabfall am Kompressor"}),
    ("kompr", {"Druckabfall am Kompressor"}),  # the start of a word
    ("Techniker", {"Druckabfall am Kompressor", "Not-Aus-Taster defekt"}),  # public update texts
    ("filter", {"Filter verstopft"}),
    ('"Filter ersetzt"', {"Filter verstopft"}),  # a phrase
    ("Druckschalter", {"Druckabfall am Kompressor"}),  # an internal update: staff find it
    ("FM200-1187", {"Kühlmittelpumpe undicht", "Spindel macht Geräusche", "Not-Aus-Taster defekt",
                    "Doppelte Meldung Display"}),  # a field value
    ('"Halle B"', {"Druckabfall am Kompressor", "Ölwechsel fällig", "Förderband stoppt sporadisch"}),
    ("Spindel or Display", {"Spindel macht Geräusche", "Doppelte Meldung Display"}),
    ("prüfen -Kompressor -Display", {"Kühlmittelpumpe undicht", "Spindel macht Geräusche", "Not-Aus-Taster defekt",
                                     "Ölwechsel fällig", "Filter verstopft", "Interne Wartungsplanung Q1"}),
    ("Kompressor Spindel", set()),  # every word must match
    ("Gibtsnicht", set()),
]


@pytest.mark.parametrize("query, expected", DEMO_QUERIES)
def test_demo_queries_find_the_same_tickets_on_every_database(admin_client, query, expected):
    response = admin_client.get(URL, {"q": query, "status": "all"})
    assert response.status_code == 200
    assert titles(response) == expected
    counts = {tab["key"]: tab["count"] for tab in response.context["tabs"]}
    assert counts["all"] == len(expected)  # the counts come from the same match set


def test_ticket_numbers_by_their_start(admin_client, demo):
    number = demo["Filter verstopft"]
    assert titles(admin_client.get(URL, {"q": number, "status": "all"})) == {"Filter verstopft"}
    year_and_start = number[:-1]  # "2026-00000" of "2026-000006": the first nine tickets
    expected = {title for title, other in demo.items() if other.startswith(year_and_start)}
    assert len(expected) > 1
    assert titles(admin_client.get(URL, {"q": year_and_start, "status": "all"})) == expected


def test_search_in_the_archive_and_the_api(admin_client, demo):
    archive = admin_client.get("/tickets/archive/", {"q": "filter"})
    assert [row["ticket"].title for row in archive.context["rows"]] == ["Filter verstopft"]
    archive = admin_client.get("/tickets/archive/", {"q": "Display -doppelt"})
    assert archive.context["rows"] == []
    api = admin_client.get("/api/v1/tickets/", {"search": '"Filter ersetzt"'})
    assert api.status_code == 200
    assert [row["number"] for row in api.json()["results"]] == [demo["Filter verstopft"]]


def test_code_users_search_never_reads_internal_texts(demo):
    """The portal's archive search: title, description, number of the code's public tickets; the
    internal update of "Filter verstopft" ("Filterwechselintervall verkürzen.") is not searched."""
    ticket = Ticket.objects.get(title="Filter verstopft")
    code_user = CodeUser.objects.filter(access_code=ticket.access_code).first()
    assert list(selectors.code_user_archive(code_user, q="verstopft")) == [ticket]
    assert list(selectors.code_user_archive(code_user, q="Filterwechselintervall")) == []


# --- the vector stays current (PostgreSQL: the triggers; SQLite reads the columns) ----------------------


def test_new_and_edited_texts_are_found_at_once(client):
    staff = UserFactory()
    client.force_login(staff)
    moderator = UserFactory(role=Role.MODERATOR)
    ticket = make_ticket(Status.IN_PROGRESS, title="Lüfter brummt", assignees=[staff])
    assert titles(client.get(URL, {"q": "Kondensator"})) == set()

    ticket_services.update_post(staff, ticket, text="Kondensator getauscht", internal=True)
    assert titles(client.get(URL, {"q": "Kondensator"})) == {"Lüfter brummt"}

    ticket_services.ticket_update_fields(moderator, ticket, title="Lüfter rattert")
    assert titles(client.get(URL, {"q": "rattert"})) == {"Lüfter rattert"}
    assert titles(client.get(URL, {"q": "brummt"})) == set()
    assert titles(client.get(URL, {"q": "Kondensator"})) == {"Lüfter rattert"}  # the update text stays

    # Rows written past the services (a bulk load, the benchmark's generator) are found too.
    TicketUpdate.objects.bulk_create([TicketUpdate(ticket=ticket, author=staff, text="Lagerschaden festgestellt")])
    assert titles(client.get(URL, {"q": "Lagerschaden"})) == {"Lüfter rattert"}
    TicketUpdate.objects.filter(ticket=ticket, text__startswith="Lagerschaden").delete()
    assert titles(client.get(URL, {"q": "Lagerschaden"})) == set()


def test_a_stale_copy_saved_back_keeps_the_newer_texts_searchable(client):
    """A ticket loaded before an update was posted and saved afterwards (with its old copy of the
    vector, on PostgreSQL) must not lose the update's text from the search."""
    staff = UserFactory()
    client.force_login(staff)
    ticket = make_ticket(Status.IN_PROGRESS, title="Presse quietscht", assignees=[staff])
    stale = Ticket.objects.get(pk=ticket.pk)  # every column, the vector too
    ticket_services.update_post(staff, ticket, text="Hydraulikschlauch ersetzt")
    stale.save()
    assert titles(client.get(URL, {"q": "Hydraulikschlauch"})) == {"Presse quietscht"}


# --- ranking and marks ----------------------------------------------------------------------------------


def test_results_are_ranked_while_searching(client):
    client.force_login(UserFactory())
    moderator = UserFactory(role=Role.MODERATOR)
    in_title = make_ticket(Status.OPEN, title="Ventil klemmt")
    in_update = make_ticket(Status.OPEN, title="Anlage steht")
    ticket_services.update_post(moderator, in_update, text="Ventil geprüft")  # the newer change
    response = client.get(URL, {"q": "Ventil"})
    order = [row["ticket"].number for row in response.context["rows"]]
    if connection.vendor == "postgresql":
        # Relevance: a match in the title weighs more than one in an update.
        assert order == [in_title.number, in_update.number]
    else:
        # SQLite does not rank: the most recent change first.
        assert order == [in_update.number, in_title.number]
    assert response.context["sort"] == "relevance"
    by_title = client.get(URL, {"q": "Ventil", "sort": "title"})
    assert [row["ticket"].number for row in by_title.context["rows"]] == [in_update.number, in_title.number]


def test_marks_are_the_only_markup_in_titles_and_snippets(client):
    client.force_login(UserFactory())
    moderator = UserFactory(role=Role.MODERATOR)
    ticket = make_ticket(Status.OPEN, title="<script>alert(1)</script> Pumpe")
    ticket_services.ticket_update_fields(moderator, ticket, description='<img src=x onerror="alert(2)"> Pumpe leckt')
    html = client.get(URL, {"q": "Pumpe"}).content.decode()
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; <mark>Pumpe</mark>" in html
    snippet = html[html.index('<span class="search-snippet">') + len('<span class="search-snippet">'):]
    snippet = snippet[: snippet.index("</span>")]
    assert "<mark>Pumpe</mark> leckt" in snippet
    assert set(re.findall(r"</?([a-zA-Z]+)", snippet)) == {"mark"}  # the description's <img> stays text or goes


def test_parse_keeps_what_staff_typed_as_text():
    parsed = search.parse('Pumpe "Filter ersetzt" -Öl or x\'y & | ! :*')
    assert parsed.words == ("Pumpe", "x'y", "&", "|")  # six terms at most: "!" and ":*" are cut
    assert parsed.phrases == ("Filter ersetzt",)
    assert parsed.excluded == ("Öl",)
    assert parsed.any_of
    assert not search.parse("  - \"\" ")
    assert len(search.parse("a b c d e f g h").words) == search.SEARCH_MAX_TERMS


@pytest.mark.parametrize("query", ["'", "\\", "a:*", "!", "&|", "(", '"', "-", "- -x", "or", "a or", "x" * 300,
                                   "die der das", "2024-", ":", "<->"])
def test_odd_queries_never_fail(client, query):
    client.force_login(UserFactory())
    make_ticket(Status.OPEN, title="Pumpe")
    assert client.get(URL, {"q": query}).status_code == 200
    assert client.get("/tickets/archive/", {"q": query}).status_code == 200
