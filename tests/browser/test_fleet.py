"""Fleet management in the browser: accepting an offer, assigning and releasing from the tab."""

import re

from playwright.sync_api import expect

from fleet.roles import Role
from tests.factories import TicketTemplateFactory, UserFactory, make_ticket
from tickets.choices import Status


def test_mitarbeiter_accepts_an_offer_and_the_ticket_becomes_assigned(page, asgi_server, login, screenshot):
    template = TicketTemplateFactory(assignees_needed=1)
    mia = UserFactory(first_name="Mia", last_name="Schneider")
    ticket = make_ticket(Status.OPEN, template=template, title="Kühlung fällt aus")  # offers went out on commit
    login(mia)

    offers_link = page.get_by_role("link", name=re.compile("^Angebote"))
    expect(offers_link.locator(".badge")).to_have_text("1")
    offers_link.click()
    expect(page.get_by_role("heading", name="Kühlung fällt aus")).to_be_visible()
    screenshot("offers")
    page.get_by_role("button", name=f"Annehmen: {ticket.number}").click()

    expect(page).to_have_url(f"{asgi_server.url}{ticket.get_absolute_url()}")
    expect(page.get_by_role("status")).to_contain_text("angenommen")
    expect(page.locator('#status-bar [aria-current="step"]')).to_have_text("Zugewiesen")
    page.get_by_role("link", name="Flottenmanagement", exact=True).click()
    assigned = page.locator('[data-group="assigned"]')
    expect(assigned).to_contain_text("Mia Schneider")
    expect(assigned.locator('[data-user="%s"] .seen-badge > span[aria-hidden]' % mia.username)).to_have_text("GESEHEN")
    screenshot("fleet-tab-mitarbeiter")


def test_admin_assigns_and_releases_from_the_tab(page, asgi_server, login, screenshot):
    admin = UserFactory(role=Role.ADMINISTRATOR, first_name="Anna", last_name="Adler")
    jonas = UserFactory(first_name="Jonas", last_name="Fischer")
    lena = UserFactory(first_name="Lena", last_name="Wagner")
    ticket = make_ticket(Status.OPEN, title="Tor schließt nicht", template=TicketTemplateFactory(assignees_needed=2))
    login(admin)
    page.goto(f"{asgi_server.url}/tickets/{ticket.number}/fleet/")
    expect(page.get_by_role("heading", name="Verfügbare Mitarbeiter")).to_be_visible()
    screenshot("fleet-tab-admin")

    page.get_by_role("button", name="Zuweisen: Jonas Fischer").click()
    expect(page.get_by_role("status")).to_contain_text("Jonas Fischer ist jetzt zugewiesen.")
    expect(page.locator('[data-group="assigned"]')).to_contain_text("Jonas Fischer")
    expect(page.locator('#status-bar [aria-current="step"]')).to_have_text("Zugewiesen")

    page.get_by_role("button", name="Angebot zurückziehen: Lena Wagner").click()
    # She received an offer, so she stays among the requested, with what became of it.
    expect(page.locator('[data-group="requested"] [data-user="%s"]' % lena.username)).to_contain_text("zurückgezogen am")

    page.get_by_role("button", name="Entfernen: Jonas Fischer").click()
    expect(page.get_by_role("status")).to_contain_text("Jonas Fischer ist nicht mehr zugewiesen.")
    expect(page.locator('#status-bar [aria-current="step"]')).to_have_text("Offen")
    expect(page.locator('[data-group="assigned"]')).to_contain_text("Noch niemand ist zugewiesen.")
    # Offen again: the offers went out anew, Lena among them.
    expect(page.locator('[data-group="requested"]')).to_contain_text(lena.display_name)
