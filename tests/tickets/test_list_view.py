"""The staff ticket list: tabs with counts, filters, search, sorting, pagination, drafts,
hostile parameters, a constant number of queries, and the German UI."""

import re

import pytest
from django.urls import reverse

from fleet.roles import Role
from tests.factories import AccessCodeFactory, TicketTemplateFactory, UserFactory, make_ticket
from tickets import services as ticket_services
from tickets.choices import Status, Visibility

pytestmark = pytest.mark.django_db

URL = "/tickets/"


@pytest.fixture
def staff(db):
    return UserFactory(first_name="Mia", last_name="Schneider")


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def get(client, params=None, **headers):
    response = client.get(URL, params or {}, **headers)
    assert response.status_code == 200, response.content[:500]
    return response


def numbers(response):
    return [row["ticket"].number for row in response.context["rows"]]


# --- access and basics ---------------------------------------------------------------------------


def test_url_and_name():
    assert reverse("tickets:list") == URL


def test_login_required(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_user_without_role_sees_no_tickets(client):
    make_ticket(Status.OPEN, title="Geheim")
    client.force_login(UserFactory(role=None))
    response = get(client)
    assert response.context["rows"] == []
    assert "Geheim" not in response.content.decode()


def test_page_is_german_with_all_columns(staff_client, staff):
    code = AccessCodeFactory(label="Presse Halle 2")
    assignee = UserFactory(first_name="Jonas", last_name="Fischer")
    ticket = make_ticket(
        Status.ASSIGNED, access_code=code, assignees=[assignee], visibility=Visibility.INTERNAL, title="Förderband steht"
    )
    make_ticket(Status.OPEN, visibility=Visibility.PUBLIC, title="Tür klemmt")

    html = get(staff_client).content.decode()

    assert '<html lang="de">' in html
    headers = [re.sub(r"\s+", " ", h).strip() for h in re.findall(r'<th scope="col"[^>]*>(.*?)</th>', html, re.S)]
    headers = [re.sub(r"<[^>]+>|[▲▼↕]", "", h).strip() for h in headers]
    assert headers == [
        "Nummer", "Titel", "Fortschritt-Status", "Sichtbarkeit", "Zugewiesene Mitarbeiter", "Zugangscode",
        "Vorlage", "Letzte Änderung",
    ]
    assert "Suche" in html and "Nur meine Tickets" in html and "Filter anwenden" in html
    assert re.search(r'<th scope="col"[^>]*>\s*<a class="sort-link"[^>]*>\s*Nummer', html)
    assert f'<a href="{ticket.get_absolute_url()}">{ticket.number}</a>' in html
    assert "Förderband steht" in html
    assert '<span class="list-status list-status-assigned">Zugewiesen</span>' in html
    assert '<span class="list-status list-status-open">Offen</span>' in html
    assert "Intern" in html and "Öffentlich" in html
    assert "Jonas Fischer" in html
    assert "Presse Halle 2" in html
    assert ticket.template.name in html
    # The status tabs are a navigation with the current tab marked; the German labels show.
    assert re.search(r'<nav class="status-tabs" aria-label="[^"]+">', html)
    assert re.search(r'class="status-tab current"\s+href="[^"]*"\s+aria-current="page"', html)
    for label in ["Entwurf", "Offen", "Zugewiesen", "In Bearbeitung", "Fertig", "Geschlossen", "Abgebrochen"]:
        assert f'<span class="tab-label">{label}</span>' in html
    assert '<span class="tab-label">Aktiv</span>' in html
    assert '<span class="tab-label">Alle</span>' in html
    # The button to create a ticket and the list's own stylesheet.
    assert f'href="{reverse("tickets:create")}"' in html and "Neues Ticket" in html
    assert "css/list.css" in html
    # Every filter control has a label.
    for name in ["q", "visibility", "assignee", "template", "access_code", "mine"]:
        assert f'<label for="id_{name}">' in html
        assert f'id="id_{name}"' in html


def test_last_change_is_shown_localized(staff_client):
    ticket = make_ticket(Status.OPEN)
    html = get(staff_client).content.decode()
    from django.utils import timezone

    local = timezone.localtime(ticket.updated_at)
    assert local.strftime("%d.%m.%Y") in html  # German short date format
    assert f'datetime="{local.isoformat()}"' in html or f'datetime="{local.replace(microsecond=0).isoformat()}"' in html


# --- status tabs ---------------------------------------------------------------------------------


@pytest.fixture
def one_per_status(staff):
    """One ticket in every progress state (the draft is the logged-in user's)."""
    tickets = {status: make_ticket(status, title=f"Ticket {status}") for status in Status if status != Status.DRAFT}
    tickets[Status.DRAFT] = make_ticket(Status.DRAFT, creator=staff, title="Ticket draft")
    return tickets


def test_default_tab_shows_every_active_state(staff_client, one_per_status):
    response = get(staff_client)
    shown = set(numbers(response))
    assert response.context["current_tab"] == "active"
    active = {t.number for s, t in one_per_status.items() if s not in (Status.CLOSED, Status.CANCELLED)}
    assert shown == active


def test_each_status_tab_shows_its_tickets(staff_client, one_per_status):
    for status, ticket in one_per_status.items():
        response = get(staff_client, {"status": status.value})
        assert numbers(response) == [ticket.number], status
        html = response.content.decode()
        assert re.search(rf'class="status-tab tab-status-{status.value} current"\s+href="[^"]*"\s+aria-current="page"', html)


def test_all_tab_shows_everything(staff_client, one_per_status):
    response = get(staff_client, {"status": "all"})
    assert set(numbers(response)) == {t.number for t in one_per_status.values()}


def test_tab_counts(staff_client, one_per_status):
    make_ticket(Status.OPEN)
    make_ticket(Status.CLOSED)
    make_ticket(Status.DRAFT)  # someone else's draft: not visible, not counted
    counts = {tab["key"]: tab["count"] for tab in get(staff_client).context["tabs"]}
    assert counts == {
        "active": 6,
        "draft": 1,
        "open": 2,
        "assigned": 1,
        "in_progress": 1,
        "done": 1,
        "closed": 2,
        "cancelled": 1,
        "all": 9,
    }
    html = get(staff_client, {"status": "closed"}).content.decode()
    assert re.search(r'<span class="tab-label">Geschlossen</span>\s*<span class="tab-count">2</span>', html)


def test_tab_counts_follow_the_other_filters(staff_client):
    make_ticket(Status.OPEN, visibility=Visibility.PUBLIC)
    make_ticket(Status.OPEN, visibility=Visibility.INTERNAL)
    make_ticket(Status.CLOSED, visibility=Visibility.INTERNAL)
    counts = {t["key"]: t["count"] for t in get(staff_client, {"visibility": "internal"}).context["tabs"]}
    assert counts["open"] == 1 and counts["closed"] == 1 and counts["active"] == 1 and counts["all"] == 2


def test_tab_counts_read_only_active_tickets_and_cache_the_finished(staff_client, one_per_status):
    """Once per request, not per tab: one count over the active states (their partial index); the
    finished states' counts come from the cache once it is warm."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def counting(queries):
        return [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"] and "tickets_ticket" in q["sql"]]

    with CaptureQueriesContext(connection) as cold:
        get(staff_client)
    with CaptureQueriesContext(connection) as warm:
        response = get(staff_client, {"status": "closed"})
    # The menu's badge counts (offers, notifications) are not the list's.
    cold_counts = [sql for sql in counting(cold) if "fleet_" not in sql and "messenger_" not in sql]
    warm_counts = [sql for sql in counting(warm) if "fleet_" not in sql and "messenger_" not in sql]
    assert len(cold_counts) == 2  # active states, finished states (then cached)
    assert len(warm_counts) == 1
    assert "'closed'" not in warm_counts[0] and "'in_progress'" in warm_counts[0]
    counts = {tab["key"]: tab["count"] for tab in response.context["tabs"]}
    assert counts["closed"] == 1 and counts["cancelled"] == 1 and counts["all"] == 7


def test_tabs_keep_the_other_parameters(staff_client):
    make_ticket(Status.OPEN)
    html = get(staff_client, {"visibility": "public", "sort": "title", "page": "1"}).content.decode()
    tab_links = re.findall(r'class="status-tab tab-status-open[^"]*"\s+href="([^"]+)"', html)
    assert tab_links == ["?visibility=public&amp;sort=title&amp;status=open"]


# --- filters -------------------------------------------------------------------------------------


def test_filter_visibility(staff_client):
    public = make_ticket(Status.OPEN, visibility=Visibility.PUBLIC)
    internal = make_ticket(Status.OPEN, visibility=Visibility.INTERNAL)
    assert numbers(get(staff_client, {"visibility": "public"})) == [public.number]
    assert numbers(get(staff_client, {"visibility": "internal"})) == [internal.number]
    assert set(numbers(get(staff_client, {"visibility": ""}))) == {public.number, internal.number}


def test_filter_mine(staff_client, staff):
    mine = make_ticket(Status.ASSIGNED, assignees=[staff, UserFactory()])
    other = make_ticket(Status.ASSIGNED)
    make_ticket(Status.OPEN)
    assert numbers(get(staff_client, {"mine": "on"})) == [mine.number]
    assert other.number in numbers(get(staff_client, {"mine": ""}))


def test_filter_assignee(staff_client):
    jonas, lena = UserFactory(), UserFactory()
    both = make_ticket(Status.IN_PROGRESS, assignees=[jonas, lena])
    only_lena = make_ticket(Status.ASSIGNED, assignees=[lena])
    make_ticket(Status.OPEN)
    assert numbers(get(staff_client, {"assignee": jonas.pk})) == [both.number]
    assert set(numbers(get(staff_client, {"assignee": lena.pk}))) == {both.number, only_lena.number}
    # With "mine" as well: both must hold (the logged-in user is neither).
    assert numbers(get(staff_client, {"assignee": lena.pk, "mine": "on"})) == []


def test_filter_template_and_access_code(staff_client):
    template = TicketTemplateFactory(name="Wartung")
    code = AccessCodeFactory(label="Fräse 7")
    by_template = make_ticket(Status.OPEN, template=template)
    by_code = make_ticket(Status.OPEN, access_code=code)
    make_ticket(Status.OPEN)
    assert numbers(get(staff_client, {"template": template.pk})) == [by_template.number]
    assert numbers(get(staff_client, {"access_code": code.pk})) == [by_code.number]
    assert numbers(get(staff_client, {"access_code": code.pk, "template": template.pk})) == []


def _options(html: str, name: str) -> list[tuple[str, str, bool]]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.DOTALL).group(1)
    return [(value, label, bool(selected)) for value, selected, label in
            re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select)]


def test_filter_selects_offer_the_staff_templates_and_codes_with_the_chosen_one_selected(staff_client, staff):
    jonas = UserFactory(first_name="Jonas", last_name="Weber")
    UserFactory(first_name="Alt", last_name="Gedient", is_active=False)
    template = TicketTemplateFactory(name="Wartung")
    code = AccessCodeFactory(label="Fräse 7")
    html = get(staff_client, {"assignee": jonas.pk, "template": template.pk}, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assignees = _options(html, "assignee")
    assert assignees[0] == ("", "Alle", False)
    assert sorted(assignees[1:]) == sorted([
        (str(jonas.pk), "Jonas Weber", True), (str(staff.pk), "Mia Schneider", False),
    ])
    assert (str(template.pk), "Wartung", True) in _options(html, "template")
    assert _options(html, "template")[0] == ("", "Alle", False)
    access_codes = _options(html, "access_code")
    assert access_codes[0] == ("", "Alle", True)
    assert (str(code.pk), str(code), False) in access_codes


def test_filters_combine_with_tabs(staff_client):
    template = TicketTemplateFactory()
    open_one = make_ticket(Status.OPEN, template=template)
    closed_one = make_ticket(Status.CLOSED, template=template)
    make_ticket(Status.CLOSED)
    assert numbers(get(staff_client, {"template": template.pk})) == [open_one.number]
    assert numbers(get(staff_client, {"template": template.pk, "status": "closed"})) == [closed_one.number]


# --- search --------------------------------------------------------------------------------------


def test_search_by_title_description_number_and_update_text(staff_client, staff):
    by_title = make_ticket(Status.OPEN, title="Hydraulikpumpe leckt")
    by_description = make_ticket(Status.OPEN, title="Störung A")
    ticket_services.ticket_update_fields(
        UserFactory(role=Role.MODERATOR), by_description, description="Der Kompressor macht Geräusche"
    )
    assignee = UserFactory()
    by_update = make_ticket(Status.IN_PROGRESS, title="Störung B", assignees=[assignee])
    ticket_services.update_post(assignee, by_update, text="Dichtung am Ventil getauscht")
    ticket_services.update_post(assignee, by_update, text="Ventil erneut geprüft", internal=True)
    make_ticket(Status.OPEN, title="Nichts davon")

    assert numbers(get(staff_client, {"q": "hydraulik"})) == [by_title.number]
    assert numbers(get(staff_client, {"q": "Kompressor"})) == [by_description.number]
    assert numbers(get(staff_client, {"q": by_update.number})) == [by_update.number]
    # Two matching updates, still one row (EXISTS, no join).
    assert numbers(get(staff_client, {"q": "ventil"})) == [by_update.number]
    # Every word must match somewhere (here: title and update text).
    assert numbers(get(staff_client, {"q": "Störung dichtung"})) == [by_update.number]
    assert numbers(get(staff_client, {"q": "  "})) != []
    response = get(staff_client, {"q": "gibt es nicht"})
    assert numbers(response) == []
    html = response.content.decode()
    assert "Keine Tickets gefunden" in html
    assert 'class="card list-empty"' in html


def test_a_search_counts_and_pages_its_matches_in_the_database(staff_client):
    """The matches are never fetched into the server (at 100,000 tickets a common word matches
    most of them): one aggregate gives every tab's count, one keyset query the page's keys by
    rank (no joins), one more the page's rows with their columns and highlights, by key."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_ticket(Status.OPEN, title="Kühlung")
    make_ticket(Status.CLOSED, title="Kühlung alt")
    with CaptureQueriesContext(connection) as queries:
        response = get(staff_client, {"q": "kühl"})
    marker = "@@" if connection.vendor == "postgresql" else "LIKE"
    searching = [q["sql"] for q in queries.captured_queries if marker in q["sql"] and "tickets_ticket" in q["sql"]]
    counted = 'SELECT "tickets_ticket"."status" AS "status", COUNT("tickets_ticket"."status")'
    by_key = re.compile(r'"tickets_ticket"\."id" IN \(\d')  # the page's ids, not a subquery
    assert [(sql.startswith(counted), sql.endswith("LIMIT 26"), bool(by_key.search(sql))) for sql in searching] == [
        (True, False, False), (False, True, False), (False, False, True),
    ]
    assert " JOIN " not in searching[1]  # the ranked page of keys joins nothing
    assert len(response.context["rows"]) == 1
    counts = {tab["key"]: tab["count"] for tab in response.context["tabs"]}
    assert counts["active"] == 1 and counts["closed"] == 1 and counts["all"] == 2


# --- sorting -------------------------------------------------------------------------------------


@pytest.fixture
def three(staff):
    # Created in this order: numbers ascend, updated_at ascends.
    return [
        make_ticket(Status.DONE, title="Bremse"),
        make_ticket(Status.OPEN, title="Achse"),
        make_ticket(Status.ASSIGNED, title="Creme"),
    ]


def test_default_sort_is_last_change_first(staff_client, three):
    response = get(staff_client)
    assert numbers(response) == [t.number for t in reversed(three)]
    assert response.context["sort"] == "-updated_at"
    ticket_services.ticket_update_fields(UserFactory(role=Role.MODERATOR), three[0], title="Bremse neu")
    assert numbers(get(staff_client))[0] == three[0].number


@pytest.mark.parametrize(
    "sort, expected",
    [
        ("title", ["Achse", "Bremse", "Creme"]),
        ("-title", ["Creme", "Bremse", "Achse"]),
        ("number", ["Bremse", "Achse", "Creme"]),
        ("-number", ["Creme", "Achse", "Bremse"]),
        ("created_at", ["Bremse", "Achse", "Creme"]),
        ("-created_at", ["Creme", "Achse", "Bremse"]),
        ("updated_at", ["Bremse", "Achse", "Creme"]),
        ("status", ["Achse", "Creme", "Bremse"]),  # lifecycle order: Offen, Zugewiesen, Fertig
        ("-status", ["Bremse", "Creme", "Achse"]),
    ],
)
def test_sorting(staff_client, three, sort, expected):
    response = get(staff_client, {"sort": sort})
    assert [row["ticket"].title for row in response.context["rows"]] == expected


def test_sort_headers_are_links_with_aria_sort(staff_client, three):
    html = get(staff_client, {"sort": "title", "visibility": "public"}).content.decode()
    assert re.search(r'<th scope="col" class="col-title" aria-sort="ascending">', html)
    # Clicking the sorted column again turns it round, the other parameters stay.
    assert 'href="?sort=-title&amp;visibility=public"' in html or 'href="?visibility=public&amp;sort=-title"' in html


def test_unknown_sort_falls_back_to_default(staff_client, three):
    for sort in ["password", "-created_by__password", "title;drop", "--title", ""]:
        response = get(staff_client, {"sort": sort})
        assert numbers(response) == [t.number for t in reversed(three)], sort


# --- pagination ----------------------------------------------------------------------------------


@pytest.fixture
def thirty(staff):
    template = TicketTemplateFactory()
    return [make_ticket(Status.OPEN, template=template, title=f"Ticket {i:02d}") for i in range(30)]


def _link(html: str, rel: str) -> str:
    match = re.search(rf'<a href="([^"]+)" rel="{rel}">', html)
    assert match, rel
    return match.group(1).replace("&amp;", "&")


def _follow(client, link: str, **headers):
    from urllib.parse import parse_qs, urlsplit

    params = {key: values[0] for key, values in parse_qs(urlsplit(link).query).items()}
    return get(client, params, **headers)


def test_pagination(staff_client, thirty):
    first = get(staff_client, {"sort": "title"})
    assert [r["ticket"].title for r in first.context["rows"]] == [f"Ticket {i:02d}" for i in range(25)]
    assert first.context["paginator"].count == 30
    html = first.content.decode()
    assert "Seite 1 von 2" in html
    assert 'rel="prev"' not in html and 'rel="first"' not in html
    # Page links keep the other parameters and carry a cursor (no page numbers, no OFFSET).
    next_link = _link(html, "next")
    assert next_link.startswith("?sort=title&cursor=")
    second = _follow(staff_client, next_link)
    assert [r["ticket"].title for r in second.context["rows"]] == [f"Ticket {i:02d}" for i in range(25, 30)]
    html = second.content.decode()
    assert "Seite 2 von 2" in html and 'rel="next"' not in html
    assert _link(html, "first") == "?sort=title"
    back = _follow(staff_client, _link(html, "prev"))
    assert [r["ticket"].title for r in back.context["rows"]] == [f"Ticket {i:02d}" for i in range(25)]
    last = _follow(staff_client, _link(first.content.decode(), "last"))
    assert [r["ticket"].title for r in last.context["rows"]] == [f"Ticket {i:02d}" for i in range(25, 30)]
    assert last.context["page_obj"].number == 2


def test_every_sort_pages_without_gaps_or_repeats(staff_client, thirty):
    ticket_services.ticket_update_fields(UserFactory(role=Role.MODERATOR), thirty[3], title="Ticket 03")
    for sort in ["number", "-number", "title", "-title", "status", "-status", "updated_at", "-updated_at",
                 "created_at", "-created_at"]:
        first = get(staff_client, {"sort": sort})
        second = _follow(staff_client, _link(first.content.decode(), "next"))
        everything = numbers(get(staff_client, {"sort": sort, "status": "open"}))[:25]
        assert numbers(first) == everything
        assert sorted(numbers(first) + numbers(second)) == sorted(t.number for t in thirty), sort


def test_a_ticket_changed_between_pages_neither_repeats_nor_vanishes(staff_client, thirty):
    """Newest change first: 25 on page 1 (Ticket 29 … 05), 5 on page 2 (04 … 00). Between the two
    requests a ticket of page 1 is closed (it leaves the tab; with OFFSET the first of page 2
    would slip onto page 1 unseen) and one of page 2 changes (it moves to the top; with OFFSET the
    last of page 1 would show again)."""
    moderator = UserFactory(role=Role.MODERATOR)
    first = get(staff_client)
    assert [r["ticket"].title for r in first.context["rows"]][-1] == "Ticket 05"
    ticket_services.ticket_cancel(moderator, thirty[10], reason="Doppelt")
    ticket_services.ticket_update_fields(moderator, thirty[2], description="Neu bewertet")

    second = _follow(staff_client, _link(first.content.decode(), "next"))
    assert [r["ticket"].title for r in second.context["rows"]] == ["Ticket 04", "Ticket 03", "Ticket 01", "Ticket 00"]
    assert not set(numbers(first)) & set(numbers(second))
    # The changed ticket is where it now belongs: at the top of the first page.
    assert numbers(get(staff_client))[0] == thirty[2].number


@pytest.mark.parametrize("cursor", ["abc", "", "1.5", "-", "9" * 5000, "\x00", "eyJvIjoi:tampered:sig"])
def test_bad_cursors_give_the_first_page(staff_client, thirty, cursor):
    response = get(staff_client, {"cursor": cursor})
    assert response.context["page_obj"].number == 1
    assert len(response.context["rows"]) == 25


def test_tampered_stale_and_foreign_cursors_give_the_first_page(staff_client, thirty):
    first_page = numbers(get(staff_client))
    link = _link(get(staff_client, {"sort": "title"}).content.decode(), "next")
    cursor = link.split("cursor=")[1]
    # Another sort than the cursor was made for: its values mean nothing there.
    response = get(staff_client, {"cursor": cursor})
    assert numbers(response) == first_page and response.context["page_obj"].number == 1
    # One character changed: the signature no longer fits.
    tampered = cursor[:5] + ("A" if cursor[5] != "A" else "B") + cursor[6:]
    response = get(staff_client, {"sort": "title", "cursor": tampered})
    assert response.context["page_obj"].number == 1 and len(response.context["rows"]) == 25
    # Stale: everything after it is gone.
    moderator = UserFactory(role=Role.MODERATOR)
    for ticket in thirty[25:]:
        ticket_services.ticket_cancel(moderator, ticket, reason="Weg")
    response = get(staff_client, {"sort": "title", "cursor": cursor})
    assert response.context["page_obj"].number == 1 and len(response.context["rows"]) == 25
    # The old page numbers are ignored.
    assert get(staff_client, {"page": "3"}).context["page_obj"].number == 1


def test_pages_in_the_htmx_partial_and_the_full_page(staff_client, thirty):
    link = _link(get(staff_client, {"sort": "title"}).content.decode(), "next")
    partial = _follow(staff_client, link, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="ticket-results")
    html = partial.content.decode()
    assert html.lstrip().startswith('<div id="ticket-results"') and "<html" not in html
    assert "Ticket 29" in html and "Ticket 24" not in html
    full = _follow(staff_client, link).content.decode()
    assert full.count('<nav class="sidebar"') == 1
    assert "Ticket 29" in full and "Ticket 24" not in full
    assert 'hx-boost="true" aria-label="Seiten"' in full


# --- hostile input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"status": "bogus"},
        {"status": ["open", "closed"]},
        {"visibility": "secret"},
        {"assignee": "abc"},
        {"assignee": "99999999999999999999999999"},
        {"assignee": "-1"},
        {"template": "1 OR 1=1"},
        {"access_code": "9" * 40},
        {"mine": "maybe"},
        {"q": "x" * 5000},
        {"q": "%_\\'\"<script>"},
        {"q": "\x00"},
        {"sort": "-"},
        {"page": "\x00"},
        {"cursor": "\x00"},
        {"unknown": "1"},
    ],
)
def test_hostile_params_do_not_fail(staff_client, params):
    make_ticket(Status.OPEN, title="<b>fett</b>")
    response = get(staff_client, params)
    html = response.content.decode()
    assert "<b>fett</b>" not in html  # titles are escaped
    assert "<script>" not in html  # so is the echoed search


