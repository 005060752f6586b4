"""The code-user portal over HTTP: entering, PIN, identity, creating and following tickets."""

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from fleet.roles import Role
from tests.factories import (
    AccessCodeFactory,
    TemplateFieldFactory,
    TicketTemplateFactory,
    UserFactory,
    make_ticket,
)
from portal.sessions import personal_link_token
from tickets import services
from tickets.choices import FieldType, Status
from tickets.models import CodeUser, Ticket, TicketUpdate

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 40


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()  # the per-IP counters live in the cache
    with translation.override("de"):
        yield


@pytest.fixture
def code():
    template = TicketTemplateFactory(name="Störung", asks_feedback=True)
    TemplateFieldFactory(template=template, key="area", label="Bereich", field_type=FieldType.CHOICE, choices=["Halle A", "Halle B"])
    return AccessCodeFactory(template=template, label="Presse 7", location="Halle A")


def enter(client, code, name="Petra Huber", email="", language="de"):
    """Through the front door: the code page, then the name form."""
    client.get(code.get_absolute_url())
    response = client.post(code.get_absolute_url(), {"display_name": name, "email": email, "preferred_language": language})
    assert response.status_code == 302, response.content.decode()[:500]
    return CodeUser.objects.get(display_name=name, access_code=code)


def test_start_page_and_typing_the_code(client, code):
    html = client.get(reverse("portal:start")).content.decode()
    assert '<html lang="de">' in html and "Code" in html
    response = client.post(reverse("portal:start"), {"code": code.entry_code_display.lower()})
    assert response.status_code == 302 and response["Location"] == code.get_absolute_url()


def test_unknown_and_inactive_codes_get_the_same_friendly_page(client, code):
    unknown = client.post(reverse("portal:start"), {"code": "ZZZZ-ZZZZ"})
    guessed = client.get("/c/" + "x" * 43 + "/")
    code.is_active = False
    code.save()
    inactive = client.get(code.get_absolute_url())
    typed_inactive = client.post(reverse("portal:start"), {"code": code.entry_code})
    pages = [r.content.decode() for r in (unknown, guessed, inactive, typed_inactive)]
    assert {r.status_code for r in (unknown, guessed, inactive, typed_inactive)} == {404}
    assert all("Das haben wir nicht gefunden" in page for page in pages)
    assert "Presse 7" not in "".join(pages)


# Hourly windows in these tests: a window that ends while a test runs starts the count afresh
# (django-ratelimit's windows are fixed), which with per-minute windows happened in CI.
def test_code_entry_is_throttled_per_ip(client, code, settings):
    settings.PORTAL_CODE_RATE = "10/h"
    for _ in range(10):
        assert client.post(reverse("portal:start"), {"code": "ZZZZZZZZ"}).status_code == 404
    response = client.post(reverse("portal:start"), {"code": code.entry_code})
    assert response.status_code == 429
    assert "zu viele Versuche" in response.content.decode()
    other_ip = Client(REMOTE_ADDR="10.9.8.7")
    assert other_ip.post(reverse("portal:start"), {"code": code.entry_code}).status_code == 302


def test_a_code_with_pin_asks_for_it_first_and_throttles_wrong_pins(client, code, settings):
    settings.PORTAL_CODE_RATE = "3/h"
    code.set_pin("2468")
    code.save()
    make_ticket(Status.OPEN, access_code=code, title="Geheime Störung")
    page = client.get(code.get_absolute_url()).content.decode()
    assert "PIN" in page and "Geheime Störung" not in page and "Presse 7" in page
    for _ in range(3):
        response = client.post(code.get_absolute_url(), {"pin": "0000"})
        assert response.status_code == 403 and "PIN ist nicht richtig" in response.content.decode()
    response = client.post(code.get_absolute_url(), {"pin": "2468"})
    assert response.status_code == 429  # even the right one, for the rest of the window
    assert "zu viele Versuche" in response.content.decode()
    cache.clear()
    assert client.post(code.get_absolute_url(), {"pin": "2468"}).status_code == 302
    assert "Wie dürfen wir Sie ansprechen" in client.get(code.get_absolute_url()).content.decode()


