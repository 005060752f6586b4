"""Customers are told what happens (the ticket bot: "Der User wird per DM über den aktuellen Status
benachrichtigt"): code users who take part in a ticket get one e-mail per ticket and interval when
staff answer while they are away; only they rate the finished work."""

import email as email_lib
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from common.errors import PermissionDenied
from messenger import services as messenger_services
from portal import sessions as code_sessions
from portal.emails import send_due_customer_emails
from tests.factories import AccessCodeFactory, CodeUserFactory, TicketTemplateFactory, UserFactory, make_ticket
from tests.messenger.conftest import session_cookie_for_code_user
from tickets import selectors as ticket_selectors
from tickets import services
from tickets.choices import Status
from tickets.models import ParticipationKind, TicketParticipant

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(settings):
    settings.CUSTOMER_EMAIL_GRACE_SECONDS = 0
    settings.CUSTOMER_EMAIL_INTERVAL_SECONDS = 600
    code = AccessCodeFactory(label="Presse 7", template=TicketTemplateFactory(asks_feedback=True))
    petra = CodeUserFactory(access_code=code, display_name="Petra Huber", email="petra@example.org")
    karl = CodeUserFactory(access_code=code, display_name="Karl Meier", email="karl@example.org")
    mia = UserFactory(first_name="Mia", last_name="Schneider")
    ticket = make_ticket(Status.IN_PROGRESS, code_user=petra, assignees=[mia])
    return {"code": code, "petra": petra, "karl": karl, "mia": mia, "ticket": ticket}


