"""Finding 3 of issue 24: every main page works under the enforced Content-Security-Policy
(the setting without DEBUG, as in production): Chromium reports no violation, neither as a
`securitypolicyviolation` event nor on the console, and the pages' WebSockets connect."""

import pytest
from playwright.sync_api import expect

from tests.factories import (
    PASSWORD,
    AccessCodeFactory,
    TemplateFieldFactory,
    TicketTemplateFactory,
    UserFactory,
    make_ticket,
)
from fleet.roles import Role
from tickets.choices import FieldType, Status

# Collects what the browser refuses, from the first script on (Playwright's init scripts are not
# subject to the page's policy).
WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.effectiveDirective} blocked ${event.blockedURI || "inline"} at ${event.sourceFile}:${event.lineNumber}`);
}, true);
"""


class Watch:
    def __init__(self, page):
        self.page = page
        self.console = []
        self.socket_frames = {}  # socket URL → frames the server sent
        page.add_init_script(WATCH)
        page.on("websocket", lambda socket: socket.on(
            "framereceived", lambda payload: self.socket_frames.setdefault(socket.url, []).append(payload)
        ))
        page.on("console", lambda message: self.console.append(message.text) if "Content Security Policy" in message.text else None)

    def visit(self, url: str):
        response = self.page.goto(url)
        assert response.status == 200, url
        policy = response.headers.get("content-security-policy", "")
        assert "script-src 'self'" in policy and "default-src 'self'" in policy, (url, policy)
        assert "content-security-policy-report-only" not in response.headers
        self.page.wait_for_load_state("networkidle")
        self.assert_clean(url)
        return response

    def wait_for_socket_hello(self, path_part: str):
        """A socket of this page whose URL holds ``path_part`` connected and heard from the server."""
        for _ in range(100):  # bounded: 10 s
            if any(path_part in url and frames for url, frames in self.socket_frames.items()):
                return
            self.page.wait_for_timeout(100)
        raise AssertionError(f"no socket {path_part} answered: {list(self.socket_frames)}")

    def assert_clean(self, where: str):
        events = self.page.evaluate("window.__cspViolations")
        assert events == [] and self.console == [], (where, events, self.console)


def signed_in(browser, server, user):
    """A window of its own, watched from the login page on, in which ``user`` signs in."""
    context = browser.new_context(locale="de-DE", viewport={"width": 1360, "height": 900})
    page = context.new_page()
    watch = Watch(page)
    watch.visit(f"{server.url}/login/")
    page.get_by_label("Benutzername").fill(user.username)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(f"{server.url}/")
    watch.assert_clean("login")
    return page, watch


@pytest.fixture
def world(db):
    template = TicketTemplateFactory(name="Störung")
    TemplateFieldFactory(template=template, key="area", label="Bereich", field_type=FieldType.CHOICE, choices=["Halle A", "Halle B"])
    code = AccessCodeFactory(template=template, label="Presse 7")
    admin = UserFactory(role=Role.ADMINISTRATOR, first_name="Anna", last_name="Adler")
    mia = UserFactory(first_name="Mia", last_name="Schneider")
    ticket = make_ticket(Status.IN_PROGRESS, template=template, access_code=code, assignees=[mia], title="Presse leckt")
    return {"code": code, "admin": admin, "mia": mia, "ticket": ticket}


def test_the_staff_pages_run_under_the_enforced_policy(browser, asgi_server, world):
    ticket, code = world["ticket"], world["code"]
    page, watch = signed_in(browser, asgi_server, world["admin"])
    base = asgi_server.url
    for path in ("/", "/tickets/", "/tickets/archive/", f"/tickets/{ticket.number}/fleet/",
                 f"/tickets/{ticket.number}/history/", "/settings/", "/settings/codes/",
                 f"/settings/codes/{code.pk}/", "/settings/templates/", "/settings/staff/",
                 "/profile/", "/profile/tokens/", "/offers/", "/notifications/", "/help/fleet/"):
        watch.visit(base + path)
    # The ticket page: its conversation's WebSocket connects (connect-src) and says hello.
    watch.visit(f"{base}/tickets/{ticket.number}/")
    watch.wait_for_socket_hello("/ws/tickets/")
    # The page's scripts still run: a message goes out and comes back over the socket.
    page.get_by_label("Nachricht", exact=True).fill("Ersatzteil ist bestellt")
    page.get_by_label("Nachricht", exact=True).press("Enter")
    expect(page.locator("#messenger .message", has_text="Ersatzteil ist bestellt")).to_be_visible()
    watch.assert_clean("messenger")


def test_the_api_reference_runs_under_the_policy(browser, asgi_server, world):
    page, watch = signed_in(browser, asgi_server, world["mia"])
    response = watch.visit(f"{asgi_server.url}/api/docs/")
    assert "style-src 'self' 'unsafe-inline'" in response.headers["content-security-policy"]
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Leitstand API")
    expect(page.locator(".opblock-summary-path").first).to_be_visible()
    watch.assert_clean("swagger")


def test_the_portal_runs_under_the_policy(browser, asgi_server, world):
    code, ticket = world["code"], world["ticket"]
    context = browser.new_context(locale="de-DE")
    page = context.new_page()
    watch = Watch(page)
    base = asgi_server.url
    watch.visit(f"{base}/c/")
    watch.visit(f"{base}{code.get_absolute_url()}")
    page.get_by_label("Ihr Name").fill("Petra Huber")  # the identity form
    page.get_by_role("button", name="Weiter").click()
    page.wait_for_load_state("networkidle")
    watch.assert_clean("identity")
    watch.visit(f"{base}/c/{code.token}/new/")
    watch.visit(f"{base}/c/{code.token}/tickets/{ticket.number}/")
    watch.wait_for_socket_hello("/ws/tickets/")
    watch.visit(f"{base}/c/help/")
    watch.assert_clean("portal")
    context.close()


def test_the_watch_sees_what_the_policy_refuses(browser, asgi_server, world):
    """The check above would notice a violation: an inline script added to a page is refused and
    reported."""
    page, watch = signed_in(browser, asgi_server, world["mia"])
    watch.visit(f"{asgi_server.url}/tickets/")
    page.evaluate("""() => {
      const script = document.createElement("script");
      script.textContent = "document.body.dataset.injected = 'yes'";
      document.head.appendChild(script);
    }""")
    page.wait_for_function("window.__cspViolations.length > 0")
    assert page.evaluate("document.body.dataset.injected") is None
    assert page.evaluate("window.__cspViolations")[0].startswith("script-src-elem blocked inline")