def test_identity_with_language_and_the_code_page(client, code):
    mine = make_ticket(Status.IN_PROGRESS, access_code=code, title="Öl tropft")
    make_ticket(Status.CLOSED, access_code=code, title="Alter Fall")
    make_ticket(Status.OPEN, access_code=code, title="Nur intern", visibility="internal")
    make_ticket(Status.OPEN, access_code=AccessCodeFactory(), title="Anderer Code")
    response = client.post(code.get_absolute_url(), {"display_name": "", "preferred_language": "de"})
    assert response.status_code == 400 and "Bitte nennen Sie uns Ihren Namen" in response.content.decode()
    enter(client, code, name="Sam Smith", language="en")
    html = client.get(code.get_absolute_url()).content.decode()
    assert '<html lang="en">' in html
    assert "Öl tropft" in html and "Alter Fall" in html
    assert "Nur intern" not in html and "Anderer Code" not in html
    assert html.index("Öl tropft") < html.index("Alter Fall")  # active first, the archive below
    assert client.get(code.get_absolute_url(), {"q": "Alter"}).content.decode().count("Öl tropft") == 1
    assert mine.number in html


def test_creating_a_ticket_sends_it_to_the_service_desk(client, code, django_capture_on_commit_callbacks):
    mia = UserFactory()
    petra = enter(client, code)
    url = reverse("portal:new-ticket", args=[code.token])
    assert "Bereich" in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {
            "title": "Presse quietscht", "description": "Seit heute früh", "field-area": "Halle B",
            "photos": [SimpleUploadedFile("presse.png", PNG)],
        })
    ticket = Ticket.objects.get(title="Presse quietscht")
    assert response["Location"] == reverse("portal:ticket", args=[code.token, ticket.number])
    assert (ticket.status, ticket.visibility, ticket.access_code, ticket.created_by_code_user) == (Status.OPEN, "public", code, petra)
    assert ticket.custom_values == {"area": "Halle B"}
    assert list(ticket.offers.values_list("user", flat=True)) == [mia.pk]  # the offers went out
    assert TicketUpdate.objects.get(ticket=ticket).attachments.get().original_name == "presse.png"


