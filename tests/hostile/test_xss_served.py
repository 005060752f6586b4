"""XSS payloads in every text a person can enter come out inert (issue 24), proven without a
browser: each page that shows them serves them only escaped (the CSP would block inline handlers
anyway; this proves the escaping itself), the API's JSON gives them back as the plain text that was
typed, and e-mails escape them in the HTML part and show them as written in the text part. Chromium
runs the same desk in tests/browser/test_hostile_input.py."""

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import translation

from api.models import TokenScope
from fleet import services as fleet_services
from fleet.roles import Role
from messenger import services as messenger_services
from tests.api.conftest import client_with, token_for
from tests.factories import UserFactory
from tests.hostile.conftest import ESCAPED, PAYLOAD, RAW_MARKERS, SVG_PAYLOAD, named
from tests.messenger.conftest import session_cookie_for_code_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _german(settings):
    settings.API_THROTTLE_RATES = {"token": "100000/minute", "user": "100000/minute"}
    with translation.override("de"):
        yield


def assert_inert(html: str, *texts: str, where: str):
    """No tag of the payload in the page, and each ``text`` shown escaped (typed text, not markup)."""
    for marker in RAW_MARKERS:
        assert marker not in html, (where, marker)
    for text in texts:
        assert text.replace(PAYLOAD, ESCAPED) in html, (where, text)


def staff_pages(world):
    ticket, code, session, template = world["ticket"], world["code"], world["session"], world["template"]
    n = ticket.number
    return {
        "/tickets/": [named("Titel")],
        "/tickets/archive/": [named("Erledigt")],
        f"/tickets/{n}/": [named("Titel"), named("Beschreibung"), named("Wert"), named("Feld")],
        f"/tickets/{n}/?edit=1": [named("Titel")],
        f"/tickets/{n}/updates/": [named("Update"), named("Kundenupdate"), named("Schnappschuss")],
        f"/tickets/{n}/internal/": [named("Intern")],
        f"/tickets/{n}/fleet/": [named("Staff")],
        f"/tickets/{n}/video/": [named("Video")],
        f"/tickets/{n}/history/": [named("Titel")],
        f"/tickets/{world['rated'].number}/": [named("Bewertung")],
        f"/video/{session.pk}/": [named("Video")],
        "/settings/codes/": [named("Code")],
        f"/settings/codes/{code.pk}/": [named("Code")],
        "/settings/templates/": [named("Vorlage")],
        f"/settings/templates/{template.pk}/": [named("Feld")],
        "/settings/staff/": [named("Staff")],
        "/notifications/": [],
        "/offers/": [],
        "/": [],
    }


def test_staff_pages_serve_every_payload_escaped(hostile):
    client = Client()
    client.force_login(hostile["admin"])
    for path, texts in staff_pages(hostile).items():
        response = client.get(path)
        assert response.status_code == 200, path
        assert_inert(response.content.decode(), *texts, where=path)


def test_the_assignees_notifications_serve_the_payload_escaped(hostile):
    """Mia was assigned a ticket whose title is the payload: her notifications list shows it."""
    client = Client()
    client.force_login(hostile["mia"])
    response = client.get("/notifications/")
    assert response.status_code == 200
    assert_inert(response.content.decode(), named("Titel"), where="notifications")


def test_the_portal_serves_every_payload_escaped(hostile):
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = session_cookie_for_code_user(hostile["petra"])
    code, ticket = hostile["code"], hostile["ticket"]
    pages = {
        f"/c/{code.token}/": [named("Titel"), named("Code")],
        f"/c/{code.token}/tickets/{ticket.number}/": [named("Titel"), named("Update"), named("Kundenupdate"),
                                                      named("Schnappschuss"), named("Beschreibung")],
        f"/c/{code.token}/tickets/{hostile['rated'].number}/": [named("Erledigt")],
        f"/c/{code.token}/new/": [named("Feld")],
        f"/c/{code.token}/tickets/{ticket.number}/video/{hostile['session'].pk}/": [named("Video")],
    }
    for path, texts in pages.items():
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        assert_inert(html, *texts, where=path)
        assert named("Intern").replace(PAYLOAD, ESCAPED) not in html  # and internal text not at all