def test_bad_status_falls_back_to_active_tab(staff_client):
    open_one = make_ticket(Status.OPEN)
    make_ticket(Status.CLOSED)
    response = get(staff_client, {"status": "bogus"})
    assert response.context["current_tab"] == "active"
    assert numbers(response) == [open_one.number]


# --- drafts --------------------------------------------------------------------------------------


def test_drafts_of_others_hidden_own_drafts_resume_in_wizard(staff_client, staff):
    own = make_ticket(Status.DRAFT, creator=staff, title="Mein Entwurf")
    make_ticket(Status.DRAFT, title="Fremder Entwurf")
    submitted = make_ticket(Status.OPEN, creator=staff)

    response = get(staff_client, {"status": "all"})
    assert set(numbers(response)) == {own.number, submitted.number}
    html = response.content.decode()
    assert "Fremder Entwurf" not in html
    wizard_url = reverse("tickets:wizard", args=[own.number, "general"])
    assert f'<a href="{wizard_url}">{own.number}</a>' in html
    assert f'<a href="{submitted.get_absolute_url()}">{submitted.number}</a>' in html
    counts = {t["key"]: t["count"] for t in response.context["tabs"]}
    assert counts["draft"] == 1


def test_moderator_sees_other_drafts_linked_to_the_detail_page(client):
    moderator = UserFactory(role=Role.MODERATOR)
    draft = make_ticket(Status.DRAFT, title="Fremder Entwurf")
    client.force_login(moderator)
    html = get(client, {"status": "draft"}).content.decode()
    assert f'<a href="{draft.get_absolute_url()}">{draft.number}</a>' in html


