"""A notice to the code user on every status change: the messenger's system message (see
messenger.services.post_status_notice) and, when they left an e-mail address, an e-mail in their
language, sent by a Celery task after commit so it never blocks or breaks the status change."""

from __future__ import annotations

import logging

from celery import shared_task
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from common import events
from common.links import absolute_url
from portal.sessions import personal_link_token
from tickets.choices import Status, Visibility
from tickets.models import CodeUser, Ticket

logger = logging.getLogger(__name__)


def email_code_user_on_status_change(event: events.DomainEvent) -> None:
    """Subscriber (after commit): queue the e-mail for the code user who opened the ticket."""
    if event.internal or "to" not in event.payload:
        return
    ticket = Ticket.objects.select_related("created_by_code_user").filter(pk=event.ticket_id).first()
    if ticket is None or ticket.visibility != Visibility.PUBLIC or ticket.created_by_code_user is None:
        return
    if not ticket.created_by_code_user.email:
        return
    send_status_email.delay(ticket.pk, ticket.created_by_code_user_id, event.payload["from"], event.payload["to"])


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_status_email(ticket_id: int, code_user_id: int, source: str, target: str) -> None:
    ticket = Ticket.objects.select_related("template", "access_code").filter(pk=ticket_id).first()
    code_user = CodeUser.objects.filter(pk=code_user_id).first()
    if ticket is None or code_user is None or not code_user.email:
        return
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
    send_mail(subject, text, None, [code_user.email], html_message=html)
