"""E-mail parts (issue 24, finding 7): the plain-text part shows names and texts as written (no
HTML entities), the HTML part escapes them (no markup of a customer's making gets in)."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail

from fleet import services as fleet_services
from fleet.roles import Role
from messenger import services as messenger_services
from tests.factories import AccessCodeFactory, CodeUserFactory, TicketTemplateFactory, UserFactory, make_ticket
from tickets.choices import Status

pytestmark = pytest.mark.django_db

EVE = "Eve <img src=x onerror=alert(1)>"
EVE_ESCAPED = "Eve &lt;img src=x onerror=alert(1)&gt;"
TITLE = 'Presse "7" & <b>Halle</b>'


def _parts(message):
    (html, mimetype), = message.alternatives
    assert mimetype == "text/html"
    return message.body, html


def test_every_plain_text_e_mail_template_turns_html_escaping_off():
    for path in sorted((Path(settings.BASE_DIR) / "templates" / "email").glob("*.txt")):
        text = path.read_text()
        assert text.startswith("{% load i18n %}{% autoescape off %}"), path.name
        assert text.rstrip().endswith("{% endautoescape %}"), path.name


def test_the_status_e_mail_shows_the_name_as_written_in_text_and_escaped_in_html(django_capture_on_commit_callbacks):
    code = AccessCodeFactory(template=TicketTemplateFactory())
    eve = CodeUserFactory(access_code=code, display_name=EVE, email="eve@example.org", preferred_language="de")
    ticket = make_ticket(Status.OPEN, code_user=eve, title=TITLE)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        fleet_services.assignee_add(UserFactory(role=Role.MODERATOR), ticket, UserFactory())
    (message,) = [m for m in mail.outbox if m.to == ["eve@example.org"]]
    text, html = _parts(message)
    assert f"Hallo {EVE}," in text and "&lt;" not in text and "&amp;" not in text and "&quot;" not in text
    assert f"„{TITLE}“" in text or f"“{TITLE}”" in text
    assert f"Hallo {EVE_ESCAPED}," in html and "<img" not in html and "<b>Halle" not in html
    assert "Presse &quot;7&quot; &amp; &lt;b&gt;Halle&lt;/b&gt;" in html
    assert "&" not in message.subject


def test_the_digest_shows_the_answer_as_written_in_text_and_escaped_in_html(settings, django_capture_on_commit_callbacks):
    settings.CUSTOMER_EMAIL_GRACE_SECONDS = 0
    code = AccessCodeFactory(template=TicketTemplateFactory())
    eve = CodeUserFactory(access_code=code, display_name=EVE, email="eve@example.org", preferred_language="de")
    mia = UserFactory(first_name="Mia", last_name="<Schneider>")
    ticket = make_ticket(Status.IN_PROGRESS, code_user=eve, assignees=[mia])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        messenger_services.message_post(mia, ticket, text="Bitte <script>alert(1)</script> & Ventil prüfen")
    (message,) = [m for m in mail.outbox if m.to == ["eve@example.org"]]
    text, html = _parts(message)
    assert message.subject == f"[Leitstand] Mia <Schneider> hat auf Ihr Ticket {ticket.number} geantwortet"
    assert f"Hallo {EVE}," in text
    assert "Bitte <script>alert(1)</script> & Ventil prüfen" in text and "Mia <Schneider>" in text
    assert "&lt;" not in text and "&amp;" not in text
    assert "Bitte &lt;script&gt;alert(1)&lt;/script&gt; &amp; Ventil prüfen" in html
    assert "<script>" not in html and f"Hallo {EVE_ESCAPED}," in html


def test_the_staff_notification_shows_names_as_written_in_text_and_escaped_in_html(settings, django_capture_on_commit_callbacks):
    settings.NOTIFY_STAFF_BY_EMAIL = True
    moderator = UserFactory(role=Role.MODERATOR, first_name="Eve", last_name="<img src=x onerror=alert(1)>")
    mia = UserFactory(first_name="Mia", last_name="O'Neil & Co", email="mia@example.org", preferred_language="de")
    ticket = make_ticket(Status.OPEN, template=TicketTemplateFactory(assignees_needed=1), title=TITLE)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        fleet_services.assignee_add(moderator, ticket, mia)
    (message,) = [m for m in mail.outbox if m.to == ["mia@example.org"]]
    text, html = _parts(message)
    assert "Hallo Mia O'Neil & Co," in text and f"{EVE} hat Sie" in text and TITLE in text
    assert "&lt;" not in text and "&amp;" not in text and "&#x27;" not in text
    assert "Hallo Mia O&#x27;Neil &amp; Co," in html and f"{EVE_ESCAPED} hat Sie" in html and "<img" not in html
