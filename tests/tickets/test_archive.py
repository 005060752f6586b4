"""The staff archive (finished tickets with their rating) and the rating on the staff ticket
detail page and in the ticket list, in the German UI."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from fleet.roles import Role
from tests.factories import AccessCodeFactory, CodeUserFactory, TicketTemplateFactory, UserFactory, make_ticket
from tickets import services
from tickets.choices import Status, Visibility
from tickets.services import feedback_submit, ticket_follow
from tickets.views import archive as archive_view

pytestmark = pytest.mark.django_db

URL = "/tickets/archive/"


@pytest.fixture(autouse=True)
def _german():
    """Page tests check the German UI (domain tests in this folder use English)."""
    with translation.override("de"):
        yield


def de(msgid: str) -> str:
    """The German wording of a string new with the archive (its translation may not be in
    locale/ yet; then the page shows the English source and so does this)."""
    with translation.override("de"):
        return translation.gettext(msgid)


@pytest.fixture
def staff_client(client, db):
    client.force_login(UserFactory(first_name="Mia", last_name="Schneider"))
    return client


@pytest.fixture
def code(db):
    return AccessCodeFactory(label="Kompressor K3")


def rated(code, *, stars=4, text="Schnell erledigt, danke!", title="Filter verstopft", code_user=None):
    """A public ticket on ``code`` its code user rated (which closed it)."""
    ticket = make_ticket(Status.DONE, access_code=code, title=title)
    code_user = code_user or CodeUserFactory(access_code=code, display_name="Karl Meier")
    ticket_follow(code_user, ticket)  # took part: followed it through the personal link
    feedback_submit(code_user, ticket, stars=stars, text=text)
    ticket.refresh_from_db()
    return ticket


def get(client, params=None):
    response = client.get(URL, params or {})
    assert response.status_code == 200, response.content[:500]
    return response


def numbers(response):
    return [row["ticket"].number for row in response.context["rows"]]


# --- access ------------------------------------------------------------------------------------------


def test_url_and_name():
    assert reverse("tickets:archive") == URL


def test_login_required(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_user_without_role_sees_nothing(client, code):
    rated(code, title="Geheim")
    client.force_login(UserFactory(role=None))
    response = get(client)
    assert response.context["rows"] == []
    assert "Geheim" not in response.content.decode()


# --- the page --------------------------------------------------------------------------------------------


def test_side_menu_links_the_archive_after_tickets(staff_client):
    html = get(staff_client).content.decode()
    menu = re.search(r'<ul class="menu"[^>]*>(.*?)</ul>', html, re.S).group(1)
    links = re.findall(r'<a href="([^"]+)"', menu)
    assert links.index(URL) == links.index(reverse("tickets:list")) + 1
    assert re.search(rf'<a href="{URL}" class="active" aria-current="page">{de("Archive")}</a>', menu)
    # TICKETS is not marked as the current page here.
    assert not re.search(rf'<a href="{reverse("tickets:list")}" class="active"', menu)
    # … but it still is on the list itself, where the archive is not.
    list_html = staff_client.get(reverse("tickets:list")).content.decode()
    assert re.search(rf'<a href="{reverse("tickets:list")}" class="active" aria-current="page">', list_html)
    assert not re.search(rf'<a href="{URL}" class="active"', list_html)


def test_page_is_german(staff_client, code):
    ticket = rated(code)
    html = get(staff_client).content.decode()
    assert '<html lang="de">' in html
    assert f"<h1 id=\"archive-heading\">{de('Archive')}</h1>" in html
    for text in ("Suche", "Fortschritt-Status", "Zugangscode", "Nummer", "Titel", "Geschlossen"):
        assert text in html, text
    assert '<span class="list-status list-status-closed">Geschlossen</span>' in html
    assert "Kompressor K3" in html and ticket.template.name in html
    assert f'<a href="{ticket.get_absolute_url()}">{ticket.number}</a>' in html
    assert de("Customer rating") in html


def test_only_finished_tickets(staff_client, code):
    tickets = {status: make_ticket(status, title=f"Ticket {status}") for status in Status if status != Status.DRAFT}
    shown = set(numbers(get(staff_client)))
    assert shown == {tickets[Status.CLOSED].number, tickets[Status.CANCELLED].number}
    assert numbers(get(staff_client, {"status": "cancelled"})) == [tickets[Status.CANCELLED].number]
    assert numbers(get(staff_client, {"status": "closed"})) == [tickets[Status.CLOSED].number]


def test_newest_finished_first(staff_client):
    moderator = UserFactory(role=Role.MODERATOR)
    first, second, third = (make_ticket(Status.DONE, title=f"Ticket {n}") for n in range(3))
    # Finished in another order than created.
    for ticket in (second, third, first):
        services.ticket_close(moderator, ticket)
    assert numbers(get(staff_client)) == [first.number, third.number, second.number]


def test_search_in_title_and_updates(staff_client, code):
    pump = rated(code, title="Pumpe tropft")
    valve = make_ticket(Status.CLOSED, title="Ventil klemmt")
    services.update_post(UserFactory(role=Role.MODERATOR), valve, text="Dichtung aus Lager 7 eingebaut")
    make_ticket(Status.IN_PROGRESS, title="Pumpe läuft heiß")  # active: never in the archive

    assert numbers(get(staff_client, {"q": "pumpe"})) == [pump.number]
    assert numbers(get(staff_client, {"q": "lager 7"})) == [valve.number]
    assert numbers(get(staff_client, {"q": pump.number})) == [pump.number]
    response = get(staff_client, {"q": "Gibtsnicht"})
    html = response.content.decode()
    assert response.context["rows"] == [] and "Keine Tickets gefunden" in html
    assert "Filter zurücksetzen" in html


def test_filter_by_rating(staff_client, code):
    with_rating = rated(code)
    without = make_ticket(Status.CLOSED, access_code=code)
    assert numbers(get(staff_client, {"rated": "yes"})) == [with_rating.number]
    assert numbers(get(staff_client, {"rated": "no"})) == [without.number]


def test_hostile_parameters_give_a_page(staff_client, code):
    ticket = rated(code)
    for params in ({"status": "open"}, {"status": "<script>"}, {"rated": "maybe"}, {"page": "abc"}, {"page": "999"}, {"cursor": "abc"},
                   {"q": "x" * 5000}):
        response = staff_client.get(URL, params)
        assert response.status_code == 200, params
    assert numbers(get(staff_client, {"status": "open"})) == [ticket.number]  # ignored, not applied


def test_feedback_shown(staff_client, code):
    ticket = rated(code, stars=4, text="Schnell erledigt, der Kompressor läuft wieder ruhig.")
    unrated = make_ticket(Status.CLOSED, access_code=code, title="Ohne Bewertung")
    cancelled = make_ticket(Status.CANCELLED, access_code=code, title="Doppelt")
    html = get(staff_client).content.decode()
    row = _row(html, ticket.number)
    assert row.count('class="star-on"') == 4 and row.count('class="star-off"') == 1
    assert f'<span class="rating-value">{de("%(stars)s of 5 stars") % {"stars": 4}}</span>' in row
    assert "Schnell erledigt, der Kompressor läuft wieder ruhig." in row
    assert de("No rating") in _row(html, unrated.number)
    assert de("No rating") not in _row(html, cancelled.number)


def test_long_feedback_is_shortened_in_the_list(staff_client, code):
    ticket = rated(code, text="Sehr gut. " * 200)
    row = _row(get(staff_client).content.decode(), ticket.number)
    assert "…" in row and row.count("Sehr gut.") < 40


def _link(html: str, rel: str) -> str:
    match = re.search(rf'<a href="([^"]+)" rel="{rel}">', html)
    assert match, rel
    return match.group(1).replace("&amp;", "&")


def _follow(client, link: str):
    from urllib.parse import parse_qs, urlsplit

    return get(client, {key: values[0] for key, values in parse_qs(urlsplit(link).query).items()})


@pytest.mark.parametrize("q", ["", "Alt"])
def test_pagination(staff_client, code, monkeypatch, q):
    monkeypatch.setattr(archive_view, "PAGE_SIZE", 2)
    tickets = [make_ticket(Status.CLOSED, title=f"Alt {n}") for n in range(5)]
    newest_first = [t.number for t in reversed(tickets)]
    params = {"q": q} if q else {}
    first = get(staff_client, params)
    assert numbers(first) == newest_first[:2]
    second = _follow(staff_client, _link(first.content.decode(), "next"))
    assert numbers(second) == newest_first[2:4]
    html = second.content.decode()
    assert 'rel="next"' in html and 'rel="prev"' in html and "Seite 2 von 3" in html
    next_link = _link(html, "next")
    assert ("q=Alt" in next_link) == bool(q) and "cursor=" in next_link  # the search stays in the page links
    third = _follow(staff_client, next_link)
    assert numbers(third) == newest_first[4:]
    assert "Seite 3 von 3" in third.content.decode()
    assert numbers(_follow(staff_client, _link(first.content.decode(), "last"))) == newest_first[4:]
    assert numbers(_follow(staff_client, _link(third.content.decode(), "prev"))) == newest_first[2:4]


def test_a_ticket_finished_between_pages_neither_repeats_nor_hides_another(staff_client, code, monkeypatch):
    monkeypatch.setattr(archive_view, "PAGE_SIZE", 2)
    moderator = UserFactory(role=Role.MODERATOR)
    tickets = [make_ticket(Status.DONE, title=f"Alt {n}") for n in range(4)]
    for ticket in tickets:
        services.ticket_close(moderator, ticket)
    first = get(staff_client)
    assert numbers(first) == [tickets[3].number, tickets[2].number]
    services.ticket_close(moderator, make_ticket(Status.DONE, title="Neu"))  # arrives on top of page 1
    assert numbers(_follow(staff_client, _link(first.content.decode(), "next"))) == [tickets[1].number, tickets[0].number]


def test_bad_cursors_give_the_first_page(staff_client, code, monkeypatch):
    monkeypatch.setattr(archive_view, "PAGE_SIZE", 2)
    tickets = [make_ticket(Status.CLOSED, title=f"Alt {n}") for n in range(3)]
    for cursor in ["abc", "x" * 5000, "eyJvIjoibGlzdCJ9:abc:def"]:
        response = get(staff_client, {"cursor": cursor})
        assert numbers(response) == [tickets[2].number, tickets[1].number]
        assert response.context["page_obj"].number == 1
    # A cursor of the ticket list is not one of the archive.
    list_html = staff_client.get("/tickets/", {"status": "closed", "sort": "-updated_at"}).content.decode()
    assert 'rel="next"' not in list_html  # 3 tickets, one list page: make one by hand
    from tickets.paging import make_cursor

    foreign = make_cursor("list:-updated_at", "after", [tickets[2].updated_at, tickets[2].pk], 2)
    assert get(staff_client, {"cursor": foreign}).context["page_obj"].number == 1


def test_a_page_costs_a_constant_number_of_queries(staff_client, code, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    rated(code)
    make_ticket(Status.CLOSED, access_code=code)
    with CaptureQueriesContext(connection) as few:
        get(staff_client, {"q": "filter"})
    baseline = len(few.captured_queries)
    for n in range(6):
        rated(code, stars=1 + n % 5, code_user=CodeUserFactory(access_code=code))
        make_ticket(Status.CANCELLED, title="Filter doppelt")
    with django_assert_max_num_queries(baseline):
        response = get(staff_client, {"q": "filter"})
    assert len(response.context["rows"]) == 13


def _row(html: str, number: str) -> str:
    match = re.search(rf"<tr>\s*<td class=\"col-number\"><a href=\"[^\"]+\">{number}</a>.*?</tr>", html, re.S)
    assert match, number
    return match.group(0)


# --- the rating on the staff ticket page ----------------------------------------------------------------


def _summary(client, ticket) -> str:
    html = client.get(ticket.get_absolute_url()).content.decode()
    return re.search(r'<header class="ticket-summary card">(.*?)</header>', html, re.S).group(1)


def test_detail_shows_the_rating_in_the_summary(staff_client, code):
    ticket = rated(code, stars=3, text="Gut, aber der Termin wurde zweimal verschoben.")
    summary = _summary(staff_client, ticket)
    assert 'class="feedback-summary feedback-given"' in summary
    assert de("Customer rating") in summary
    assert summary.count('class="star-on"') == 3
    assert "Gut, aber der Termin wurde zweimal verschoben." in summary
    assert "Karl Meier" in summary


def test_detail_says_when_the_rating_is_still_missing(staff_client, code):
    waiting = make_ticket(Status.DONE, access_code=code)
    summary = _summary(staff_client, waiting)
    assert 'feedback-pending' in summary and de("No rating yet") in summary

    closed = make_ticket(Status.CLOSED, access_code=code)
    summary = _summary(staff_client, closed)
    assert 'feedback-none' in summary and de("No rating") in summary


@pytest.mark.parametrize("case", ["template_does_not_ask", "internal", "in_progress", "cancelled"])
def test_detail_shows_no_rating_box_where_none_is_expected(staff_client, code, case):
    if case == "template_does_not_ask":
        quiet = AccessCodeFactory(template=TicketTemplateFactory(asks_feedback=False))
        ticket = make_ticket(Status.CLOSED, access_code=quiet)
    elif case == "internal":
        ticket = make_ticket(Status.CLOSED, access_code=code, visibility=Visibility.INTERNAL)
    elif case == "in_progress":
        ticket = make_ticket(Status.IN_PROGRESS, access_code=code)
    else:
        ticket = make_ticket(Status.CANCELLED, access_code=code)
    assert "feedback-summary" not in _summary(staff_client, ticket)


def test_history_names_the_rating(staff_client, code):
    ticket = rated(code, stars=5)
    html = staff_client.get(reverse("tickets:tab", args=[ticket.number, "history"])).content.decode()
    assert "★★★★★" in html
    assert de("Rating") in html


# --- the rating in the ticket list ---------------------------------------------------------------------


def test_list_marks_rated_tickets_next_to_the_status(staff_client, code):
    ticket = rated(code, stars=2)
    plain = make_ticket(Status.CLOSED, access_code=code)
    html = staff_client.get(reverse("tickets:list"), {"status": "closed"}).content.decode()
    cell = re.search(
        rf'href="{ticket.get_absolute_url()}">{ticket.number}</a>.*?<td class="col-status">(.*?)</td>', html, re.S
    ).group(1)
    assert '<span class="list-status list-status-closed">Geschlossen</span>' in cell
    assert "rating-compact" in cell and cell.count('class="star-on"') == 2
    plain_cell = re.search(
        rf'href="{plain.get_absolute_url()}">{plain.number}</a>.*?<td class="col-status">(.*?)</td>', html, re.S
    ).group(1)
    assert "rating" not in plain_cell


def test_list_with_ratings_keeps_its_query_count(staff_client, code, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    rated(code)
    with CaptureQueriesContext(connection) as few:
        get_list = staff_client.get(reverse("tickets:list"), {"status": "all"})
    assert get_list.status_code == 200
    baseline = len(few.captured_queries)
    for n in range(5):
        rated(code, stars=1 + n, code_user=CodeUserFactory(access_code=code))
    with django_assert_max_num_queries(baseline):
        response = staff_client.get(reverse("tickets:list"), {"status": "all"})
    assert len(response.context["rows"]) == 6
    assert all(row["feedback"] is not None for row in response.context["rows"])
