"""The in-app help in the browser: from the side menu's HILFE to the articles, from the ticket's
Flottenmanagement tab to its article with one click on the "?", the articles at every width, and
the code users' page in the portal."""

import pytest
from playwright.sync_api import expect

from fleet.roles import Role
from tests.browser.audit import audit_widths
from tests.factories import AccessCodeFactory, TicketTemplateFactory, UserFactory, make_ticket
from tickets.choices import Status

# Layout and texts only: CI runs these once, in the embedded pass (pyproject's markers).
pytestmark = pytest.mark.layout


def test_staff_member_opens_the_fleet_help_from_the_ticket(page, asgi_server, login):
    moderator = UserFactory(role=Role.MODERATOR, first_name="Moritz", last_name="Berger")
    UserFactory(first_name="Mia", last_name="Schneider")
    ticket = make_ticket(Status.OPEN, template=TicketTemplateFactory(assignees_needed=2), title="Kühlung fällt aus")
    login(moderator)

    # Side menu → Hilfe (its last entry): the index of the articles, the entry marked current.
    menu = page.get_by_role("navigation", name="Hauptmenü")
    help_entry = menu.get_by_role("link", name="Hilfe", exact=True)
    expect(help_entry).to_have_attribute("href", "/help/")
    expect(menu.get_by_role("listitem").last.get_by_role("link")).to_have_text("Hilfe")
    help_entry.click()
    expect(page).to_have_url(f"{asgi_server.url}/help/")
    expect(page.get_by_role("heading", name="Hilfe", level=1)).to_be_visible()
    expect(help_entry).to_have_attribute("aria-current", "page")
    page.get_by_role("main").get_by_role("link", name="Wie man Ticketing richtig nutzt").click()
    expect(page).to_have_url(f"{asgi_server.url}/help/ticketing/")
    expect(page.get_by_role("heading", name="Bearbeiten und speichern", level=2)).to_be_visible()
    expect(help_entry).to_have_attribute("aria-current", "page")

    # Side menu → Tickets: the list's heading has its "?".
    menu.get_by_role("link", name="Tickets").click()
    expect(help_entry).not_to_have_attribute("aria-current", "page")
    expect(page.get_by_role("heading", name="Tickets", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Hilfe: Ticketing")).to_have_attribute("href", "/help/ticketing/")

    # → the ticket → Flottenmanagement → "?".
    page.get_by_role("link", name=ticket.number).click()
    expect(page.get_by_role("heading", name="Kühlung fällt aus")).to_be_visible()
    expect(page.get_by_role("link", name="Hilfe: Messenger")).to_have_attribute("href", "/help/messenger/")
    page.get_by_role("navigation", name="Ticketbereiche").get_by_role("link", name="Flottenmanagement").click()
    expect(page.get_by_role("heading", name="Verfügbare Mitarbeiter")).to_be_visible()
    help_link = page.get_by_role("link", name="Hilfe: Flottenmanagement")
    expect(help_link).to_have_text("?")
    # Beside the tab's heading, not below it.
    heading_box = page.locator("#tab-heading").bounding_box()
    link_box = help_link.bounding_box()
    assert link_box["x"] > heading_box["x"] + heading_box["width"] - 1
    assert abs((link_box["y"] + link_box["height"] / 2) - (heading_box["y"] + heading_box["height"] / 2)) < 8
    help_link.click()

    expect(page).to_have_url(f"{asgi_server.url}/help/fleet/")
    expect(page.get_by_role("heading", name="Flottenmanagement", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Die drei Gruppen", level=2)).to_be_visible()
    articles = page.get_by_role("navigation", name="Hilfeartikel")
    expect(articles.get_by_role("link", name="Flottenmanagement")).to_have_attribute("aria-current", "page")

    # The next article, then the same page in English.
    articles.get_by_role("link", name="Der Messenger").click()
    expect(page.get_by_role("heading", name="Der Messenger", level=1)).to_be_visible()
    page.get_by_role("button", name="EN", exact=True).click()
    expect(page).to_have_url(f"{asgi_server.url}/help/messenger/")
    expect(page.get_by_role("heading", name="The messenger", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="When the connection drops", level=2)).to_be_visible()
    page.get_by_role("button", name="DE", exact=True).click()
    expect(page.get_by_role("heading", name="Der Messenger", level=1)).to_be_visible()

    # Every help page at every width: one layout, nothing sideways, no serious axe finding.
    for slug in ("fleet", "messenger", "ticketing"):
        audit_widths(page, f"{asgi_server.url}/help/{slug}/", f"help-{slug}")
    audit_widths(page, f"{asgi_server.url}/help/", "help-index")
    audit_widths(page, f"{asgi_server.url}/tickets/{ticket.number}/fleet/", "help-link-fleet-tab")
    audit_widths(page, f"{asgi_server.url}/tickets/", "help-link-list")


def test_code_user_finds_the_help_in_the_portal(page, asgi_server):
    template = TicketTemplateFactory(name="Störung")
    code = AccessCodeFactory(template=template, label="Presse 7", location="Halle A")
    page.goto(f"{asgi_server.url}{code.get_absolute_url()}")
    page.get_by_label("Ihr Name").fill("Petra Huber")
    page.get_by_role("button", name="Weiter").click()
    expect(page.get_by_role("heading", name="Presse 7", level=1)).to_be_visible()

    page.get_by_role("link", name="Hilfe: Tickets melden und verfolgen").click()
    expect(page.get_by_role("heading", name="Tickets melden und verfolgen", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Das Serviceprotokoll", level=2)).to_be_visible()
    expect(page.get_by_role("link", name="Hilfe: Tickets melden und verfolgen")).to_have_count(0)
    page.get_by_role("link", name="Zurück").click()
    expect(page).to_have_url(f"{asgi_server.url}{code.get_absolute_url()}")

    # A ticket of hers: the messenger's "?" leads to the messenger part of the page.
    page.get_by_role("link", name="Neues Problem melden").click()
    page.get_by_label("Titel").fill("Öl tropft")
    page.get_by_role("button", name="Ticket senden").click()
    expect(page.get_by_role("heading", name="Öl tropft", level=1)).to_be_visible()
    ticket_url = page.url
    page.get_by_role("link", name="Hilfe: Messenger").click()
    expect(page).to_have_url(f"{asgi_server.url}/c/help/?from={ticket_url.removeprefix(asgi_server.url)}#messenger")
    expect(page.get_by_role("heading", name="Der Messenger", level=2)).to_be_in_viewport()
    page.get_by_role("link", name="Zurück").click()
    expect(page).to_have_url(ticket_url)

    audit_widths(page, f"{asgi_server.url}/c/help/", "help-portal", staff=False)
    audit_widths(page, ticket_url, "help-link-portal-ticket", staff=False)