def test_the_api_gives_every_payload_back_as_plain_text(hostile):
    client = client_with(token_for(hostile["admin"], TokenScope.READ))
    n = hostile["ticket"].number
    ticket = client.get(f"/api/v1/tickets/{n}/").json()
    assert ticket["title"] == named("Titel")
    assert ticket["description"] == named("Beschreibung") + "\n" + SVG_PAYLOAD
    updates = [u["text"] for u in client.get(f"/api/v1/tickets/{n}/updates/").json()["results"]]
    assert {named("Update"), named("Intern"), named("Kundenupdate")} <= set(updates)
    messages = [m["text"] for m in client.get(f"/api/v1/tickets/{n}/messages/").json()["messages"]]
    assert {named("Nachricht"), named("Kundennachricht")} <= set(messages)
    sessions = client.get(f"/api/v1/tickets/{n}/video-sessions/").json()["results"]
    assert [s["title"] for s in sessions] == [named("Video")]
    assert [t["name"] for t in client.get("/api/v1/templates/").json()["results"]] == [named("Vorlage")]
    assert [c["label"] for c in client.get("/api/v1/access-codes/").json()["results"]] == [named("Code")]
    feedback = client.get(f"/api/v1/tickets/{hostile['rated'].number}/feedback/").json()
    assert feedback["text"] == named("Bewertung")


def test_webhook_urls_that_are_not_http_are_refused_and_others_shown_escaped(hostile):
    from common.errors import InvalidInput
    from webhooks import services as webhook_services
    from webhooks.models import Endpoint

    for url in ("javascript:window.__xss=1", "data:text/html,<b>x</b>", "vbscript:msgbox(1)"):
        with pytest.raises(InvalidInput):
            webhook_services.endpoint_create(hostile["admin"], url=url, event_types=["ticket.created"])
    assert not Endpoint.objects.exists()
    odd = 'https://hooks.example.org/"><script>window.__xss=1</script>'  # a valid https URL: kept as typed
    endpoint, _secret = webhook_services.endpoint_create(hostile["admin"], url=odd, event_types=["ticket.created"])
    client = Client()
    client.force_login(hostile["admin"])
    for path in ("/settings/webhooks/", f"/settings/webhooks/{endpoint.pk}/"):
        html = client.get(path).content.decode()
        assert "<script>window.__xss" not in html, path
        assert "https://hooks.example.org/&quot;&gt;&lt;script&gt;window.__xss=1&lt;/script&gt;" in html, path


def test_every_e_mail_escapes_the_payload_in_html_and_shows_it_as_written_in_text(
    hostile, settings, django_capture_on_commit_callbacks
):
    """The staff notification (the moderator's name and the title are the payload) and the
    customer's digest (the staff member's name and the message). The status e-mail's parts are
    proven in tests/test_email_templates.py."""
    settings.NOTIFY_STAFF_BY_EMAIL = True
    settings.CUSTOMER_EMAIL_GRACE_SECONDS = 0
    petra, mia, ticket = hostile["petra"], hostile["mia"], hostile["ticket"]
    petra.email, petra.preferred_language = "petra@example.org", "de"
    petra.save(update_fields=["email", "preferred_language"])
    jonas = UserFactory(first_name="Jonas", last_name=named("Kollege"), email="jonas@example.org", preferred_language="de")
    moderator = UserFactory(role=Role.MODERATOR, first_name="Moritz", last_name=named("Moderator"))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        fleet_services.assignee_add(moderator, ticket, jonas)  # the staff notification to Jonas
        messenger_services.message_post(mia, ticket, text=named("Antwort"))  # the customer's digest
    assert sorted((m.to[0], m.subject) for m in mail.outbox) == [
        ("jonas@example.org", "[Leitstand] Einem Ticket zugewiesen"),
        ("petra@example.org", f"[Leitstand] Mia {named('Staff')} hat auf Ihr Ticket {ticket.number} geantwortet"),
    ]
    for message in mail.outbox:
        (html, mimetype), = message.alternatives
        assert mimetype == "text/html"
        for marker in RAW_MARKERS:
            assert marker not in html, (message.subject, marker)
        assert "&lt;" not in message.body and "&quot;" not in message.body and "&amp;" not in message.body, message.subject
        assert PAYLOAD in message.body, message.subject  # the text part shows the names as written
        assert ESCAPED in html, message.subject
