"""E-mail for staff notifications (an offer, an assignment, a forward): a Celery task queued by
``fleet.services.notify`` after commit, so a slow or failing mail server never blocks the change.
Links are absolute (``common.links.absolute_url``: ``PUBLIC_BASE_URL``, or the site's own address)."""

from __future__ import annotations

from celery import shared_task
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation

from common.links import absolute_url
from fleet.models import Notification


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_notification_email(notification_id: int) -> None:
    notification = Notification.objects.select_related("user", "ticket").filter(pk=notification_id).first()
    if notification is None or not notification.user.email:
        return
    with translation.override(notification.user.preferred_language):
        ticket_url = absolute_url(notification.ticket.get_absolute_url()) if notification.ticket_id else ""
        context = {"notification": notification, "user": notification.user, "ticket_url": ticket_url}
        subject = f"[Leitstand] {notification.get_kind_display()}"
        text = render_to_string("email/notification.txt", context)
        html = render_to_string("email/notification.html", context)
    send_mail(subject, text, None, [notification.user.email], html_message=html)
