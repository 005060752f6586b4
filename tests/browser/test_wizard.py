"""Create a ticket through the wizard, leave the draft and resume it from the list."""

import re

from playwright.sync_api import expect

from tests.factories import AccessCodeFactory, TemplateFieldFactory, TicketTemplateFactory, UserFactory
from tickets.choices import FieldType
from tickets.models import Ticket


def test_create_leave_resume_and_submit(page, asgi_server, login, screenshot):
    template = TicketTemplateFactory(name="Störungsmeldung", description="Defekt an einer Maschine")
    TemplateFieldFactory(template=template, key="serial", label="Seriennummer", required=True, position=0)
    TemplateFieldFactory(template=template, key="area", label="Bereich", field_type=FieldType.CHOICE,
                         choices=["Halle A", "Halle B"], position=1)
    TemplateFieldFactory(template=template, key="stopped", label="Maschine steht", field_type=FieldType.CHECKBOX, position=2)
    AccessCodeFactory(template=template, label="Fräse FM-200")
    user = UserFactory()
    login(user)

    page.get_by_role("link", name="Tickets").click()
    page.get_by_role("link", name="Neues Ticket").click()
    page.get_by_role("radio", name=re.compile("Störungsmeldung")).check()
    page.get_by_role("button", name="Entwurf speichern und weiter").click()
    expect(page.get_by_text("Titel ist erforderlich")).to_be_visible()  # validation next to the field
    page.get_by_label("Titel").fill("Fräse vibriert stark")
    page.get_by_label("Beschreibung").fill("Seit Schichtbeginn.")
    screenshot("wizard-general")
    page.get_by_role("button", name="Entwurf speichern und weiter").click()

    expect(page.get_by_label("Seriennummer")).to_be_visible()
    page.get_by_role("button", name="Speichern und weiter").click()
    expect(page.locator(".field-error")).to_contain_text("Seriennummer ist erforderlich")
    page.get_by_label("Seriennummer").fill("FM200-1187")
    page.get_by_label("Bereich").select_option("Halle A")
    screenshot("wizard-fields")
    page.get_by_role("button", name="Speichern und weiter").click()

    # Leave the draft and come back through the list.
    page.get_by_role("link", name="Später fortsetzen").click()
    ticket = Ticket.objects.get(title="Fräse vibriert stark")
    page.get_by_role("link", name=ticket.number).click()
    expect(page.get_by_label("Titel")).to_have_value("Fräse vibriert stark")
    page.get_by_role("link", name="Zugangscode und Sichtbarkeit").click()

    page.get_by_label("Zugangscode").select_option(label="Fräse FM-200")
    page.get_by_role("radio", name="Öffentlich").check()
    screenshot("wizard-access")
    page.get_by_role("button", name="Speichern und weiter").click()
    expect(page.get_by_text("FM200-1187")).to_be_visible()
    screenshot("wizard-summary")
    page.get_by_role("button", name="Ticket absenden").click()

    expect(page.get_by_role("status")).to_contain_text("ist jetzt offen")
    expect(page.locator('#status-bar [aria-current="step"]')).to_have_text("Offen")
    ticket.refresh_from_db()
    assert ticket.status == "open" and ticket.custom_values == {"serial": "FM200-1187", "area": "Halle A", "stopped": False}
