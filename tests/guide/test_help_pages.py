"""The in-app help (guide/): the staff articles at /help/<slug>/, the code users' page at /c/help/,
and the round "?" links beside the headings of the screens they explain."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.core.cache import cache
from django.shortcuts import resolve_url
from django.test import Client

from fleet.roles import Role
from tests.factories import AccessCodeFactory, TicketTemplateFactory, UserFactory, make_ticket
from tickets.choices import Status
from tickets.models import CodeUser

pytestmark = pytest.mark.django_db

# Every staff article: its exact headings (h1, then the h2s in order) in German and English.
ARTICLES = {
    ("fleet", "de"): [
        "Flottenmanagement", "Die drei Gruppen", "Angebote", "Übernehmen", "Wer was darf", "Freigeben",
        "Was der Status dabei tut", "Was der Kunde liest", "Tipps",
    ],
    ("fleet", "en"): [
        "Fleet management", "The three groups", "Offers", "Taking a ticket", "Who may do what", "Releasing",
        "What the status does", "What the customer reads", "Tips",
    ],
    ("messenger", "de"): [
        "Der Messenger", "Wer mitliest und mitschreibt", "Schreiben", "Systemnachrichten", "Alles in Echtzeit",
        "Wenn der Kunde nicht da ist", "Wenn die Verbindung abreißt", "Ungelesenes finden", "Messenger oder Update?",
    ],
    ("messenger", "en"): [
        "The messenger", "Who reads and who writes", "Writing", "System messages", "Everything in real time",
        "When the customer is away", "When the connection drops", "Finding unread messages", "Messenger or update?",
    ],
    ("ticketing", "de"): [
        "Wie man Ticketing richtig nutzt", "Die Ticketliste", "Ein Ticket anlegen", "Die Ticketseite",
        "Bearbeiten und speichern", "Der Weg eines Tickets", "Intern oder öffentlich", "Gute Gewohnheiten",
    ],
    ("ticketing", "en"): [
        "How to use ticketing well", "The ticket list", "Creating a ticket", "The ticket page",
        "Editing and saving", "A ticket’s journey", "Internal or public", "Good habits",
    ],
}
PORTAL = {
    "de": [
        "Tickets melden und verfolgen", "Hineinkommen", "Ein Problem melden", "Ein Ticket verfolgen",
        "Das Serviceprotokoll", "Der Messenger", "Die Arbeit bewerten", "Ihr persönlicher Link", "E-Mails von uns",
    ],
    "en": [
        "Reporting and following tickets", "Getting in", "Reporting a problem", "Following a ticket",
        "The service record", "The messenger", "Rating the work", "Your personal link", "E-mails from us",
    ],
}
TITLES = {"de": "Hilfe", "en": "Help"}


class _Page(HTMLParser):
    """The headings inside <article> and every <a class="help-link"> of a page."""

    def __init__(self, html: str):
        super().__init__()
        self.headings: list[str] = []
        self.help_links: list[dict] = []
        self._in_article = 0
        self._heading: list[str] | None = None
        self._link: dict | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "article":
            self._in_article += 1
        elif tag in ("h1", "h2") and self._in_article:
            self._heading = []
        elif tag == "a" and "help-link" in (attrs.get("class") or "").split():
            self._link = {"href": attrs.get("href"), "name": attrs.get("aria-label"), "text": ""}

    def handle_endtag(self, tag):
        if tag == "article":
            self._in_article -= 1
        elif tag in ("h1", "h2") and self._heading is not None:
            self.headings.append(" ".join("".join(self._heading).split()))
            self._heading = None
        elif tag == "a" and self._link is not None:
            self._link["text"] = " ".join(self._link["text"].split())
            self.help_links.append(self._link)
            self._link = None

    def handle_data(self, data):
        if self._heading is not None:
            self._heading.append(data)
        if self._link is not None:
            self._link["text"] += data


class _SideMenu(HTMLParser):
    """The links of the staff side menu (<nav class="sidebar">): href, aria-current and the text."""

    def __init__(self, html: str):
        super().__init__()
        self.label: str | None = None
        self.links: list[dict] = []
        self._in_menu = False
        self._link: dict | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "nav" and "sidebar" in (attrs.get("class") or "").split():
            self._in_menu, self.label = True, attrs.get("aria-label")
        elif tag == "a" and self._in_menu and self._link is None:
            self._link = {"href": attrs.get("href"), "current": attrs.get("aria-current"), "text": ""}

    def handle_endtag(self, tag):
        if tag == "nav":
            self._in_menu = False
        elif tag == "a" and self._link is not None:
            self._link["text"] = " ".join(self._link["text"].split())
            self.links.append(self._link)
            self._link = None

    def handle_data(self, data):
        if self._link is not None:
            self._link["text"] += data


def _get(client, url, language, **extra):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(url, **extra)


@pytest.fixture
def staff(db):
    return UserFactory(first_name="Mia", last_name="Schneider")


@pytest.fixture
def moderator(db):
    return UserFactory(role=Role.MODERATOR, first_name="Moritz", last_name="Berger")


# --- the staff articles ----------------------------------------------------------------------------


@pytest.mark.parametrize(("slug", "language"), sorted(ARTICLES))
def test_each_article_renders_in_german_and_english(client, staff, slug, language):
    client.force_login(staff)
    response = _get(client, f"/help/{slug}/", language)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    headings = ARTICLES[(slug, language)]
    assert _Page(html).headings == headings
    assert f"<title>{headings[0]} · {TITLES[language]} · Leitstand</title>" in html
    # The staff layout (side menu, top bar), and the other articles one click away.
    assert html.count('<nav class="sidebar"') == 1 and '<header class="topbar">' in html
    for other in ("fleet", "messenger", "ticketing"):
        assert f'href="/help/{other}/"' in html
    assert f'<a href="/help/{slug}/" aria-current="page">{headings[0]}</a>' in html


@pytest.mark.parametrize("language", ["de", "en"])
def test_index_lists_the_articles_and_the_code_users_page(client, staff, language):
    client.force_login(staff)
    response = _get(client, "/help/", language)
    assert response.status_code == 200
    headings = _Page(response.content.decode()).headings
    assert headings == [
        TITLES[language],
        ARTICLES[("ticketing", language)][0],
        ARTICLES[("fleet", language)][0],
        ARTICLES[("messenger", language)][0],
        PORTAL[language][0],
    ]
    html = response.content.decode()
    for href in ("/help/ticketing/", "/help/fleet/", "/help/messenger/", "/c/help/"):
        assert f'href="{href}"' in html


@pytest.mark.parametrize(("language", "name"), [("de", "Hilfe"), ("en", "Help")])
def test_side_menu_ends_with_the_help(client, language, name):
    """HILFE is the side menu's last entry (after Einstellungen), marked current on every help page."""
    client.force_login(UserFactory(role=Role.ADMINISTRATOR))
    menu_label = {"de": "Hauptmenü", "en": "Main menu"}[language]
    settings_name = {"de": "Einstellungen", "en": "Settings"}[language]
    for url, current in [("/", None), ("/tickets/", None), ("/help/", "page"), ("/help/fleet/", "page")]:
        menu = _SideMenu(_get(client, url, language).content.decode())
        assert menu.label == menu_label, url
        assert menu.links[-2]["text"] == settings_name, url
        assert menu.links[-1] == {"href": "/help/", "current": current, "text": name}, url
        if current:  # on a help page it is the only entry marked current
            assert [link for link in menu.links if link["current"]] == [menu.links[-1]], url


