"""The ticket list in the browser: tabs with counts, filters and search."""

import re

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
    tabs = page.get_by_role("navigation", name="Fortschritt-Status")
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
    # The filter request has landed (its address is pushed last); a click now navigates for sure.
    expect(page).to_have_url(re.compile(r"mine=on"))
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


def test_a_ticket_clicked_in_the_list_opens_as_its_own_page(page, asgi_server, login, screenshot):
    """The manual's Wegweiser: TICKETS in the side menu, then a ticket from the list — also after
    the list was re-sorted, tabbed and paged in place (those requests are boosted; ticket links not)."""
    from tests.browser.audit import layout_counts

    me = UserFactory(role=Role.MODERATOR)
    tickets = [make_ticket(Status.OPEN, title=f"Pumpe {index:02d}") for index in range(30)]
    login(me)

    page.get_by_role("navigation", name="Hauptmenü").get_by_role("link", name="Tickets").click()
    page.get_by_role("link", name="Titel").click()  # sort in place
    expect(page.locator("th[aria-sort] .sort-link")).to_contain_text("Titel")
    page.get_by_role("navigation", name="Fortschritt-Status").get_by_role("link", name="Offen").click()
    expect(page).to_have_url(f"{asgi_server.url}/tickets/?sort=title&status=open")
    pages = page.get_by_role("navigation", name="Seiten")
    expect(pages).to_contain_text("Seite 1 von 2")
    pages.get_by_role("link", name="Weiter").click()  # keyset pages: the link carries a cursor
    expect(page.locator("tbody")).to_contain_text("Pumpe 29")
    expect(pages).to_contain_text("Seite 2 von 2")
    expect(page).to_have_url(re.compile(r"\?sort=title&status=open&cursor="))
    for _ in range(2):  # the next click must be a plain navigation, also after going back
        page.get_by_role("link", name=tickets[29].number).click()
        expect(page).to_have_url(f"{asgi_server.url}/tickets/{tickets[29].number}/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Pumpe 29")
        assert layout_counts(page) == {"sidebars": 1, "mains": 1, "topbars": 1}
        page.go_back()
        expect(page.locator("tbody")).to_contain_text("Pumpe 29")
        assert layout_counts(page) == {"sidebars": 1, "mains": 1, "topbars": 1}
    screenshot("list-after-back")