def _answer(mia, ticket, text, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        messenger_services.message_post(mia, ticket, text=text)


def _due_now(participant):
    """Let the interval pass: the pending digest is due now."""
    TicketParticipant.objects.filter(pk=participant.pk).update(email_due_at=timezone.now() - timedelta(seconds=1))


def test_who_takes_part(world, django_capture_on_commit_callbacks):
    ticket, petra, karl = world["ticket"], world["petra"], world["karl"]
    assert [(p.code_user, p.kind) for p in TicketParticipant.objects.filter(ticket=ticket)] == [
        (petra, ParticipationKind.OPENED)
    ]
    messenger_services.message_post(karl, ticket, text="Bei mir auch")
    follower = CodeUserFactory(access_code=world["code"], display_name="Olga Frei")
    response = Client().get(reverse("portal:link", args=[code_sessions.personal_link_token(follower, ticket)]))
    assert response.status_code == 302
    services.update_post(world["mia"], ticket, text="Teil bestellt")  # staff are no participants
    services.participate(petra, ticket, ParticipationKind.WROTE, fetch=False)  # the first way stays
    services.participate(karl, ticket, ParticipationKind.WROTE, fetch=False)
    assert sorted((p.code_user.display_name, p.kind) for p in TicketParticipant.objects.filter(ticket=ticket)) == [
        ("Karl Meier", ParticipationKind.WROTE), ("Olga Frei", ParticipationKind.FOLLOWED),
        ("Petra Huber", ParticipationKind.OPENED),
    ]


def test_only_customers_who_took_part_rate(world, django_capture_on_commit_callbacks):
    ticket, petra, karl = world["ticket"], world["petra"], world["karl"]
    ticket = services.ticket_finish(world["mia"], ticket)
    with pytest.raises(PermissionDenied, match="Bewerten können nur Kunden, die dieses Ticket gemeldet"):
        services.feedback_submit(karl, ticket, stars=2)
    with pytest.raises(PermissionDenied):
        services.feedback_problem_persists(karl, ticket, text="Geht nicht")
    client = Client()
    client.cookies["sessionid"] = session_cookie_for_code_user(karl)
    with translation.override("de"):
        page = client.get(reverse("portal:ticket", args=[world["code"].token, ticket.number])).content.decode()
    assert "Die Kunden, die dieses Ticket gemeldet oder darin geschrieben haben, bewerten die Arbeit." in page
    assert reverse("portal:feedback", args=[world["code"].token, ticket.number]) not in page
    ticket.refresh_from_db()
    assert ticket.status == Status.DONE
    services.feedback_submit(petra, ticket, stars=5)
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED


def test_a_staff_answer_reaches_the_customer_once_per_interval(world, django_capture_on_commit_callbacks):
    ticket, petra, mia = world["ticket"], world["petra"], world["mia"]
    mail.outbox.clear()
    _answer(mia, ticket, "Wir kommen morgen um 9 Uhr.", django_capture_on_commit_callbacks)
    assert [m.to for m in mail.outbox] == [["petra@example.org"]]  # Karl did not take part
    first = mail.outbox[0]
    assert first.subject == f"[Leitstand] Mia Schneider hat auf Ihr Ticket {ticket.number} geantwortet"
    assert "Hallo Petra Huber," in first.body
    assert "Mia Schneider:\nWir kommen morgen um 9 Uhr." in first.body
    participant = TicketParticipant.objects.get(ticket=ticket, code_user=petra)
    unsubscribe = reverse("portal:unsubscribe", args=[code_sessions.unsubscribe_token(participant)])
    assert unsubscribe in first.body and first.extra_headers["List-Unsubscribe"].endswith(f"{unsubscribe}>")
    link = re.search(r"/c/t/([A-Za-z0-9_:.\-]+)/", first.body).group(1)  # dated: made when the e-mail was
    assert code_sessions.resolve_personal_link(link) == (petra, ticket)
    assert first.alternatives[0][1] == "text/html"

    # Two more within ten minutes: no e-mail now, one with both when the interval has passed.
    _answer(mia, ticket, "Bitte Strom abschalten.", django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        services.update_post(mia, ticket, text="Ersatzteil ist unterwegs.")
        services.update_post(mia, ticket, text="Nur für uns.", internal=True)
    assert len(mail.outbox) == 1
    assert send_due_customer_emails() == 0  # not due yet
    _due_now(participant)
    assert send_due_customer_emails() == 1
    second = mail.outbox[1]
    body = second.body
    assert body.index("Bitte Strom abschalten.") < body.index("Ersatzteil ist unterwegs.")
    assert "Mia Schneider (Serviceprotokoll):\nErsatzteil ist unterwegs." in body
    assert "Wir kommen morgen" not in body and "Nur für uns." not in body
    assert send_due_customer_emails() == 0


def test_with_a_digest_pending_a_further_answer_looks_no_further(world, django_capture_on_commit_callbacks):
    """Whom a staff answer may e-mail: those with an address, subscribed, and no digest pending (a
    pending one carries the answer too); so a busy chat asks once per interval, not per message."""
    ticket, petra, mia = world["ticket"], world["petra"], world["mia"]
    participant = TicketParticipant.objects.get(ticket=ticket, code_user=petra)
    assert ticket_selectors.participants_to_email(ticket.pk) == [participant.pk]
    _answer(mia, ticket, "Wir kommen morgen um 9 Uhr.", django_capture_on_commit_callbacks)  # sent at once
    _answer(mia, ticket, "Bitte Strom abschalten.", django_capture_on_commit_callbacks)  # due after the interval
    participant.refresh_from_db()
    assert participant.email_due_at is not None
    assert ticket_selectors.participants_to_email(ticket.pk) == []
    _due_now(participant)
    assert send_due_customer_emails() == 1
    assert ticket_selectors.participants_to_email(ticket.pk) == [participant.pk]


def test_nothing_goes_out_for_what_the_customer_read_on_the_page(world, settings, django_capture_on_commit_callbacks):
    settings.CUSTOMER_EMAIL_GRACE_SECONDS = 60
    ticket, petra, mia = world["ticket"], world["petra"], world["mia"]
    mail.outbox.clear()
    message, _created = messenger_services.message_post(mia, ticket, text="Sind Sie vor Ort?")
    with django_capture_on_commit_callbacks(execute=True):
        pass
    participant = TicketParticipant.objects.get(ticket=ticket, code_user=petra)
    messenger_services.mark_read(petra, ticket, message.pk)  # the page marked it read
    TicketParticipant.objects.filter(pk=participant.pk).update(email_due_at=timezone.now() - timedelta(seconds=1))
    assert send_due_customer_emails() == 0
    assert mail.outbox == []


def test_the_customers_own_words_and_system_notices_send_nothing(world, django_capture_on_commit_callbacks):
    ticket, petra = world["ticket"], world["petra"]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        messenger_services.message_post(petra, ticket, text="Danke!")
        services.update_post(petra, ticket, text="Foto folgt")
        messenger_services.system_message_post(ticket, text="x", data={"event": "status", "from": "assigned", "to": "in_progress"})
    assert mail.outbox == []


def test_unsubscribing_stops_the_e_mails_for_that_ticket(world, django_capture_on_commit_callbacks):
    ticket, petra, mia = world["ticket"], world["petra"], world["mia"]
    participant = TicketParticipant.objects.get(ticket=ticket, code_user=petra)
    url = reverse("portal:unsubscribe", args=[code_sessions.unsubscribe_token(participant)])
    client = Client(enforce_csrf_checks=True)
    page = client.get(url)
    assert page.status_code == 200
    assert "Keine E-Mails mehr zu diesem Ticket" in page.content.decode()
    participant.refresh_from_db()
    assert participant.unsubscribed_at is None  # a GET (a mail scanner) changes nothing
    assert client.post(url).status_code == 200  # the one-click POST of mail programs, no session
    participant.refresh_from_db()
    assert participant.unsubscribed_at is not None
    mail.outbox.clear()
    _answer(mia, ticket, "Noch Fragen?", django_capture_on_commit_callbacks)
    assert mail.outbox == []
    assert Client().get(url[:-3] + "xx/").status_code == 404


def test_the_digest_is_in_the_customers_language(world, django_capture_on_commit_callbacks):
    petra = world["petra"]
    petra.preferred_language = "en"
    petra.save()
    mail.outbox.clear()
    _answer(world["mia"], world["ticket"], "See you at 9.", django_capture_on_commit_callbacks)
    assert mail.outbox[0].subject == f"[Leitstand] Mia Schneider answered on your ticket {world['ticket'].number}"
    raw = email_lib.message_from_bytes(mail.outbox[0].message().as_bytes())
    assert raw["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_with_the_broker_away_the_answer_is_stored_and_the_sweep_sends_the_e_mail(world, transactional_db):
    """Redis (the Celery broker) away: a server process stores the staff answer at once (no
    retries holding up the chat), the digest stays due in the database, and the minute's sweep
    sends it. The answer is written by a real process whose REDIS_URL points where nothing listens."""
    import os
    import subprocess
    import sys

    from tests.servers import BASE_DIR, database_url_for_subprocess

    ticket, petra, mia = world["ticket"], world["petra"], world["mia"]
    mail.outbox.clear()
    script = (
        "import django; django.setup()\n"
        "from fleet.models import User\n"
        "from messenger import services\n"
        "from tickets.models import Ticket\n"
        f"services.message_post(User.objects.get(pk={mia.pk}), Ticket.objects.get(pk={ticket.pk}), text='Wir sind gleich da.')\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DATABASE_URL": database_url_for_subprocess(),
           "REDIS_URL": "redis://127.0.0.1:1/0", "CUSTOMER_EMAIL_GRACE_SECONDS": "0", "LOG_LEVEL": "WARNING"}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run([sys.executable, "-c", script], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    participant = TicketParticipant.objects.get(ticket=ticket, code_user=petra)
    assert (
        "broker unavailable (Error 111 connecting to 127.0.0.1:1. Connection refused.): "
        f"the sweep sends participant {participant.pk}'s digest"
    ) in result.stderr
    assert "Traceback" not in result.stderr  # an outage is expected: one line per thing, no traceback
    assert list(ticket.messages.filter(kind="text").values_list("text", flat=True)) == ["Wir sind gleich da."]
    assert mail.outbox == [] and participant.email_due_at is not None
    _due_now(participant)
    assert send_due_customer_emails() == 1
    assert [m.to for m in mail.outbox] == [["petra@example.org"]]
    assert "Mia Schneider:\nWir sind gleich da." in mail.outbox[0].body