# --- queries -------------------------------------------------------------------------------------


def test_a_page_costs_a_constant_number_of_queries(staff_client, staff, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    code = AccessCodeFactory()
    assignees = [staff, UserFactory(), UserFactory()]

    def add_tickets(count):
        for i in range(count):
            ticket = make_ticket(Status.IN_PROGRESS, access_code=code, assignees=assignees[: 1 + i % 3])
            ticket_services.update_post(staff, ticket, text=f"Lager {i} geprüft")

    params = {"visibility": "public", "q": "lager", "assignee": staff.pk, "template": code.template.pk,
              "access_code": code.pk, "mine": "on", "sort": "title"}
    add_tickets(3)
    with CaptureQueriesContext(connection) as few:
        assert len(get(staff_client).context["rows"]) == 3
        assert len(get(staff_client, params).context["rows"]) == 3
    baseline = len(few.captured_queries)

    add_tickets(30)
    with django_assert_max_num_queries(baseline):
        first = get(staff_client)
        filtered = get(staff_client, params)
    assert len(first.context["rows"]) == 25
    assert len(filtered.context["rows"]) == 25
    next_link = _link(get(staff_client, {"sort": "-status"}).content.decode(), "next")
    with django_assert_max_num_queries(baseline // 2):
        second = _follow(staff_client, next_link)  # deep pages cost what the first costs
    assert len(second.context["rows"]) == 8


# --- htmx ----------------------------------------------------------------------------------------


def test_htmx_requests_get_only_the_results(staff_client):
    make_ticket(Status.OPEN, title="Teilansicht")
    response = get(staff_client, {"q": "Teil"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="ticket-results")
    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith('<div id="ticket-results"')
    assert "<mark>Teilansicht</mark>" in html  # the matching word marked in the title
    assert "HX-Request" in response["Vary"]
    assert "HX-Target" in response["Vary"]


def test_htmx_requests_aimed_elsewhere_get_the_whole_page(staff_client):
    make_ticket(Status.OPEN, title="Ganze Seite")
    response = get(staff_client, {}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="main")
    html = response.content.decode()
    assert html.count('<nav class="sidebar"') == 1
    assert "Ganze Seite" in html


def test_only_tabs_sorting_and_pages_are_boosted_never_the_ticket_links(staff_client):
    ticket = make_ticket(Status.OPEN, title="Klickbar")
    html = get(staff_client, {}).content.decode()
    results = html[html.index('id="ticket-results"'):]
    assert results.count('hx-boost="true"') == 2  # tabs and sort headers (one page: no pagination)
    row = results[results.index("<tbody>"):]
    assert f'<a href="/tickets/{ticket.number}/">' in row
    assert "hx-" not in row[: row.index("</tbody>")]
