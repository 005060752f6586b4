"""Staff work a ticket in the browser: status bar edit mode, visibility, updates, tabs."""

import re

from playwright.sync_api import expect

from fleet.roles import Role
from tests.browser.helpers import open_as_staff, wait_until_live
from tests.factories import AccessCodeFactory, UserFactory, make_ticket
from tickets.choices import Status


def test_change_status_and_visibility_through_edit_mode(page, asgi_server, login, screenshot):
    assignee = UserFactory(first_name="Mia", last_name="Schneider")
    ticket = make_ticket(Status.ASSIGNED, assignees=[assignee], access_code=AccessCodeFactory(label="Presse 7"))
    login(assignee)
    page.goto(f"{asgi_server.url}{ticket.get_absolute_url()}")
    bar = page.locator("#status-bar")
    expect(bar.locator('[aria-current="step"]')).to_have_text("Zugewiesen")
    screenshot("detail-general")

    page.get_by_role("link", name="BEARBEITEN").click()
    # Only reachable states can be chosen (the only assignee may also release the ticket to Offen
    # or close it early with a reason); the others are disabled and say why.
    for name in ("Offen", "In Bearbeitung", "Geschlossen", "Abgebrochen"):
        expect(page.get_by_role("radio", name=name, exact=True)).to_be_enabled()
    for name in ("Entwurf", "Fertig"):
        expect(page.get_by_role("radio", name=name, exact=True)).to_be_disabled()
    fertig = page.locator("label.status-step", has_text="Fertig")
    expect(fertig).to_have_attribute("title", "Von „Zugewiesen“ aus nicht erreichbar.")
    fertig.click(force=True)  # clicking a disabled state changes nothing
    expect(page.get_by_role("radio", name="Fertig")).not_to_be_checked()
    screenshot("detail-edit-mode")

    page.locator("label.status-step", has_text="In Bearbeitung").click()
    page.get_by_role("button", name="SPEICHERN").click()
    expect(page.get_by_role("status")).to_contain_text("Gespeichert.")
    expect(bar.locator('[aria-current="step"]')).to_have_text("In Bearbeitung")

    page.get_by_role("link", name="BEARBEITEN").click()
    page.get_by_role("radio", name="Intern").check()
    page.get_by_role("button", name="SPEICHERN").click()
    expect(page.locator("#status-bar .visibility-badge")).to_have_text("Intern")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.visibility) == (Status.IN_PROGRESS, "internal")


def test_status_bar_is_usable_by_keyboard(page, asgi_server, login):
    assignee = UserFactory()
    ticket = make_ticket(Status.ASSIGNED, assignees=[assignee])
    login(assignee)
    page.goto(f"{asgi_server.url}{ticket.get_absolute_url()}?edit=1")
    page.get_by_role("radio", name="Zugewiesen").focus()
    page.keyboard.press("ArrowRight")  # moves to the next enabled state
    expect(page.get_by_role("radio", name="In Bearbeitung")).to_be_checked()
    page.get_by_role("button", name="SPEICHERN").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator('#status-bar [aria-current="step"]')).to_have_text("In Bearbeitung")


def test_automatic_change_appears_without_reload(page, asgi_server, login, browser):
    viewer = UserFactory()
    moderator = UserFactory(role=Role.MODERATOR, first_name="Moritz", last_name="Berger")
    jonas = UserFactory(first_name="Jonas", last_name="Fischer")
    ticket = make_ticket(Status.OPEN)
    login(viewer)
    page.goto(f"{asgi_server.url}{ticket.get_absolute_url()}")
    expect(page.locator('#status-bar [aria-current="step"]')).to_have_text("Offen")
    wait_until_live(page)

    # Elsewhere, a moderator assigns someone: Offen → Zugewiesen happens automatically.
    other, moderator_page = open_as_staff(browser, asgi_server, moderator, f"/tickets/{ticket.number}/fleet/")
    moderator_page.get_by_role("button", name="Zuweisen: Jonas Fischer").click()
    expect(moderator_page.get_by_role("status")).to_contain_text("Jonas Fischer ist jetzt zugewiesen.")

    expect(page.locator('#status-bar [aria-current="step"]')).to_have_text("Zugewiesen", timeout=5000)
    expect(page.locator(".ticket-summary .status-badge")).to_have_text("Zugewiesen")
    other.close()


def test_write_updates_and_see_every_tab(page, asgi_server, login, screenshot):
    assignee = UserFactory(first_name="Jonas", last_name="Fischer")
    ticket = make_ticket(Status.IN_PROGRESS, assignees=[assignee])
    login(assignee)
    page.goto(f"{asgi_server.url}{ticket.get_absolute_url()}")

    page.get_by_role("link", name="Updates", exact=True).click()
    expect(page).to_have_url(re.compile(r"/updates/$"))
    page.get_by_label("Text").fill("Techniker ist vor Ort.\nErsatzteil ist bestellt.")
    page.get_by_role("button", name="Update veröffentlichen").click()
    expect(page.get_by_role("status")).to_contain_text("Update veröffentlicht.")
    expect(page.locator(".update-list")).to_contain_text("Ersatzteil ist bestellt.")
    screenshot("detail-updates")

    page.get_by_role("link", name="Interne Updates").click()
    page.get_by_label("Text").fill("Kunde bitte nur vormittags anrufen.")
    page.get_by_role("button", name="Internes Update speichern").click()
    expect(page.locator(".update-list")).to_contain_text("nur vormittags")
    expect(page.locator(".update-list")).not_to_contain_text("Ersatzteil")
    screenshot("detail-internal")

    page.get_by_role("button", name="Internes Update speichern").click()  # empty text
    expect(page.locator(".update-form .field-error")).to_contain_text("erforderlich")

    for name, key in (("Flottenmanagement", "fleet"), ("Video-Sessions", "video"), ("Verlauf", "history")):
        page.get_by_role("link", name=name, exact=True).click()
        expect(page).to_have_url(re.compile(rf"/{key}/$"))
        page.reload()  # the open tab survives a reload
        expect(page.get_by_role("link", name=name, exact=True)).to_have_attribute("aria-current", "page")
        screenshot(f"detail-{key}")
    expect(page.locator(".history-list")).to_contain_text("Jonas Fischer")