def test_invalid_ticket_form_keeps_the_input(client, code):
    enter(client, code)
    response = client.post(reverse("portal:new-ticket", args=[code.token]), {"title": "", "description": "Mein Text", "field-area": "Dach"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Mein Text" in html
    assert not Ticket.objects.exists()


def test_flood_limit_per_code_user(client, code, settings):
    settings.PORTAL_MAX_OPEN_TICKETS_PER_CODE_USER = 2
    enter(client, code)
    url = reverse("portal:new-ticket", args=[code.token])
    for i in range(2):
        assert client.post(url, {"title": f"Meldung {i}", "field-area": "Halle A"}).status_code == 302
    response = client.post(url, {"title": "Noch eine", "field-area": "Halle A"})
    assert response.status_code == 429
    assert "bereits 2 offene Tickets" in response.content.decode()
    assert Ticket.objects.count() == 2


def test_flood_limit_per_code_across_code_users(code, settings):
    settings.PORTAL_MAX_TICKETS_PER_CODE = 2
    url = reverse("portal:new-ticket", args=[code.token])
    for name in ("Anna", "Ben"):
        visitor = Client()
        enter(visitor, code, name=name)
        assert visitor.post(url, {"title": f"Meldung von {name}", "field-area": "Halle A"}).status_code == 302
    third = Client()
    enter(third, code, name="Carla")
    response = third.post(url, {"title": "Meldung von Carla", "field-area": "Halle A"})
    assert response.status_code == 429
    assert "Über diesen Code wurden zuletzt sehr viele Tickets" in response.content.decode()
    assert Ticket.objects.count() == 2


def test_a_rejected_photo_creates_no_ticket(client, code, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    enter(client, code)
    url = reverse("portal:new-ticket", args=[code.token])
    too_big = SimpleUploadedFile("gross.png", PNG + b"0" * 2048)
    script = SimpleUploadedFile("bild.png", b"#!/bin/sh\nrm -rf /\n")
    for upload, message in ((too_big, "„gross.png“ ist zu groß"), (script, "„bild.png“ hat keinen zulässigen Dateityp")):
        response = client.post(url, {"title": "Mit Foto", "description": "Siehe Bild", "field-area": "Halle A", "photos": [upload]})
        assert response.status_code == 400
        html = response.content.decode()
        assert "Siehe Bild" in html  # the input is kept
        assert message in html
    assert not Ticket.objects.exists()


def test_the_public_ticket_page_shows_only_what_code_users_may_see(client, code):
    staff = UserFactory(first_name="Mia", last_name="Schneider")
    ticket = make_ticket(Status.IN_PROGRESS, access_code=code, assignees=[staff], title="Pumpe leckt")
    services.update_post(staff, ticket, text="Ersatzteil ist bestellt.")
    services.update_post(staff, ticket, text="Kunde ist schwierig.", internal=True)
    enter(client, code)
    html = client.get(reverse("portal:ticket", args=[code.token, ticket.number])).content.decode()
    assert "Pumpe leckt" in html and "Ersatzteil ist bestellt." in html
    assert "Kunde ist schwierig." not in html
    assert "In Bearbeitung" in html and 'id="messenger"' in html
    assert "Flottenmanagement" not in html and "Verlauf" not in html and "BEARBEITEN" not in html
    assert "Entwurf" not in html  # code users never see drafts


def test_every_way_in_to_a_foreign_ticket_is_a_404(client, code):
    other_code = AccessCodeFactory(template=code.template)
    foreign = make_ticket(Status.OPEN, access_code=other_code)
    internal = make_ticket(Status.OPEN, access_code=code, visibility="internal")
    mine = make_ticket(Status.OPEN, access_code=code)
    stranger = Client()
    # a closed session: nobody signed in on this device
    assert stranger.get(reverse("portal:ticket", args=[code.token, mine.number])).status_code == 404
    enter(client, code)
    assert client.get(reverse("portal:ticket", args=[code.token, mine.number])).status_code == 200
    for number in ("2099-999999", foreign.number, internal.number):  # guessed, other code, internal
        assert client.get(reverse("portal:ticket", args=[code.token, number])).status_code == 404
    assert client.get(reverse("portal:ticket", args=[other_code.token, foreign.number])).status_code == 404
    client.logout()  # the session ends (flushed): the same URL is gone for this device too
    assert client.get(reverse("portal:ticket", args=[code.token, mine.number])).status_code == 404


def test_code_user_adds_to_the_log_until_the_ticket_is_closed(client, code):
    staff = UserFactory()
    ticket = make_ticket(Status.IN_PROGRESS, access_code=code, assignees=[staff])
    enter(client, code)
    url = reverse("portal:post-update", args=[code.token, ticket.number])
    assert client.post(url, {"text": "Es tropft stärker."}).status_code == 302
    assert TicketUpdate.objects.filter(ticket=ticket, author_code_user__isnull=False, kind="public").count() == 1
    services.ticket_close(staff, services.ticket_finish(staff, ticket))
    response = client.post(url, {"text": "Noch was"})
    assert response.status_code == 409
    assert "keine Updates mehr" in response.content.decode()


def test_the_opener_cancels_while_open_only(client, code):
    petra = enter(client, code)
    client.post(reverse("portal:new-ticket", args=[code.token]), {"title": "Versehen", "field-area": "Halle A"})
    ticket = Ticket.objects.get(created_by_code_user=petra)
    page = client.get(reverse("portal:ticket", args=[code.token, ticket.number])).content.decode()
    assert "Ticket abbrechen" in page
    assert client.post(reverse("portal:cancel", args=[code.token, ticket.number])).status_code == 302
    assert Ticket.objects.get(pk=ticket.pk).status == Status.CANCELLED

    other = make_ticket(Status.OPEN, access_code=code)  # opened by staff: not Petra's to cancel
    assert client.post(reverse("portal:cancel", args=[code.token, other.number])).status_code == 403
    assert Ticket.objects.get(pk=other.pk).status == Status.OPEN


def test_feedback_and_problem_persists_through_the_page(client, code):
    staff = UserFactory()
    done = make_ticket(Status.DONE, access_code=code, assignees=[staff], title="Fertig gemacht")
    again = make_ticket(Status.DONE, access_code=code, assignees=[staff], title="Nicht gelöst")
    petra = enter(client, code)
    for ticket in (done, again):  # she follows both through her personal links: she takes part
        client.get(reverse("portal:link", args=[personal_link_token(petra, ticket)]))
    page = client.get(reverse("portal:ticket", args=[code.token, done.number])).content.decode()
    assert "Wie zufrieden sind Sie" in page
    assert client.post(reverse("portal:feedback", args=[code.token, done.number]), {"stars": "0"}).status_code == 400
    assert client.post(reverse("portal:feedback", args=[code.token, done.number]), {"stars": "4", "text": "Schnell und sauber"}).status_code == 302
    done.refresh_from_db()
    assert done.status == Status.CLOSED and done.feedback.stars == 4
    assert client.post(reverse("portal:feedback", args=[code.token, done.number]), {"stars": "5"}).status_code == 409  # rated once

    response = client.post(reverse("portal:problem", args=[code.token, again.number]), {"text": "Es tropft immer noch."})
    assert response.status_code == 302
    again.refresh_from_db()
    assert again.status == Status.IN_PROGRESS
    assert TicketUpdate.objects.filter(ticket=again, text="Es tropft immer noch.", kind="public").exists()


def test_personal_link_opens_the_ticket_on_another_device(client, code):
    petra = enter(client, code)
    ticket = make_ticket(Status.OPEN, access_code=code, title="Mein Ticket")
    page = client.get(reverse("portal:ticket", args=[code.token, ticket.number])).content.decode()
    link = page.split('id="personal-link" type="text" readonly value="')[1].split('"')[0]
    phone = Client()
    response = phone.get(link.replace("http://testserver", ""))
    assert response.status_code == 302 and response["Location"] == reverse("portal:ticket", args=[code.token, ticket.number])
    assert "Mein Ticket" in phone.get(response["Location"]).content.decode()
    assert phone.session["leitstand_code_users"] == {str(code.pk): petra.pk}
    tampered = link.replace("http://testserver", "")[:-3] + "abc/"
    assert Client().get(tampered).status_code == 404


def test_status_change_emails_the_code_user_in_their_language(client, code, django_capture_on_commit_callbacks):
    staff = UserFactory()
    enter(client, code, name="Sam Smith", email="sam@example.org", language="en")
    client.post(reverse("portal:new-ticket", args=[code.token]), {"title": "Light flickers", "field-area": "Halle A"})
    ticket = Ticket.objects.get(title="Light flickers")
    moderator = UserFactory(role=Role.MODERATOR)
    from fleet import services as fleet_services

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        fleet_services.assignee_add(moderator, ticket, staff)
    (message,) = [m for m in mail.outbox if m.to == ["sam@example.org"]]
    assert 'is now "Assigned"' in message.subject or "is now “Assigned”" in message.subject
    assert "/c/t/" in message.body
    assert message.alternatives and "text/html" in message.alternatives[0][1]
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_finish(staff, services.ticket_start(staff, ticket))
    assert any("satisfied" in m.body for m in mail.outbox if m.to == ["sam@example.org"])


def test_no_email_without_an_address(client, code, django_capture_on_commit_callbacks):
    enter(client, code)
    client.post(reverse("portal:new-ticket", args=[code.token]), {"title": "Ohne Mail", "field-area": "Halle A"})
    ticket = Ticket.objects.get(title="Ohne Mail")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_cancel(UserFactory(role=Role.MODERATOR), ticket)
    assert mail.outbox == []


def test_code_users_open_the_photos_of_the_service_log_only(client, code):
    staff = UserFactory()
    ticket = make_ticket(Status.IN_PROGRESS, access_code=code, assignees=[staff])
    public = services.update_post(staff, ticket, text="Foto vom Teil", attachments=[SimpleUploadedFile("teil.png", PNG)])
    internal = services.update_post(staff, ticket, text="Rechnung", internal=True,
                                    attachments=[SimpleUploadedFile("rechnung.pdf", b"%PDF-1.4\n")])
    foreign_ticket = make_ticket(Status.IN_PROGRESS, access_code=AccessCodeFactory(template=code.template), assignees=[staff])
    foreign = services.update_post(staff, foreign_ticket, text="Fremd", attachments=[SimpleUploadedFile("fremd.png", PNG)])
    photo, invoice, foreign_photo = (u.attachments.get() for u in (public, internal, foreign))

    def url(attachment, number=ticket.number):
        return reverse("portal:attachment", args=[code.token, number, attachment.pk])

    assert Client().get(url(photo)).status_code == 404  # no code session on this device
    enter(client, code)
    page = client.get(reverse("portal:ticket", args=[code.token, ticket.number])).content.decode()
    assert f'href="{url(photo)}"' in page and "rechnung.pdf" not in page
    response = client.get(url(photo))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PNG
    for attempt in (url(invoice), url(foreign_photo), url(foreign_photo, foreign_ticket.number)):
        response = client.get(attempt)  # an internal update's file, another code's, guessed ids
        assert response.status_code == 404 and "Das haben wir nicht gefunden" in response.content.decode()


def test_a_status_change_goes_through_when_the_mail_server_is_down(client, code, settings, django_capture_on_commit_callbacks, caplog):
    import socket

    from common.models import OutgoingEmail

    with socket.socket() as probe:  # a port on this machine that nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", closed_port, 2
    enter(client, code, email="petra@example.org")
    client.post(reverse("portal:new-ticket", args=[code.token]), {"title": "Ohne Mailserver", "field-area": "Halle A"})
    ticket = Ticket.objects.get(title="Ohne Mailserver")
    moderator = UserFactory(role=Role.MODERATOR)
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_cancel(moderator, ticket)
    assert Ticket.objects.get(pk=ticket.pk).status == Status.CANCELLED  # the change stands…
    failures = [r for r in caplog.records if r.levelname == "ERROR" and r.name == "common.outbox"]
    assert [r.getMessage().endswith("could not be sent; it stays unsent in the outbox") for r in failures] == [True]
    # …the failed e-mail (after commit) is logged for the operators and waits in the outbox
    assert list(OutgoingEmail.objects.filter(to="petra@example.org").values_list("sent_at", flat=True)) == [None]
    page = client.get(reverse("portal:ticket", args=[code.token, ticket.number])).content.decode()
    assert "Abgebrochen" in page


def test_the_code_pages_archive_shows_ratings_and_pages_through_old_tickets(client, code, monkeypatch):
    from portal import views as portal_views

    monkeypatch.setattr(portal_views, "ARCHIVE_PAGE_SIZE", 3)
    from tickets import services as feedback

    for i in range(4):
        make_ticket(Status.CANCELLED, access_code=code, title=f"Alt {i}")
    rated = make_ticket(Status.DONE, access_code=code, assignees=[UserFactory()], title="Bewertet")
    petra = enter(client, code)
    feedback.ticket_follow(petra, rated)
    feedback.feedback_submit(petra, rated, stars=4, text="Sehr ordentlich")  # closed last: first in the archive

    first = client.get(code.get_absolute_url()).content.decode()
    assert 'aria-label="4 Sterne"' in first and "„Sehr ordentlich“" in first
    assert first.count('class="ticket-number"') == 3 and 'rel="next"' in first
    second = client.get(code.get_absolute_url(), {"page": 2}).content.decode()
    assert second.count('class="ticket-number"') == 2 and "Bewertet" not in second
    searched = client.get(code.get_absolute_url(), {"q": "Alt", "page": "x"}).content.decode()
    assert "Bewertet" not in searched and searched.count('class="ticket-number"') == 3
    assert '?q=Alt&amp;page=2' in searched  # the search stays on the next page


def test_switching_the_language_on_the_page_switches_the_e_mails_too(client, code, django_capture_on_commit_callbacks):
    petra = enter(client, code, email="petra@example.org", language="de")
    client.post(reverse("portal:new-ticket", args=[code.token]), {"title": "Licht flackert", "field-area": "Halle A"})
    ticket = Ticket.objects.get(title="Licht flackert")
    ticket_url = reverse("portal:ticket", args=[code.token, ticket.number])
    assert f'action="{reverse("portal:language")}"' in client.get(ticket_url).content.decode()  # the portal's own switcher

    response = client.post(reverse("portal:language"), {"language": "en", "next": ticket_url})
    assert response.status_code == 302
    assert '<html lang="en">' in client.get(response["Location"]).content.decode()
    petra.refresh_from_db()
    assert petra.preferred_language == "en"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_cancel(UserFactory(role=Role.MODERATOR), ticket)
    (message,) = mail.outbox
    assert "Cancelled" in message.subject

    assert client.post(reverse("portal:language"), {"language": "xx"}).status_code == 302  # Django ignores it
    petra.refresh_from_db()
    assert petra.preferred_language == "en"
    assert Client().post(reverse("portal:language"), {"language": "de"}).status_code == 302  # no identity: just the cookie
