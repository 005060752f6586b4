"""Video sessions in the browser, the way people get there: staff open the ticket from the list
through the side menu, open the tab "Video-Sessions" and plan a session; a customer on a phone
asks for one on their ticket page; the staff member's open tab shows the request by itself, and
the customer's card the confirmation."""

import re
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import AccessCodeFactory, TicketTemplateFactory, UserFactory, make_ticket
from tickets.choices import Status, Visibility
from videosessions.choices import SessionState
from videosessions.models import VideoSession

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


def _fits_the_screen(page):
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"the page is {width[0]}px wide on a {width[1]}px screen"


def test_staff_plan_a_session_and_a_customer_on_a_phone_asks_for_one(page, browser, asgi_server, login, screenshot):
    template = TicketTemplateFactory(name="Störung", asks_feedback=True)
    code = AccessCodeFactory(template=template, label="Presse 7", location="Halle A")
    paula = UserFactory(first_name="Paula", last_name="Pfeiffer")
    ticket = make_ticket(Status.IN_PROGRESS, assignees=[paula], access_code=code, visibility=Visibility.PUBLIC,
                         title="Presse 7 quietscht beim Anfahren")

    # Staff: side menu → list → the ticket → the tab.
    login(paula)
    page.get_by_role("navigation", name="Hauptmenü").get_by_role("link", name=re.compile("^Tickets")).click()
    page.get_by_role("link", name=ticket.number, exact=True).click()
    expect(page.get_by_role("heading", name="Presse 7 quietscht beim Anfahren")).to_be_visible()
    page.get_by_role("navigation", name="Ticketbereiche").get_by_role("link", name="Video-Sessions").click()
    expect(page).to_have_url(f"{asgi_server.url}/tickets/{ticket.number}/video/")
    expect(page.locator(".video-list .empty-state")).to_have_text("Zu diesem Ticket gibt es noch keine Video-Sessions.")

    # Plan one for tomorrow at 09:30, public (the default on a public ticket).
    when = timezone.localtime(timezone.now() + timedelta(days=1)).replace(hour=9, minute=30, second=0, microsecond=0)
    page.get_by_label("Titel").fill("Geräusch gemeinsam anhören")
    expect(page.get_by_role("radio", name="Termin planen")).to_be_checked()
    expect(page.get_by_role("radio", name="Öffentlich")).to_be_checked()
    page.get_by_label("Datum und Uhrzeit").fill(when.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Video-Session anlegen").click()

    planned = when.strftime("%d.%m.%Y %H:%M")
    expect(page.get_by_role("status")).to_contain_text(f"Video-Session „Geräusch gemeinsam anhören“ geplant für {planned}.")
    row = page.locator(".video-session", has_text="Geräusch gemeinsam anhören")
    expect(row.locator(".video-state")).to_have_text("Angefragt")
    expect(row.locator(".visibility-badge")).to_have_text("Öffentlich")
    expect(row.get_by_text(planned)).to_be_visible()
    for label in ("Bestätigen", "Starten", "Absagen"):
        expect(row.get_by_role("button", name=f"{label}: Geräusch gemeinsam anhören")).to_be_visible()
    expect(row.get_by_role("button", name="Beenden: Geräusch gemeinsam anhören")).to_have_count(0)
    # "Start now" needs no time: the time field steps aside.
    page.get_by_role("radio", name="Jetzt starten").check()
    expect(page.get_by_label("Datum und Uhrzeit")).to_be_hidden()
    page.get_by_role("radio", name="Termin planen").check()
    expect(page.locator("#messenger").get_by_role("button", name="Video-Session starten")).to_be_visible()
    session = VideoSession.objects.get()
    assert (session.title, session.visibility, session.created_by, timezone.localtime(session.planned_at)) == (
        "Geräusch gemeinsam anhören", Visibility.PUBLIC, paula, when)
    screenshot("video-tab-desktop")

    # The customer on a phone: the QR code opens the portal, they give their name, open the ticket.
    context = browser.new_context(locale="de-DE", **PHONE)
    phone = context.new_page()
    phone.goto(f"{asgi_server.url}{code.get_absolute_url()}")
    phone.get_by_label("Ihr Name").fill("Eva Kunde")
    phone.get_by_role("button", name="Weiter").click()
    phone.get_by_role("link", name=re.compile(re.escape(ticket.number))).click()
    card = phone.locator("#video")
    expect(card.get_by_role("heading", name="Video-Sessions")).to_be_visible()
    staff_row = card.locator(".video-session", has_text="Geräusch gemeinsam anhören")
    expect(staff_row.locator(".video-state")).to_have_text("Angefragt")
    expect(staff_row.get_by_text(planned)).to_be_visible()
    _fits_the_screen(phone)

    card.get_by_label("Was sollen wir uns gemeinsam ansehen? (optional)").fill("Das Quietschen beim Anfahren")
    card.get_by_role("button", name="Video-Session anfragen").click()
    expect(phone.get_by_role("status")).to_contain_text("Danke: Ihre Anfrage für eine Video-Session ist gesendet.")
    card = phone.locator("#video")
    expect(card).to_contain_text("Sie haben eine Video-Session angefragt. Das Service-Team bestätigt einen Termin.")
    mine = card.locator(".video-session", has_text="Das Quietschen beim Anfahren")
    expect(mine.locator(".video-state")).to_have_text("Angefragt")
    expect(mine.get_by_role("button", name=re.compile("^Anfrage absagen"))).to_be_visible()
    expect(card.get_by_role("button", name="Video-Session anfragen")).to_have_count(0)
    _fits_the_screen(phone)
    card.scroll_into_view_if_needed()
    screenshot("video-portal-phone", of=phone)
    requested = VideoSession.objects.get(requested_by_code_user__display_name="Eva Kunde")
    assert (requested.state, requested.note) == (SessionState.REQUESTED, "Das Quietschen beim Anfahren")

    # Staff see the request on their open tab without reloading, with the button to confirm it.
    request_row = page.locator(".video-session", has_text="Das Quietschen beim Anfahren")
    expect(request_row).to_contain_text("Eva Kunde (Code-Nutzer)", timeout=5000)
    request_row.get_by_role("button", name=re.compile("^Bestätigen:")).click()
    expect(page.get_by_role("status")).to_contain_text("bestätigt.")

    # …and the customer's card shows the confirmation by itself: now they can join.
    mine = phone.locator("#video .video-session", has_text="Das Quietschen beim Anfahren")
    expect(mine.locator(".video-state")).to_have_text("Bestätigt", timeout=5000)
    expect(mine.get_by_role("link", name=re.compile("^Beitreten"))).to_have_attribute(
        "href", f"/c/{code.token}/tickets/{ticket.number}/video/{requested.pk}/")
    requested.refresh_from_db()
    assert requested.state == SessionState.CONFIRMED
    context.close()
