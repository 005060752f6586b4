"""The settings area in the browser: access codes with QR labels, template fields, staff."""

import re

import pytest
from playwright.sync_api import expect

from fleet.roles import Role
from tests.browser.audit import ARTIFACTS, audit_widths
from tests.factories import AccessCodeFactory, TemplateFieldFactory, TicketTemplateFactory, UserFactory
from tickets.models import AccessCode


def _world():
    admin = UserFactory(role=Role.ADMINISTRATOR, first_name="Anna", last_name="Adler")
    template = TicketTemplateFactory(name="Störungsmeldung Maschine", description="Für Maschinen in den Hallen")
    TemplateFieldFactory(template=template, key="serial", label="Seriennummer", position=0)
    TemplateFieldFactory(template=template, key="kind", label="Art der Störung", field_type="choice",
                         choices=["Öl", "Strom"], position=1)
    AccessCodeFactory(label="Presse 7", location="Halle 2", template=template)
    return admin, template


def test_admin_works_codes_templates_and_staff(page, asgi_server, login):
    admin, template = _world()
    login(admin)

    # Side menu → Einstellungen → Zugangscodes.
    menu = page.get_by_role("navigation", name="Hauptmenü")
    menu.get_by_role("link", name="Einstellungen").click()
    expect(page).to_have_url(f"{asgi_server.url}/settings/")
    expect(menu.get_by_role("link", name="Einstellungen")).to_have_attribute("aria-current", "page")
    page.get_by_role("main").get_by_role("link", name="Zugangscodes").first.click()
    expect(page.get_by_role("heading", name="Zugangscodes", level=1)).to_be_visible()

    # A new code with a PIN.
    page.get_by_role("link", name="Neuer Zugangscode").click()
    page.get_by_label("Bezeichnung").fill("Kompressor K3")
    page.get_by_label("Standort").fill("Halle 1, Südseite")
    page.get_by_label("Seriennummer").fill("K3-2024-001")
    page.get_by_label("Vorlage").select_option(label="Störungsmeldung Maschine")
    page.get_by_label("PIN (optional)").fill("12")
    page.get_by_role("button", name="Zugangscode anlegen").click()
    expect(page.locator(".field-error")).to_have_text("Eine PIN besteht aus 4 bis 12 Ziffern.")  # next to the field
    assert not AccessCode.objects.filter(label="Kompressor K3").exists()
    page.get_by_label("PIN (optional)").fill("2468")
    page.get_by_role("button", name="Zugangscode anlegen").click()
    expect(page.get_by_text("Zugangscode „Kompressor K3“ angelegt")).to_be_visible()
    code = AccessCode.objects.get(label="Kompressor K3")
    assert code.check_pin("2468")
    expect(page.get_by_text(code.entry_code_display, exact=True)).to_be_visible()

    # In the list, with its QR code.
    page.get_by_role("navigation", name="Bereiche der Einstellungen").get_by_role("link", name="Zugangscodes").click()
    row = page.get_by_role("row").filter(has_text="Kompressor K3")
    expect(row).to_contain_text(code.entry_code_display)
    expect(row).to_contain_text("Ja")  # PIN
    qr = row.get_by_role("img", name="QR-Code von „Kompressor K3“")
    expect(qr).to_be_visible()
    expect(qr).to_have_js_property("complete", True)
    assert qr.evaluate("img => img.naturalWidth") > 0

    # Labels for two codes.
    page.get_by_label("Etikett für „Kompressor K3“ drucken").check()
    page.get_by_label("Etikett für „Presse 7“ drucken").check()
    page.get_by_role("button", name="QR-Etiketten drucken").click()
    expect(page.get_by_role("heading", name="QR-Etiketten")).to_be_visible()
    labels = page.locator(".qr-label")
    expect(labels).to_have_count(2)
    expect(labels.nth(0)).to_contain_text("Kompressor K3")
    expect(labels.nth(0)).to_contain_text(code.entry_code_display)
    expect(labels.nth(0)).to_contain_text("/c/")
    expect(labels.nth(1)).to_contain_text("Presse 7")
    # In print: only the labels, no side menu and no top bar.
    page.emulate_media(media="print")
    expect(page.locator("nav.sidebar")).to_be_hidden()
    expect(page.locator("header.topbar")).to_be_hidden()
    expect(labels.nth(1)).to_be_visible()
    page.emulate_media(media="screen")

    # Switch a code off with one click.
    page.goto(f"{asgi_server.url}/settings/codes/")
    page.get_by_role("button", name="„Presse 7“ ausschalten").click()
    expect(page.get_by_text("Zugangscode „Presse 7“ ist ausgeschaltet.")).to_be_visible()
    expect(page.get_by_role("button", name="„Presse 7“ einschalten")).to_be_visible()
    # … and the code's page says who did it, when.
    page.get_by_role("link", name="Presse 7", exact=True).click()
    history = page.get_by_role("list", name="Verlauf")
    expect(history.get_by_role("listitem").first).to_contain_text(f"{admin.display_name}: Ausgeschaltet.")
    page.screenshot(path=str(ARTIFACTS / "settings-code-history-desktop.png"), full_page=True)

    # A template's custom field.
    page.get_by_role("navigation", name="Bereiche der Einstellungen").get_by_role("link", name="Vorlagen").click()
    page.get_by_role("link", name="Störungsmeldung Maschine").click()
    page.get_by_role("link", name="Feld „Art der Störung“ bearbeiten").click()
    page.get_by_label("Bezeichnung").fill("Störungsart")
    page.get_by_label("Auswahlmöglichkeiten").fill("Öl\nStrom\nDruckluft")
    page.get_by_role("button", name="Feld speichern").click()
    expect(page.get_by_text("Feld „Störungsart“ gespeichert.")).to_be_visible()
    fields = page.locator("#fields tbody tr")
    expect(fields.nth(1)).to_contain_text("Störungsart")
    expect(fields.nth(1)).to_contain_text("Öl, Strom, Druckluft")
    page.get_by_role("button", name="„Störungsart“ nach oben").click()
    expect(page.locator("#fields tbody tr").first).to_contain_text("Störungsart")

    # Invite a staff member.
    page.get_by_role("navigation", name="Bereiche der Einstellungen").get_by_role("link", name="Mitarbeiter").click()
    page.get_by_role("link", name="Mitarbeiter einladen").click()
    page.get_by_label("Vorname").fill("Jonas")
    page.get_by_label("Nachname").fill("Fischer")
    page.get_by_label("Benutzername").fill("jfischer")
    page.get_by_label("E-Mail").fill("jonas@example.org")
    page.get_by_label("Rolle").select_option(label="Moderator")
    page.get_by_role("button", name="Einladung senden").click()
    expect(page.get_by_text("Jonas Fischer ist eingeladen")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="jfischer")
    expect(row).to_contain_text("Moderator")
    expect(row).to_contain_text("Eingeladen")

    # … and deactivate them again, after a second look.
    row.get_by_role("link", name="Jonas Fischer").click()
    page.get_by_text("Deaktivieren", exact=True).click()
    page.get_by_role("button", name="Jonas Fischer jetzt deaktivieren").click()
    expect(page.get_by_text("Jonas Fischer ist deaktiviert und kann sich nicht mehr anmelden.")).to_be_visible()
    expect(page.get_by_role("button", name="Wieder aktivieren")).to_be_visible()


