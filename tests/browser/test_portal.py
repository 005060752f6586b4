"""The whole journey: a customer with an access code and a staff member, each in their own
browser, against a real server; status e-mails go through Celery (a real worker against Redis
when REDIS_URL is set, in-process otherwise) into a file outbox."""

import email
import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.servers import AsgiServer, CeleryWorker, database_url_for_subprocess, wait_for

from tests.browser.helpers import open_as_staff
from tests.factories import AccessCodeFactory, TemplateFieldFactory, TicketTemplateFactory, UserFactory
from tickets.choices import FieldType
from tickets.models import Ticket


@pytest.fixture
def journey_server(transactional_db, tmp_path):
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    env = {"EMAIL_URL": f"filemail://{outbox}"}
    worker = None
    if os.environ.get("REDIS_URL", "").strip():
        worker = CeleryWorker(database_url=database_url_for_subprocess(), extra_env=env)
        worker.start()
    server = AsgiServer(database_url=database_url_for_subprocess(), extra_env=env)
    server.start()
    server.outbox = outbox
    try:
        yield server
    finally:
        server.stop()
        if worker:
            worker.stop()


def _subjects(outbox: Path, to: str) -> list[str]:
    subjects = []
    for path in sorted(outbox.glob("*.log")):
        for raw in path.read_text().split("-" * 79):
            if raw.strip():
                message = email.message_from_string(raw.strip())
                if message["To"] == to:
                    subjects.append(str(email.header.make_header(email.header.decode_header(message["Subject"]))))
    return subjects


def test_code_user_reports_chats_and_rates(browser, journey_server, screenshot):
    asgi_server = journey_server
    template = TicketTemplateFactory(name="Störung", asks_feedback=True)
    TemplateFieldFactory(template=template, key="area", label="Bereich", field_type=FieldType.CHOICE, choices=["Halle A", "Halle B"])
    code = AccessCodeFactory(template=template, label="Presse 7", location="Halle A")
    mia = UserFactory(first_name="Mia", last_name="Schneider")  # a Mitarbeiter: she gets the offer

    customer_context = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900})
    customer = customer_context.new_page()
    customer.goto(f"{asgi_server.url}/c/")
    screenshot("portal-start", of=customer)
    customer.goto(f"{asgi_server.url}{code.get_absolute_url()}")  # what the QR code opens
    customer.get_by_label("Ihr Name").fill("Petra Huber")
    customer.get_by_label("E-Mail (optional)").fill("petra@example.org")
    customer.get_by_role("button", name="Weiter").click()
    expect(customer.get_by_role("heading", name="Presse 7")).to_be_visible()
    screenshot("portal-code", of=customer)

    customer.get_by_role("link", name="Neues Problem melden").click()
    customer.get_by_label("Titel").fill("Presse quietscht laut")
    customer.get_by_label("Beschreibung").fill("Seit Schichtbeginn, besonders beim Hochfahren.")
    customer.get_by_label("Bereich").select_option("Halle B")
    screenshot("portal-new-ticket", of=customer)
    customer.get_by_role("button", name="Ticket senden").click()
    expect(customer.get_by_role("status")).to_contain_text("wurde an den Service-Desk gesendet")
    ticket = Ticket.objects.get(title="Presse quietscht laut")
    expect(customer.locator('#status-bar [aria-current="step"]')).to_have_text("Offen")

    staff_context, staff = open_as_staff(browser, asgi_server, mia, "/offers/")
    staff.get_by_role("button", name=f"Annehmen: {ticket.number}").click()  # the offer, accepted
    expect(customer.locator('#status-bar [aria-current="step"]')).to_have_text("Zugewiesen")
    expect(staff.locator("#messenger .presence")).to_contain_text("Petra Huber")
    expect(customer.locator("#messenger .presence")).to_contain_text("Mia Schneider")

    customer.get_by_label("Nachricht", exact=True).fill("Ist heute noch jemand da?")
    customer.get_by_label("Nachricht", exact=True).press("Enter")
    expect(staff.locator("#messenger .messages")).to_contain_text("Ist heute noch jemand da?")
    staff.get_by_label("Nachricht", exact=True).fill("Ja, ich komme um 14 Uhr vorbei.")
    staff.get_by_label("Nachricht", exact=True).press("Enter")
    expect(customer.locator("#messenger .messages")).to_contain_text("ich komme um 14 Uhr")
    expect(staff.locator("#messenger .message.is-mine").last).to_contain_text("gesehen")  # the customer read it

    # Staff work the ticket; the customer's page follows without a reload.
    for target in ("In Bearbeitung", "Fertig"):
        staff.get_by_role("link", name="BEARBEITEN").click()
        staff.locator("label.status-step", has_text=target).click()
        staff.get_by_role("button", name="SPEICHERN").click()
        expect(customer.locator('#status-bar [aria-current="step"]')).to_have_text(target)
    # …and by e-mail, one per status change, in her language.
    expected = [f"[Leitstand] Ihr Ticket {ticket.number} ist jetzt „{status}“" for status in ("Offen", "Zugewiesen", "In Bearbeitung", "Fertig")]
    wait_for(lambda: set(expected) <= set(_subjects(asgi_server.outbox, "petra@example.org")), message="the status e-mails")
    expect(customer.locator("#messenger .message-system").last).to_contain_text("Bitte bewerten Sie")
    customer.reload()
    expect(customer.get_by_role("heading", name="Die Arbeit ist erledigt. Wie zufrieden sind Sie?")).to_be_visible()
    screenshot("portal-ticket-feedback", of=customer)

    customer.get_by_role("radio", name="5 Sterne").check()
    customer.get_by_label("Ihr Kommentar (optional)").fill("Schnell und freundlich.")
    customer.get_by_role("button", name="Bewertung senden").click()
    expect(customer.get_by_role("status")).to_contain_text("Vielen Dank für Ihre Bewertung")
    expect(customer.locator('#status-bar [aria-current="step"]')).to_have_text("Geschlossen")
    # Closed: no more updates, no more messages.
    expect(customer.get_by_text("Dieses Ticket ist abgeschlossen: Es können keine Einträge mehr hinzugefügt werden.")).to_be_visible()
    expect(customer.get_by_role("button", name="Zum Serviceprotokoll hinzufügen")).to_have_count(0)
    expect(customer.locator("#messenger .read-only")).to_be_visible()
    expect(customer.locator("#messenger .composer")).to_be_hidden()
    expect(customer.locator("#messenger .message-system").last).to_contain_text("Geschlossen")
    customer.wait_for_function(  # the newest message stays in view although the composer went away
        "() => { const l = document.querySelector('#messenger .messages');"
        " return l.scrollHeight - l.scrollTop - l.clientHeight < 2; }", timeout=5000)
    screenshot("portal-ticket-closed", of=customer)
    ticket.refresh_from_db()
    assert ticket.status == "closed" and ticket.feedback.stars == 5

    staff.goto(f"{asgi_server.url}{ticket.get_absolute_url()}")
    expect(staff.locator(".ticket-summary")).to_contain_text("Schnell und freundlich.")
    customer_context.close()
    staff_context.close()
