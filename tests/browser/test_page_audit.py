"""Every page, at phone, tablet, desktop and wide widths: one layout, nothing sideways, no
duplicate ids, no serious accessibility violation (see tests/browser/audit.py).

The data is deliberately awkward: long titles, long names, long custom-field values and
unbroken strings (serial numbers, links), the way real service desks fill their tickets. Each
journey starts the way a person starts it (login page, side menu, list, click); then every page
is audited by its URL. The screenshots land in tests/artifacts/<page>-<width>.png.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from api import services as api_services
from fleet import services as fleet_services
from fleet.roles import Role
from tests.browser.audit import HEIGHTS, WIDTHS, audit, audit_widths
from tests.browser.helpers import open_as_staff
from tests.factories import (
    PASSWORD,
    AccessCodeFactory,
    CodeUserFactory,
    TemplateFieldFactory,
    TicketTemplateFactory,
    UserFactory,
    make_ticket,
)
from tickets import services
from tickets.choices import FieldType, Status
from tickets.models import CodeUser
from tickets.services import feedback_submit, ticket_follow
from videosessions import services as video_services
from webhooks import catalogue as webhook_catalogue
from webhooks import sending as webhook_sending
from webhooks.models import Attempt, Delivery, DeliveryState, Endpoint

# Layout only: CI runs these once, in the embedded pass (pyproject's markers).
pytestmark = pytest.mark.layout

LONG_TITLE = (
    "Hydraulikpresse HP-4000 in Halle B verliert seit der Nachtschicht Öl am Hauptzylinder und "
    "stoppt beim Hochfahren mit Fehlercode E-4711"
)
UNBROKEN = "Ersatzteilnummer-HX2000-Steuerungsplatine-9876543210-ABCDEFGHIJKLMNOPQRSTUVWXYZ"
LONG_TEXT = (
    "Beim Anfahren der Presse steigt der Druck auf über 250 bar, danach fällt er innerhalb von "
    "Sekunden ab. Die Dichtungen wurden im März getauscht; das Protokoll liegt im Schaltschrank. "
    "Bitte vor Ort den Schichtleiter ansprechen, er kennt die Vorgeschichte."
)
LINK = "https://wartung.example.org/protokolle/2024/halle-b/hydraulikpresse-hp-4000/druckverlust-nachtschicht-e4711.pdf"


def _template(**kwargs):
    template = TicketTemplateFactory(
        name="Störungsmeldung Produktionsmaschine mit Sicherheitsrelevanz (Halle A bis D)",
        description="Defekte, Ausfälle und Auffälligkeiten an Maschinen der Produktion",
        **kwargs,
    )
    TemplateFieldFactory(template=template, key="serial", label="Seriennummer der Maschine", position=0)
    TemplateFieldFactory(template=template, key="area", label="Bereich", field_type=FieldType.CHOICE,
                         choices=["Halle A", "Halle B – Presswerk und Lackiererei"], position=1)
    TemplateFieldFactory(template=template, key="details", label="Beobachtungen vor dem Ausfall",
                         field_type=FieldType.LONG_TEXT, position=2)
    TemplateFieldFactory(template=template, key="stopped", label="Maschine steht", field_type=FieldType.CHECKBOX, position=3)
    return template


def _fill_fields(actor, ticket):
    return services.ticket_update_fields(actor, ticket, custom_values={
        "serial": UNBROKEN, "area": "Halle B – Presswerk und Lackiererei", "details": LONG_TEXT, "stopped": True,
    })


def _video_sessions(staff, colleague, customer, ticket, *, rate=False):
    """The Video-Sessions tab (and the customer's card) with one of each: running with people in
    the call, planned (public and internal), asked for with a long note, held (one rated where the
    template asks, one waiting for its rating), called off."""
    now = timezone.now()
    running = video_services.session_start_now(colleague, ticket, title="Ölverlust zeigen " + UNBROKEN)
    video_services.session_join(colleague, running, channel="audit-1")
    video_services.session_join(customer, running, channel="audit-2")
    video_services.session_create(staff, ticket, title=LONG_TITLE, visibility="public", planned_at=now + timedelta(days=2))
    video_services.session_create(staff, ticket, title="Intern abstimmen", planned_at=now + timedelta(hours=3))
    for title in ("Dichtung prüfen", "Nachkontrolle"):  # the first rated (where asked), the second waiting for it
        held = video_services.session_create(staff, ticket, title=title, visibility="public")
        video_services.session_join(staff, held, channel=f"audit-{title}")
        video_services.session_transition(staff, held, "end")
        if rate and title == "Dichtung prüfen":
            video_services.session_rate(customer, held, stars=4, text=LONG_TEXT)
    video_services.session_request(customer, ticket, note=LONG_TEXT + " " + LINK, preferred_at=now + timedelta(days=1))
    called_off = video_services.session_create(staff, ticket, title="Erster Termin", planned_at=now + timedelta(hours=1))
    video_services.session_transition(staff, called_off, "cancel")


def test_every_staff_page_fits_every_screen(browser, asgi_server):
    admin = UserFactory(role=Role.ADMINISTRATOR, username="anna", first_name="Anna-Katharina",
                        last_name="Adler-Wiesenthal von Hohenberg")
    moderator = UserFactory(role=Role.MODERATOR, first_name="Moritz", last_name="Berger")
    mia = UserFactory(first_name="Maria-Theresia", last_name="Schneider-Leutheusser-Oberdorfer")
    jonas = UserFactory(first_name="Jonas", last_name="Fischer")
    UserFactory(first_name="Lena", last_name="Wagner")
    template = _template(assignees_needed=3, offer_recipients="members")
    template.offer_members.set([jonas])  # the one offer out; the others stay available
    code = AccessCodeFactory(template=template, label="Hydraulikpresse HP-4000 Halle B Linie 3",
                             location="Werk Süd, Halle B, Presswerk, Linie 3, Platz 17", serial_number=UNBROKEN[:40])
    customer = CodeUserFactory(access_code=code, display_name="Karl-Heinz Meier-Oberkirchner")

    # The ticket everything happens on: worked by Anna and Maria, an offer out to Jonas.
    ticket = make_ticket(Status.IN_PROGRESS, assignees=[admin, mia], access_code=code, title=LONG_TITLE)
    ticket = _fill_fields(admin, ticket)
    services.ticket_update_fields(admin, ticket, description=LONG_TEXT + "\n\n" + LINK)
    services.update_post(mia, ticket, text=LONG_TEXT + " " + LINK)
    services.update_post(customer, ticket, text="Die Presse steht wieder still, bitte dringend kommen.")
    services.update_post(admin, ticket, text="Intern: " + UNBROKEN, internal=True)
    _video_sessions(admin, mia, customer, ticket)

    # A list of many, in every state; an offer for Anna; a rated and a closed ticket for the archive.
    for n, status in enumerate([Status.OPEN, Status.ASSIGNED, Status.IN_PROGRESS, Status.DONE] * 3):
        make_ticket(status, access_code=code if n % 2 else None, title=f"{LONG_TITLE} ({n + 1})" if n % 3 == 0 else f"Tor {n} klemmt")
    make_ticket(Status.OPEN, template=TicketTemplateFactory(name="Kurz"), title="Kühlung fällt aus")  # → offer to everyone
    rated = make_ticket(Status.DONE, access_code=code, title=LONG_TITLE + " (bewertet)")
    ticket_follow(customer, rated)
    feedback_submit(customer, rated, stars=4, text=LONG_TEXT)
    make_ticket(Status.CANCELLED, title="Doppelte Meldung " + UNBROKEN)
    draft = make_ticket(Status.DRAFT, creator=admin, template=template, title=LONG_TITLE + " (Entwurf)")
    fleet_services.notify(admin, "assigned", ticket, actor=moderator)
    # API tokens: a used one with a long name, a revoked one, an unbroken name.
    in_a_month = timezone.now() + timedelta(days=30)
    _, raw = api_services.token_create(admin, name="ERP-Anbindung " + LONG_TITLE[:80], scope="write", expires_at=in_a_month)
    api_services.token_authenticate(raw)
    revoked, _ = api_services.token_create(admin, name=UNBROKEN, scope="read", expires_at=in_a_month)
    api_services.token_revoke(admin, revoked.pk)

    context = browser.new_context(locale="de-DE", viewport={"width": 1440, "height": 900})
    page = context.new_page()
    url = asgi_server.url

    # The login page: no side menu, no top bar.
    audit_widths(page, f"{url}/login/", "login", staff=False)
    page.get_by_label("Benutzername").fill(admin.username)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page).to_have_url(f"{url}/")
    audit_widths(page, f"{url}/", "overview")

    # Side menu → list → a ticket, as a person gets there.
    menu = page.get_by_role("navigation", name="Hauptmenü")
    menu.get_by_role("link", name=re.compile("^Tickets")).click()
    expect(page).to_have_url(f"{url}/tickets/")
    page.get_by_role("link", name=ticket.number, exact=True).click()
    expect(page.get_by_role("heading", name=LONG_TITLE, exact=True)).to_be_visible()
    audit_widths(page, f"{url}/tickets/", "ticket-list")

    detail = f"{url}{ticket.get_absolute_url()}"
    audit_widths(page, detail, "detail-general")
    for tab in ("updates", "internal", "fleet", "video", "history"):
        audit_widths(page, f"{detail}{tab}/", f"detail-{tab}")
    audit_widths(page, f"{detail}?edit=1", "detail-edit")

    audit_widths(page, f"{url}/tickets/new/", "wizard-start")
    audit_widths(page, f"{url}/tickets/{draft.number}/wizard/fields/", "wizard-fields")
    audit_widths(page, f"{url}/tickets/{draft.number}/wizard/summary/", "wizard-summary")

    audit_widths(page, f"{url}/tickets/archive/", "archive")
    audit_widths(page, f"{url}/offers/", "offers")
    audit_widths(page, f"{url}/notifications/", "notifications")
    audit_widths(page, f"{url}/profile/", "profile")
    audit_widths(page, f"{url}/profile/tokens/", "api-tokens")
    context.close()


def test_every_portal_page_fits_every_screen(browser, asgi_server):
    template = _template(asks_feedback=True)
    code = AccessCodeFactory(template=template, label="Hydraulikpresse HP-4000 Halle B Linie 3",
                             location="Werk Süd, Halle B, Presswerk, Linie 3, Platz 17", serial_number=UNBROKEN[:40])
    code.set_pin("4711")
    code.save()
    staff = UserFactory(first_name="Maria-Theresia", last_name="Schneider-Leutheusser-Oberdorfer")
    someone = CodeUserFactory(access_code=code, display_name="Karl-Heinz Meier-Oberkirchner")

    working = make_ticket(Status.IN_PROGRESS, assignees=[staff], access_code=code, title=LONG_TITLE)
    working = _fill_fields(staff, working)
    services.update_post(staff, working, text=LONG_TEXT + " " + LINK)
    services.update_post(someone, working, text=UNBROKEN)
    _video_sessions(staff, staff, someone, working, rate=True)
    done = make_ticket(Status.DONE, assignees=[staff], access_code=code, title=LONG_TITLE + " (fertig)")
    make_ticket(Status.OPEN, access_code=code, title="Licht flackert")
    rated = make_ticket(Status.DONE, access_code=code, title="Ölwechsel " + UNBROKEN)
    ticket_follow(someone, rated)
    feedback_submit(someone, rated, stars=5, text=LONG_TEXT)

    context = browser.new_context(locale="de-DE", viewport={"width": 390, "height": 844})
    page = context.new_page()
    url = asgi_server.url

    audit_widths(page, f"{url}/c/", "portal-start", staff=False)
    audit_widths(page, f"{url}/c/{'x' * 24}/", "portal-unknown", staff=False)

    # What the QR code opens: the PIN, then the name, then the code's page.
    code_url = f"{url}{code.get_absolute_url()}"
    audit_widths(page, code_url, "portal-pin", staff=False)
    page.get_by_label("PIN").fill("4711")
    page.get_by_role("button", name="Weiter").click()
    expect(page.get_by_label("Ihr Name")).to_be_visible()
    audit_widths(page, code_url, "portal-identify", staff=False)
    page.get_by_label("Ihr Name").fill("Karl-Heinz Meier-Oberkirchner von Lindenau")
    page.get_by_role("button", name="Weiter").click()
    expect(page.get_by_role("heading", name=code.label)).to_be_visible()
    audit_widths(page, code_url, "portal-code", staff=False)

    page.get_by_role("link", name=re.compile(re.escape(working.number))).click()
    expect(page.get_by_role("heading", name=LONG_TITLE, exact=True)).to_be_visible()
    audit_widths(page, f"{url}/c/{code.token}/tickets/{working.number}/", "portal-ticket", staff=False)
    # The visitor follows the finished ticket (as through their personal link): they take part, so they rate.
    ticket_follow(CodeUser.objects.get(display_name="Karl-Heinz Meier-Oberkirchner von Lindenau"), done)
    audit_widths(page, f"{url}/c/{code.token}/tickets/{done.number}/", "portal-ticket-feedback", staff=False)
    page.get_by_text("Das Problem ist nicht gelöst").click()  # the folded form, open
    audit(page, "portal-ticket-feedback-open", staff=False)
    audit_widths(page, f"{url}/c/{code.token}/new/", "portal-new-ticket", staff=False)
    context.close()


@pytest.mark.parametrize("width", [390])
def test_the_staff_menu_folds_into_a_button_on_a_phone(browser, asgi_server, width):
    """On a phone the side menu is a "Menü" button that opens and closes it, by keyboard too."""
    user = UserFactory()
    context = browser.new_context(locale="de-DE", viewport={"width": width, "height": 844})
    page = context.new_page()
    page.goto(f"{asgi_server.url}/login/")
    page.get_by_label("Benutzername").fill(user.username)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    toggle = page.get_by_role("button", name="Menü")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    menu = page.get_by_role("navigation", name="Hauptmenü")
    expect(menu.get_by_role("link", name="Archiv")).to_be_hidden()
    toggle.focus()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(menu.get_by_role("link", name="Archiv")).to_be_visible()
    page.keyboard.press("Escape")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_be_focused()
    toggle.click()
    menu.get_by_role("link", name="Archiv").click()
    expect(page).to_have_url(f"{asgi_server.url}/tickets/archive/")
    context.close()


def test_escape_leaves_the_status_bar_edit_mode(browser, asgi_server):
    assignee = UserFactory()
    ticket = make_ticket(Status.ASSIGNED, assignees=[assignee])
    context, page = open_as_staff(browser, asgi_server, assignee, ticket.get_absolute_url(), viewport={"width": 1440, "height": 900})
    page.get_by_role("link", name="BEARBEITEN").click()
    expect(page.get_by_role("radio", name="Zugewiesen")).to_be_focused()  # edit mode starts at the states
    page.keyboard.press("Escape")
    expect(page.get_by_role("link", name="BEARBEITEN")).to_be_visible()
    expect(page).not_to_have_url(re.compile(r"edit=1"))
    context.close()


def test_at_1440_the_list_tabs_and_wizard_steps_fit_without_scrolling_or_wrapping(browser, asgi_server):
    """What measuring found at 1440 px: the list table wider than its box, "Verlauf" cut off,
    the wizard's steps on two lines."""
    admin = UserFactory(role=Role.ADMINISTRATOR, first_name="Anna-Katharina", last_name="Adler-Wiesenthal")
    template = _template()
    code = AccessCodeFactory(template=template, label="Hydraulikpresse HP-4000 Halle B Linie 3")
    ticket = make_ticket(Status.IN_PROGRESS, assignees=[admin], access_code=code, title=LONG_TITLE)
    draft = make_ticket(Status.DRAFT, creator=admin, template=template, title=LONG_TITLE)
    context, page = open_as_staff(browser, asgi_server, admin, "/tickets/", viewport={"width": 1440, "height": 900})

    box = page.locator(".table-scroll")
    expect(box).to_be_visible()
    assert box.evaluate("el => el.scrollWidth <= el.clientWidth"), "the list table scrolls inside its box"

    page.get_by_role("link", name=ticket.number, exact=True).click()
    tabs = page.get_by_role("navigation", name="Ticketbereiche")
    nav_right = tabs.evaluate("el => el.getBoundingClientRect().right")
    for name in ("Allgemein", "Updates", "Interne Updates", "Flottenmanagement", "Video-Sessions", "Verlauf"):
        tab = tabs.get_by_role("link", name=name, exact=True)
        assert tab.evaluate("el => el.getBoundingClientRect().right") <= nav_right, f"tab {name} is cut off"
    assert tabs.locator("ul").evaluate("el => el.scrollWidth <= el.clientWidth")

    page.goto(f"{asgi_server.url}/tickets/{draft.number}/wizard/fields/")
    tops = page.locator(".wizard-steps li").evaluate_all("items => items.map(li => Math.round(li.getBoundingClientRect().top))")
    assert len(tops) == 4 and len(set(tops)) == 1, f"the wizard's steps wrap: {tops}"
    context.close()


WEBHOOK_URL = (
    "https://integration.werk-sued.example.org/api/v2/leitstand/webhooks/instandhaltung/"
    "hydraulikpresse-hp-4000/eingang?mandant=halle-b&schluessel=" + "Z9" * 30
)


def _webhook_log(endpoint, now):
    """A month of deliveries, stored as the sender leaves them: delivered, retried, given up,
    pending; long errors and unbroken response bodies, as real receivers answer."""
    answers = [
        (DeliveryState.SUCCEEDED, [(200, "", '{"status":"accepted","id":"' + UNBROKEN + '"}')]),
        (DeliveryState.FAILED, [(None, "Connection refused: integration.werk-sued.example.org:443 "
                                       "([Errno 111] Connection refused) – " + LINK, "")]),
        (DeliveryState.GIVEN_UP, [(503, "", "<html><body>Service Unavailable " + UNBROKEN * 4 + "</body></html>"),
                                  (500, "", '{"error":"' + LONG_TEXT + '"}'), (None, "Timed out after 10 s.", "")]),
        (DeliveryState.PENDING, []),
    ]
    types = list(webhook_catalogue.TYPES)
    for n in range(23):  # more than one page of the log
        state, attempts = answers[n % len(answers)]
        created = now - timedelta(hours=n * 7)
        delivery = Delivery.objects.create(
            endpoint=endpoint, message_id=webhook_sending.new_message_id(), type=types[n % len(types)],
            body="{}", state=state, attempt_count=len(attempts), created_at=created,
            next_attempt_at=None if state in (DeliveryState.SUCCEEDED, DeliveryState.GIVEN_UP) else now + timedelta(hours=1),
            retry_until=created + timedelta(days=1),
        )
        for number, (status, error, excerpt) in enumerate(attempts, start=1):
            Attempt.objects.create(delivery=delivery, number=number, started_at=created + timedelta(minutes=number),
                                   status_code=status, duration_ms=1234 * number, succeeded=status == 200,
                                   error=error, response_excerpt=excerpt[: Attempt.EXCERPT_LENGTH])


def test_every_webhook_page_fits_every_screen(browser, asgi_server):
    """The webhook list, the new-endpoint form, an endpoint with its delivery log (folded and
    open, page 2) and with its secret shown once."""
    admin = UserFactory(role=Role.ADMINISTRATOR, first_name="Anna-Katharina", last_name="Adler-Wiesenthal von Hohenberg")
    now = timezone.now()
    # Stored as the service leaves them (the address check would look these hosts up).
    erp = Endpoint.objects.create(
        url=WEBHOOK_URL, description=("ERP der Instandhaltung, Werk Süd: " + LONG_TEXT)[:200], secret=webhook_sending.new_secret(),
        event_types=list(webhook_catalogue.TYPES), include_internal=True, created_by=admin, created_at=now - timedelta(days=40),
        failing_since=now - timedelta(hours=5),
    )
    _webhook_log(erp, now)
    Endpoint.objects.create(
        url="https://chat.example.com/hooks/" + UNBROKEN, secret=webhook_sending.new_secret(),
        event_types=["ticket.created"], is_active=False, disabled_at=now - timedelta(days=2), created_at=now - timedelta(days=9),
        disabled_reason="Every delivery failed for 24 hours.",
    )
    Endpoint.objects.create(url="https://monitoring.example.net/in", secret=webhook_sending.new_secret(),
                            event_types=["ticket.status_changed", "feedback.given"], created_by=admin)

    context = browser.new_context(locale="de-DE", viewport={"width": 1440, "height": 900})
    page = context.new_page()
    url = asgi_server.url
    page.goto(f"{url}/login/")
    page.get_by_label("Benutzername").fill(admin.username)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page).to_have_url(f"{url}/")
    page.locator('nav.sidebar a[href="/settings/"]').click()
    page.locator('nav.settings-nav a[href="/settings/webhooks/"]').click()
    edit = f"/settings/webhooks/{erp.pk}/"
    page.locator(f'main a[href="{edit}"]').click()
    expect(page).to_have_url(f"{url}{edit}")

    pages = {
        "settings-webhooks": "/settings/webhooks/",
        "settings-webhook-new": "/settings/webhooks/new/",
        "settings-webhook-edit": edit,
        "settings-webhook-log-page-2": f"{edit}?page=2",
    }
    for name, path in pages.items():
        audit_widths(page, url + path, name)
        expect(page.locator("nav.sidebar a[href='/settings/']")).to_have_attribute("aria-current", "page")
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": HEIGHTS[width]})
        # The log with every delivery's attempts open.
        page.goto(url + edit)
        for summary in page.locator(".delivery-log summary").all():
            summary.click()
        expect(page.locator(".delivery-log details[open]")).to_have_count(20)
        audit(page, "settings-webhook-log-open")
        # A new secret, shown this once.
        page.locator(f'main details.confirm-box:has(form[action="{edit}secret/"]) summary').click()
        page.locator(f'main form[action="{edit}secret/"] button').click()
        expect(page.locator("#webhook-secret")).to_have_text(Endpoint.objects.get(pk=erp.pk).secret)
        audit(page, "settings-webhook-secret")
    context.close()
