"""XSS payloads in every text a person can enter stay inert in Chromium (issue 24): the desk of
tests/hostile/conftest.py (payloads in titles, descriptions, custom fields and their labels, updates
public and internal, messages, names, code and template labels, the video session's title, the
snapshot's text, the rating) opened page by page. On each: the flag the payloads would set
(``window.__xss``) stays unset, no element the payload would create exists in the DOM (so the
escaping holds, not only the CSP), and the payload's text is shown literally where it belongs."""

import json

from django.conf import settings
from playwright.sync_api import expect

from tests.browser.helpers import open_as_staff
from tests.hostile.conftest import hostile, named  # noqa: F401 - the fixture `hostile`
from tests.messenger.conftest import session_cookie_for_code_user

INJECTED = "img[src='x'], svg[onload], script:not([src]):not([type='application/json'])"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


def assert_inert(page, *texts, where):
    page.wait_for_load_state("networkidle")
    assert page.evaluate("typeof window.__xss") == "undefined", where
    assert page.locator(INJECTED).count() == 0, where
    shown = page.locator("body").inner_text()  # what a person reads, as the browser renders it
    for text in texts:
        assert text in shown, (where, text)


def test_staff_pages_show_the_payloads_as_text(browser, asgi_server, hostile):  # noqa: F811
    ticket, code, session = hostile["ticket"], hostile["code"], hostile["session"]
    n = ticket.number
    context, page = open_as_staff(browser, asgi_server, hostile["admin"], "/tickets/")
    pages = {
        "/tickets/": [named("Titel")],
        "/tickets/archive/": [named("Erledigt")],
        f"/tickets/{n}/": [named("Titel"), named("Beschreibung"), named("Wert")],
        f"/tickets/{n}/updates/": [named("Update"), named("Kundenupdate")],
        f"/tickets/{n}/internal/": [named("Intern")],
        f"/tickets/{n}/fleet/": [named("Staff")],
        f"/tickets/{n}/video/": [named("Video")],
        f"/tickets/{n}/history/": [],
        f"/video/{session.pk}/": [named("Video")],
        "/settings/codes/": [named("Code")],
        f"/settings/codes/{code.pk}/": [named("Code")],
        "/settings/templates/": [named("Vorlage")],
        f"/settings/templates/{hostile['template'].pk}/": [named("Feld")],
        "/settings/staff/": [named("Staff")],
        "/notifications/": [],
    }
    for path, texts in pages.items():
        response = page.goto(f"{asgi_server.url}{path}")
        assert response.status == 200, path
        assert_inert(page, *texts, where=path)
    context.close()


def test_the_messenger_carries_a_payload_as_plain_text_both_ways(browser, asgi_server, hostile):  # noqa: F811
    frames = []
    path = f"/tickets/{hostile['ticket'].number}/"
    context, page = open_as_staff(browser, asgi_server, hostile["mia"], path)
    page.wait_for_url(f"{asgi_server.url}{path}")
    page.on("websocket", lambda socket: socket.on("framereceived", lambda payload: frames.append(payload)))
    page.goto(f"{asgi_server.url}{path}")  # again, with the frames watched from the socket's start
    page.wait_for_load_state("networkidle")
    assert_inert(page, named("Nachricht"), named("Kundennachricht"), where="messenger")
    page.get_by_label("Nachricht", exact=True).fill(named("Live"))
    page.get_by_label("Nachricht", exact=True).press("Enter")
    expect(page.locator("#messenger .message", has_text=named("Live"))).to_be_visible()
    assert_inert(page, named("Live"), where="messenger after sending")
    def chat_texts():
        parsed = [json.loads(raw) for raw in frames if isinstance(raw, str)]
        return [f["message"]["text"] for f in parsed if f.get("type") == "chat.message"]

    for _ in range(100):  # bounded: 10 s for the broadcast to come back on the socket
        if named("Live") in chat_texts():
            break
        page.wait_for_timeout(100)
    assert named("Live") in chat_texts()  # the socket frame holds the text as typed, not markup
    context.close()


def test_the_portal_on_a_phone_shows_the_payloads_as_text(browser, asgi_server, hostile):  # noqa: F811
    context = browser.new_context(locale="de-DE", **PHONE)
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session_cookie_for_code_user(hostile["petra"]),
                          "url": asgi_server.url}])
    page = context.new_page()
    code, ticket = hostile["code"], hostile["ticket"]
    pages = {
        f"/c/{code.token}/": [named("Titel")],
        f"/c/{code.token}/tickets/{ticket.number}/": [named("Titel"), named("Update"), named("Kundennachricht")],
        f"/c/{code.token}/tickets/{hostile['rated'].number}/": [named("Erledigt")],
        f"/c/{code.token}/new/": [named("Feld")],
    }
    for path, texts in pages.items():
        response = page.goto(f"{asgi_server.url}{path}")
        assert response.status == 200, path
        assert_inert(page, *texts, where=path)
        assert named("Intern") not in page.content()
    context.close()


def test_the_check_would_see_an_injected_element(browser, asgi_server, hostile):  # noqa: F811
    """A control: the DOM check finds an element like the payload's once one is really there."""
    context, page = open_as_staff(browser, asgi_server, hostile["admin"], "/tickets/")
    page.wait_for_load_state("networkidle")
    page.evaluate("() => { const img = document.createElement('img'); img.src = 'x'; document.body.appendChild(img); }")
    assert page.locator(INJECTED).count() == 1
    context.close()