@pytest.mark.layout
def test_every_settings_page_passes_the_audit(page, asgi_server, login):
    admin, template = _world()
    field = template.fields.first()
    code = AccessCode.objects.get()
    AccessCodeFactory(label="Förderband mit einem sehr langen Namen in Halle 12", location="Halle 12, Tor 3", template=template)
    login(admin)
    base = asgi_server.url
    pages = {
        "settings-overview": "/settings/",
        "settings-templates": "/settings/templates/",
        "settings-template-new": "/settings/templates/new/",
        "settings-template-edit": f"/settings/templates/{template.pk}/",
        "settings-field-edit": f"/settings/templates/{template.pk}/fields/{field.pk}/",
        "settings-codes": "/settings/codes/",
        "settings-code-new": "/settings/codes/new/",
        "settings-code-edit": f"/settings/codes/{code.pk}/",
        "settings-labels": "/settings/codes/labels/?" + "&".join(f"ids={c.pk}" for c in AccessCode.objects.all()),
        "settings-staff": "/settings/staff/",
        "settings-staff-invite": "/settings/staff/invite/",
        "settings-staff-edit": f"/settings/staff/{UserFactory(first_name='Mia', last_name='Schneider').pk}/",
    }
    for name, path in pages.items():
        audit_widths(page, base + path, name)
        menu = page.get_by_role("navigation", name="Hauptmenü")
        expect(menu.get_by_role("link", name="Einstellungen")).to_have_attribute("aria-current", "page")


def test_a_moderator_sees_templates_read_only_and_a_mitarbeiter_no_settings(page, asgi_server, login):
    _admin, template = _world()
    moderator = UserFactory(role=Role.MODERATOR)
    login(moderator)
    page.goto(f"{asgi_server.url}/settings/templates/{template.pk}/")
    expect(page.get_by_label("Name", exact=True)).to_be_disabled()
    expect(page.get_by_role("button", name="Vorlage speichern")).to_have_count(0)
    audit_widths(page, f"{asgi_server.url}/settings/templates/{template.pk}/", "settings-template-moderator")

    page.get_by_role("button", name="Abmelden").click()
    login(UserFactory(role=Role.STAFF))
    expect(page.get_by_role("navigation", name="Hauptmenü").get_by_role("link", name="Einstellungen")).to_have_count(0)
    response = page.goto(f"{asgi_server.url}/settings/codes/")
    assert response.status == 403
    expect(page.get_by_role("heading", name=re.compile("Nicht erlaubt"))).to_be_visible()
