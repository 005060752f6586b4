"""E-mails to code users, each sent by a Celery task after commit so it never blocks or breaks the
change it reports:

- on every status change, to the opener who left an address (beside the messenger's system
  message, ``messenger.services.post_status_notice``);
- when staff answer in the conversation or the service record, a digest to every participant with
  an address (``TicketParticipant``), batched: at most one per ticket and interval, with an
  unsubscribe link."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from common import broker, events, outbox
from common.links import absolute_url
from messenger import selectors as messenger_selectors
from portal.sessions import personal_link_token, unsubscribe_token
from tickets import selectors as ticket_selectors
from tickets import services as ticket_services
from tickets.choices import Status, Visibility
from tickets.models import Ticket

logger = logging.getLogger(__name__)


def email_code_user_on_status_change(event: events.DomainEvent) -> None:
    """Subscriber (after commit): the e-mail for the code user who opened the ticket, into the
    outbox (``common.outbox``: stored, then sent by a worker; sent once Redis is back if it is
    away now)."""
    if event.internal or "to" not in event.payload:
        return
    ticket = Ticket.objects.select_related("template", "access_code", "created_by_code_user").filter(pk=event.ticket_id).first()
    if ticket is None or ticket.visibility != Visibility.PUBLIC or ticket.created_by_code_user is None:
        return
    code_user = ticket.created_by_code_user
    if not code_user.email:
        return
    source, target = event.payload["from"], event.payload["to"]
    link = absolute_url(reverse("portal:link", args=[personal_link_token(code_user, ticket)]))
    with translation.override(code_user.preferred_language):
        context = {
            "ticket": ticket, "code_user": code_user, "link": link,
            "old_status": Status(source).label, "new_status": Status(target).label,
            "asks_feedback": target == Status.DONE and ticket.template.asks_feedback,
        }
        subject = render_to_string("email/status_subject.txt", context).strip()
        text = render_to_string("email/status.txt", context)
        html = render_to_string("email/status.html", context)
    # One e-mail per status change (the event's moment names it), however often it is queued.
    key = f"status:{ticket.pk}:{event.occurred_at.isoformat()}:{target}"
    outbox.queue_email(key=key, to=code_user.email, subject=subject, text=text, html=html)


# --- staff answered: the participants' e-mail digest ----------------------------------------------------


def queue_customer_emails(event: events.DomainEvent) -> None:
    """Subscriber of "messenger.message_posted" and "ticket.update_posted": staff wrote in the
    conversation or the service record of a public ticket. Every participant with an address gets
    a digest, at most one per ``CUSTOMER_EMAIL_INTERVAL_SECONDS`` and not before
    ``CUSTOMER_EMAIL_GRACE_SECONDS`` (time to read it on the page); one already pending carries
    this answer too."""
    if event.internal or event.actor.get("kind") != "staff":
        return  # internal, or the system's own notices, or the customer's own words
    grace = timedelta(seconds=settings.CUSTOMER_EMAIL_GRACE_SECONDS)
    interval = timedelta(seconds=settings.CUSTOMER_EMAIL_INTERVAL_SECONDS)
    for participant_id in ticket_selectors.participants_to_email(event.ticket_id):
        due = ticket_services.digest_schedule(participant_id, grace=grace, interval=interval)
        if due is not None:
            # The digest is due in the database: with the broker away the minute's sweep sends it.
            broker.prompt(send_customer_digest.name, (participant_id,), eta=due,
                          what=f"the sweep sends participant {participant_id}'s digest")


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_customer_digest(participant_id: int) -> bool:
    """One e-mail with what staff wrote since the customer last saw the ticket (or last got an
    e-mail), in their language, with a link back and a link to stop these e-mails. True if sent.

    Taken, sent and marked sent in one transaction (the participant's row stays locked): a worker
    killed mid-send leaves the digest due (the database rolls back) and the redelivered task or
    the sweep sends it; a second worker waits for the lock and then finds it not due."""
    now = timezone.now()
    with transaction.atomic():
        started = ticket_services.digest_start(participant_id, now=now)
        if started is None:
            return False  # not due yet (the sweep sends it), taken, or unsubscribed
        participant, since = started
        ticket, code_user = participant.ticket, participant.code_user
        messages = messenger_selectors.staff_messages_for_digest(ticket, code_user, since)
        updates = ticket_selectors.staff_public_updates_since(ticket, since)
        items = sorted(
            [{"at": m.created_at, "name": m.author.display_name, "text": m.text, "log": False} for m in messages]
            + [{"at": u.created_at, "name": u.author.display_name, "text": u.text, "log": True} for u in updates],
            key=lambda item: item["at"],
        )
        if not items:
            return False  # they read it all on the page meanwhile
        link = absolute_url(reverse("portal:link", args=[personal_link_token(code_user, ticket)]))
        unsubscribe = absolute_url(reverse("portal:unsubscribe", args=[unsubscribe_token(participant)]))
        with translation.override(code_user.preferred_language), timezone.override(settings.TIME_ZONE):
            context = {"ticket": ticket, "code_user": code_user, "items": items, "link": link, "unsubscribe": unsubscribe}
            subject = render_to_string("email/digest_subject.txt", context).strip()
            text = render_to_string("email/digest.txt", context)
            html = render_to_string("email/digest.html", context)
        message = EmailMultiAlternatives(
            subject, text, None, [code_user.email],
            headers={"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
        )
        message.attach_alternative(html, "text/html")
        message.send()  # OSError: everything above rolls back, the digest stays due, the task retries
        ticket_services.digest_sent(participant_id, at=now)
    return True


@shared_task
def send_due_customer_emails() -> int:
    """Celery beat (every minute) and ``manage.py send_customer_emails``: the digests whose time
    has come (also those a lost worker never sent). Returns how many went out."""
    return sum(1 for pk in ticket_selectors.participants_due(timezone.now()) if send_customer_digest(pk))