def test_side_menu_has_the_help_for_every_role(client):
    for role in (Role.STAFF, Role.MODERATOR, None):
        client.force_login(UserFactory(role=role))
        links = _SideMenu(_get(client, "/tickets/", "de").content.decode()).links
        assert links[-1] == {"href": "/help/", "current": None, "text": "Hilfe"}, role


@pytest.mark.parametrize("language", ["de", "en"])
def test_links_between_the_articles_point_at_existing_sections(client, staff, language):
    """A link like /help/fleet/#release (or /c/help/#email) lands on a heading of that page."""
    client.force_login(staff)
    pages = {f"/help/{slug}/": _get(client, f"/help/{slug}/", language).content.decode() for slug in ("fleet", "messenger", "ticketing")}
    pages["/c/help/"] = _get(Client(), "/c/help/", language).content.decode()
    pages["/help/"] = _get(client, "/help/", language).content.decode()
    targets = set()
    for html in pages.values():
        article = html[html.index("<article"):html.index("</article>")]
        targets |= set(re.findall(r'href="(/(?:c/)?help/[a-z/]*#[a-z-]+)"', article))
    assert targets  # the articles do link to each other's sections
    for target in targets:
        path, anchor = target.split("#")
        assert re.search(rf'<h2 id="{anchor}">', pages[path]), target


@pytest.mark.parametrize("url", ["/help/", "/help/fleet/", "/help/messenger/", "/help/ticketing/", "/help/nothing/"])
def test_anonymous_visitors_are_sent_to_the_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{resolve_url(settings.LOGIN_URL)}?next={url}"


@pytest.mark.parametrize("url", ["/help/nothing/", "/help/portal/", "/help/index/", "/help/Fleet/"])
def test_unknown_articles_are_404(client, staff, url):
    client.force_login(staff)
    assert client.get(url).status_code == 404


def test_only_get(client, staff):
    client.force_login(staff)
    assert client.post("/help/fleet/").status_code == 405


# --- the code users' page --------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["de", "en"])
def test_code_users_page_is_public_in_both_languages(language):
    response = _get(Client(), "/c/help/", language)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert _Page(html).headings == PORTAL[language]
    # The portal's layout, not the staff one, and no "?" pointing at itself.
    assert '<header class="portal-header">' in html and 'class="sidebar"' not in html
    assert _Page(html).help_links == []
    assert '<a href="/c/">← ' in html  # back to the start page


