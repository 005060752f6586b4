"""E-mail for staff notifications (an offer, an assignment, a forward): rendered in the member's
language when the notification is made and put into the e-mail outbox (``common.outbox``) in the
same transaction, so a slow or failing mail server (or Redis away) never blocks the change and the
e-mail goes out once. Links are absolute (``common.links.absolute_url``: ``PUBLIC_BASE_URL``, or
the site's own address)."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import translation

from common import outbox
from common.links import absolute_url
from fleet.models import Notification


def queue_notification_email(notification: Notification) -> None:
    """Into the outbox, once per notification (sent after commit)."""
    user = notification.user
    if not user.email:
        return
    with translation.override(user.preferred_language):
        ticket_url = absolute_url(notification.ticket.get_absolute_url()) if notification.ticket_id else ""
        context = {"notification": notification, "user": user, "ticket_url": ticket_url}
        subject = f"[Leitstand] {notification.get_kind_display()}"
        text = render_to_string("email/notification.txt", context)
        html = render_to_string("email/notification.html", context)
    outbox.queue_email(key=f"notification:{notification.pk}", to=user.email, subject=subject, text=text, html=html)
