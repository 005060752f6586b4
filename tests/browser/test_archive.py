"""The archive in the browser: from the side menu, search, the ratings; the rating on the ticket page."""

import re

from playwright.sync_api import expect

from fleet.roles import Role
from tests.factories import AccessCodeFactory, CodeUserFactory, UserFactory, make_ticket
from tickets import services
from tickets.choices import Status
from tickets.services import feedback_submit, ticket_follow


def test_archive_search_and_rating(page, asgi_server, login, screenshot):
    me = UserFactory(first_name="Mia", last_name="Schneider")
    moderator = UserFactory(role=Role.MODERATOR)
    code = AccessCodeFactory(label="Kompressor K3")
    customer = CodeUserFactory(access_code=code, display_name="Karl Meier")

    filter_ticket = make_ticket(Status.DONE, access_code=code, title="Filter verstopft")
    ticket_follow(customer, filter_ticket)  # the customer takes part (their personal link)
    feedback_submit(
        customer, filter_ticket, stars=4,
        text="Schnell und sauber erledigt, der Kompressor läuft wieder ruhig. Beim nächsten Mal bitte kurz vorher anrufen.",
    )
    valve = make_ticket(Status.DONE, access_code=code, title="Ventil undicht")
    ticket_follow(customer, valve)
    feedback_submit(customer, valve, stars=5, text="Perfekt, danke!")
    quiet = make_ticket(Status.DONE, access_code=code, title="Riemen gerissen")
    services.ticket_close(moderator, quiet, reason="Telefonisch abgestimmt.")
    make_ticket(Status.CANCELLED, title="Doppelte Meldung Display")
    make_ticket(Status.IN_PROGRESS, access_code=code, title="Filter im Lüfter tauschen")  # active: not archived

    login(me)
    page.get_by_role("navigation", name="Hauptmenü").get_by_role("link", name=re.compile("^Archiv", re.I)).click()
    expect(page).to_have_url(f"{asgi_server.url}/tickets/archive/")
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(4)
    expect(page.locator("tbody")).not_to_contain_text("Filter im Lüfter tauschen")
    expect(rows.filter(has_text="Ventil undicht").locator(".star-on")).to_have_count(5)
    screenshot("archive")

    page.get_by_role("searchbox", name="Suche").fill("filter")
    page.get_by_role("button", name="Suche").click()
    expect(rows).to_have_count(1)
    row = rows.first
    expect(row).to_contain_text("Filter verstopft")
    expect(row.locator(".star-on")).to_have_count(4)
    expect(row.locator(".star-off")).to_have_count(1)
    expect(row).to_contain_text("Schnell und sauber erledigt")
    screenshot("archive-search")

    row.get_by_role("link", name=filter_ticket.number).click()
    expect(page).to_have_url(f"{asgi_server.url}{filter_ticket.get_absolute_url()}")
    summary = page.locator(".ticket-summary")
    expect(summary.locator(".feedback-summary .star-on")).to_have_count(4)
    expect(summary).to_contain_text("Beim nächsten Mal bitte kurz vorher anrufen.")
    expect(summary).to_contain_text("Karl Meier")
    screenshot("detail-feedback")

    # The ticket list marks rated tickets next to their status.
    page.goto(f"{asgi_server.url}/tickets/?status=closed")
    rated_row = page.locator("tbody tr").filter(has_text="Ventil undicht")
    expect(rated_row.locator(".col-status .star-on")).to_have_count(5)
    expect(page.locator("tbody tr").filter(has_text="Riemen gerissen").locator(".rating")).to_have_count(0)
    screenshot("list-feedback")