def test_code_users_page_links_back_to_the_portal_page_it_was_opened_from():
    code = AccessCodeFactory()
    came_from = code.get_absolute_url()
    html = Client().get("/c/help/", {"from": came_from}).content.decode()
    assert f'<a href="{came_from}">← Zurück</a>' in html
    for foreign in ("https://example.org/c/x/", "//example.org/c/", "/help/fleet/", "/c/help/", "javascript:alert(1)"):
        html = Client().get("/c/help/", {"from": foreign}).content.decode()
        assert '<a href="/c/">← Zurück</a>' in html, foreign


# --- the "?" links ----------------------------------------------------------------------------------

STAFF_LINKS = {
    "de": {
        "fleet": {"href": "/help/fleet/", "name": "Hilfe: Flottenmanagement", "text": "?"},
        "messenger": {"href": "/help/messenger/", "name": "Hilfe: Messenger", "text": "?"},
        "ticketing": {"href": "/help/ticketing/", "name": "Hilfe: Ticketing", "text": "?"},
    },
    "en": {
        "fleet": {"href": "/help/fleet/", "name": "Help: Fleet management", "text": "?"},
        "messenger": {"href": "/help/messenger/", "name": "Help: Messenger", "text": "?"},
        "ticketing": {"href": "/help/ticketing/", "name": "Help: Ticketing", "text": "?"},
    },
}


@pytest.mark.parametrize("language", ["de", "en"])
def test_fleet_tab_has_the_fleet_and_the_messenger_help(client, moderator, language):
    ticket = make_ticket(Status.OPEN, template=TicketTemplateFactory(assignees_needed=1))
    client.force_login(moderator)
    html = _get(client, f"/tickets/{ticket.number}/fleet/", language).content.decode()
    assert _Page(html).help_links == [STAFF_LINKS[language]["fleet"], STAFF_LINKS[language]["messenger"]]
    # Right after the tab's heading.
    assert re.search(r'<h2 id="tab-heading">[^<]+</h2>\s*<a class="help-link" href="/help/fleet/"', html)


def test_other_tabs_have_only_the_messenger_help(client, staff):
    ticket = make_ticket(Status.OPEN)
    client.force_login(staff)
    for url in (ticket.get_absolute_url(), f"/tickets/{ticket.number}/history/"):
        html = _get(client, url, "de").content.decode()
        assert _Page(html).help_links == [STAFF_LINKS["de"]["messenger"]]
        assert re.search(r'<h2 id="messenger-heading">Messenger</h2>\s*<a class="help-link" href="/help/messenger/"', html)


@pytest.mark.parametrize("language", ["de", "en"])
def test_ticket_list_has_the_ticketing_help(client, staff, language):
    client.force_login(staff)
    html = _get(client, "/tickets/", language).content.decode()
    assert _Page(html).help_links == [STAFF_LINKS[language]["ticketing"]]
    assert re.search(r'<h1 id="ticket-list-heading">Tickets</h1>\s*<a class="help-link" href="/help/ticketing/"', html)


@pytest.fixture
def code_user_client(db):
    """A customer who came in through an access code, with an open public ticket of that code."""
    cache.clear()  # the portal's per-IP throttle
    code = AccessCodeFactory(label="Presse 7")
    client = Client()
    client.get(code.get_absolute_url())
    response = client.post(code.get_absolute_url(), {"display_name": "Petra Huber", "email": "", "preferred_language": "de"})
    assert response.status_code == 302
    code_user = CodeUser.objects.get(display_name="Petra Huber")
    ticket = make_ticket(Status.OPEN, code_user=code_user, title="Öl tropft")
    return client, code, ticket


@pytest.mark.parametrize("language", ["de", "en"])
def test_portal_pages_link_to_the_code_users_help(code_user_client, language):
    client, code, ticket = code_user_client
    header = {"de": "Hilfe: Tickets melden und verfolgen", "en": "Help: Reporting and following tickets"}[language]
    word = TITLES[language]
    start = _Page(_get(client, "/c/", language).content.decode()).help_links
    assert start == [{"href": "/c/help/?from=/c/", "name": header, "text": f"? {word}"}]

    code_page = _Page(_get(client, code.get_absolute_url(), language).content.decode()).help_links
    assert code_page == [{"href": f"/c/help/?from={code.get_absolute_url()}", "name": header, "text": f"? {word}"}]

    # The ticket page: the header's link, and the messenger's "?" to the messenger part of the page.
    url = f"{code.get_absolute_url()}tickets/{ticket.number}/"
    response = _get(client, url, language)
    assert response.status_code == 200
    messenger = {"de": "Hilfe: Messenger", "en": "Help: Messenger"}[language]
    assert _Page(response.content.decode()).help_links == [
        {"href": f"/c/help/?from={url}", "name": header, "text": f"? {word}"},
        {"href": f"/c/help/?from={url}#messenger", "name": messenger, "text": "?"},
    ]
    # Opened from there, the help page leads back to the ticket.
    help_page = _get(client, f"/c/help/?from={url}", language).content.decode()
    assert f'<a href="{url}">← ' in help_page
    assert 'id="messenger"' in help_page
