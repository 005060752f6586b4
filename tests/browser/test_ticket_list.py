"""The ticket list in the browser: tabs with counts, filters and search."""

from playwright.sync_api import expect

from fleet.roles import Role
from tests.factories import AccessCodeFactory, UserFactory, make_ticket
from tickets import services
from tickets.choices import Status


def test_list_tabs_filters_and_search(page, asgi_server, login, screenshot):
    me = UserFactory(first_name="Lena", last_name="Wagner")
    moderator = UserFactory(role=Role.MODERATOR)
    code = AccessCodeFactory(label="Kompressor K3")
    mine = make_ticket(Status.IN_PROGRESS, assignees=[me], title="Druckabfall am Kompressor", access_code=code)
    make_ticket(Status.OPEN, title="Tor klemmt")
    make_ticket(Status.OPEN, title="Licht flackert", visibility="internal")
    done = make_ticket(Status.DONE, title="Ölwechsel fällig")
    services.update_post(moderator, done, text="Filter auch gleich getauscht.")
    login(me)

    page.get_by_role("link", name="Tickets").click()
    tabs = page.get_by_role("navigation", name="Bearbeitungsstatus")
    expect(page.locator("tbody tr")).to_have_count(4)
    expect(tabs.get_by_role("link", name="Offen")).to_contain_text("2")
    screenshot("list")

    tabs.get_by_role("link", name="Offen").click()
    expect(page.locator("tbody tr")).to_have_count(2)
    expect(page.locator("tbody")).not_to_contain_text("Druckabfall")

    tabs.get_by_role("link", name="Aktiv").click()
    expect(page.locator("tbody tr")).to_have_count(4)
    page.get_by_label("Sichtbarkeit").select_option("internal")
    page.get_by_role("button", name="Filter anwenden").click()
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody")).to_contain_text("Licht flackert")

    page.get_by_role("link", name="Filter zurücksetzen").click()
    expect(page).to_have_url(f"{asgi_server.url}/tickets/")
    expect(page.locator("tbody tr")).to_have_count(4)
    page.get_by_label("Nur meine Tickets").check()
    page.get_by_role("button", name="Filter anwenden").click()
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody")).to_contain_text(mine.number)
    expect(page.locator("tbody")).to_contain_text("Lena Wagner")

    # Search reaches into the updates' text too.
    page.get_by_role("link", name="Filter zurücksetzen").click()
    expect(page).to_have_url(f"{asgi_server.url}/tickets/")
    expect(page.get_by_label("Nur meine Tickets")).not_to_be_checked()
    page.get_by_label("Suche").fill("gleich getauscht")
    page.get_by_role("button", name="Filter anwenden").click()
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody")).to_contain_text("Ölwechsel fällig")
    screenshot("list-search")

    page.get_by_label("Suche").fill("gibt es nicht")
    page.get_by_role("button", name="Filter anwenden").click()
    expect(page.get_by_text("Keine Tickets gefunden")).to_be_visible()
