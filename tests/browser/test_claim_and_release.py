"""The ticket bot's flow in the browser: a Mitarbeiter takes an Offen ticket (Übernehmen), the
customer's conversation names them; an administrator releases the whole ticket from the status
bar, and a moderator assigns someone there by choosing Zugewiesen."""

from playwright.sync_api import expect

from fleet.models import Assignment
from fleet.roles import Role
from messenger.models import Message, MessageKind
from tests.browser.audit import audit_widths
from tests.factories import AccessCodeFactory, TicketTemplateFactory, UserFactory, make_ticket
from tickets.choices import Status


def _open_from_the_list(page, number):
    page.get_by_role("navigation", name="Hauptmenü").get_by_role("link", name="Tickets").click()
    page.get_by_role("link", name=number, exact=True).click()


def test_a_mitarbeiter_takes_the_ticket_and_the_customer_reads_who(page, asgi_server, login, screenshot):
    mia = UserFactory(first_name="Mia", last_name="Schneider")
    UserFactory(first_name="Jonas", last_name="Fischer")
    code = AccessCodeFactory(label="Presse 7", template=TicketTemplateFactory(assignees_needed=1))
    ticket = make_ticket(Status.OPEN, access_code=code, title="Hydraulik verliert Druck")
    login(mia)
    _open_from_the_list(page, ticket.number)
    page.get_by_role("link", name="Flottenmanagement", exact=True).click()
    requested = page.locator('[data-group="requested"]')
    expect(requested.locator('[data-user="%s"]' % mia.username)).to_contain_text("Angebot offen bis")
    expect(requested.locator('[data-user="%s"] .seen-badge > span[aria-hidden]' % mia.username)).to_have_text("GESEHEN")
    screenshot("fleet-tab-before-claim")
    audit_widths(page, page.url, "fleet-tab")

    page.get_by_role("button", name="Übernehmen").click()
    expect(page.get_by_role("status")).to_contain_text("Sie haben das Ticket übernommen")
    expect(page.locator('#status-bar [aria-current="step"]')).to_have_text("Zugewiesen")
    expect(page.locator('[data-group="assigned"]')).to_contain_text("Mia Schneider")
    expect(page.locator(".summary-assignees")).to_have_text("Mia Schneider")
    expect(page.get_by_role("button", name="Übernehmen")).to_have_count(0)
    # The customer's conversation (the messenger beside the ticket) names who took it.
    expect(page.locator(".messenger")).to_contain_text("Mia Schneider hat das Ticket übernommen.")
    screenshot("fleet-tab-after-claim")
    assert list(Assignment.objects.filter(ticket=ticket).values_list("user__username", flat=True)) == [mia.username]
    notices = Message.objects.filter(ticket=ticket, kind=MessageKind.SYSTEM).order_by("id")
    assert [m.data.get("change") for m in notices if m.data.get("event") == "fleet"] == ["taken"]


def test_an_administrator_releases_the_whole_ticket_from_the_status_bar(page, asgi_server, login, screenshot):
    admin = UserFactory(role=Role.ADMINISTRATOR, first_name="Anna", last_name="Adler")
    mia = UserFactory(first_name="Mia", last_name="Schneider")
    jonas = UserFactory(first_name="Jonas", last_name="Fischer")
    template = TicketTemplateFactory(assignees_needed=2)
    ticket = make_ticket(Status.IN_PROGRESS, template=template, assignees=[mia, jonas], title="Förderband steht")
    login(admin)
    _open_from_the_list(page, ticket.number)
    expect(page.locator(".summary-assignees")).to_have_text("Mia Schneider, Jonas Fischer")

    page.get_by_role("link", name="BEARBEITEN").click()
    page.locator("label.status-step", has_text="Offen").click()
    page.get_by_label("Begründung", exact=True).fill("Neu einplanen")
    screenshot("status-bar-release")
    page.get_by_role("button", name="SPEICHERN").click()
    expect(page.get_by_role("status")).to_contain_text("Gespeichert.")
    expect(page.locator('#status-bar [aria-current="step"]')).to_have_text("Offen")
    expect(page.locator(".summary-assignees")).to_have_text("–")
    page.get_by_role("link", name="Flottenmanagement", exact=True).click()
    expect(page.locator('[data-group="assigned"]')).to_contain_text("Noch niemand ist zugewiesen.")
    # Offen again: the offers went out anew, to the former assignees too.
    expect(page.locator('[data-group="requested"] [data-user="%s"]' % mia.username)).to_contain_text("Angebot offen bis")
    assert not Assignment.objects.filter(ticket=ticket).exists()


def test_a_moderator_assigns_by_choosing_zugewiesen(page, asgi_server, login):
    moderator = UserFactory(role=Role.MODERATOR, first_name="Moritz", last_name="Berger")
    lena = UserFactory(first_name="Lena", last_name="Wagner")
    ticket = make_ticket(Status.OPEN, title="Kran blockiert")
    login(moderator)
    _open_from_the_list(page, ticket.number)
    page.get_by_role("link", name="BEARBEITEN").click()
    page.locator("label.status-step", has_text="Zugewiesen").click()
    page.get_by_label("Zuweisen an (für „Zugewiesen“)").select_option(label="Lena Wagner")
    page.get_by_role("button", name="SPEICHERN").click()
    expect(page.locator('#status-bar [aria-current="step"]')).to_have_text("Zugewiesen")
    expect(page.locator(".summary-assignees")).to_have_text("Lena Wagner")
    assert list(Assignment.objects.filter(ticket=ticket).values_list("user", flat=True)) == [lena.pk]
