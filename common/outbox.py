"""The e-mail outbox: every e-mail a change owes someone is a database row first, sent afterwards.

Why a row and not only a Celery message: the broker is Redis, and Redis may be away (the request
that changed the ticket must still succeed, and the e-mail must still go out once Redis is back),
and a worker may die in the middle of a send (the e-mail must then go out once, not never and not
twice). So:

- :func:`queue_email` stores the e-mail (once per ``key``: queuing it again changes nothing) and,
  after commit, prompts a worker with :func:`send_email` (``common.broker.prompt``: a broker
  that does not answer is logged, not raised, and costs the request next to nothing: the row waits).
- :func:`send_email` locks the row, sends, and marks it sent, all in one transaction. A second
  worker given the same row (a redelivered message, the sweep) waits for the lock and then finds
  it sent. A worker killed before the transaction commits leaves the row unsent (the database
  rolls back), and the message comes back to a worker (``acks_late``, ``reject_on_worker_lost``)
  or the sweep sends it. Only a kill in the instant between the mail server's "250 OK" and the
  commit can send twice; nothing can close that window without the mail server's help.
- :func:`send_pending_emails` (Celery beat, every minute) sends every row still unsent after
  ``min_age_seconds``: the backstop for prompts lost with the broker.
- :func:`purge_sent_emails` (Celery beat, daily) deletes what was sent more than
  ``OUTBOX_KEEP_DAYS`` ago: the outbox holds what is owed and a recent trail, not every e-mail
  ever sent (their texts are about tickets and people). Unsent rows are never deleted.

With tasks in-process (no REDIS_URL) the prompt runs right away after commit, as before.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import current_app, shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from common import broker
from common.models import OutgoingEmail

logger = logging.getLogger(__name__)

SEND_TASK = "common.outbox.send_email"


def queue_email(*, key: str, to: str, subject: str, text: str, html: str = "", headers: dict | None = None) -> OutgoingEmail:
    """Store the e-mail (or find the one already stored under ``key``) and have it sent after commit."""
    email, created = OutgoingEmail.objects.get_or_create(
        key=key[:200], defaults={"to": to, "subject": subject, "text": text, "html": html, "headers": headers or {}},
    )
    if created:
        transaction.on_commit(lambda: _prompt(email.pk))
    return email


def _prompt(email_id: int) -> None:
    if current_app.conf.task_always_eager:  # in-process: now, and a failure is only logged
        try:
            send_email(email_id)
        except OSError:
            logger.exception("e-mail %s could not be sent; it stays unsent in the outbox", email_id)
        return
    broker.prompt(SEND_TASK, (email_id,), what=f"the sweep sends e-mail {email_id}")


@shared_task(name=SEND_TASK, acks_late=True, reject_on_worker_lost=True, ignore_result=True,
             autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_email(email_id: int) -> bool:
    """Send one stored e-mail unless it was sent already; True if this call sent it."""
    with transaction.atomic():
        email = OutgoingEmail.objects.select_for_update().filter(pk=email_id, sent_at__isnull=True).first()
        if email is None:
            return False  # sent already (a redelivered prompt, the sweep), or gone
        message = EmailMultiAlternatives(email.subject, email.text, None, [email.to], headers=email.headers or None)
        if email.html:
            message.attach_alternative(email.html, "text/html")
        message.send()
        email.sent_at = timezone.now()
        email.save(update_fields=["sent_at"])
    return True


@shared_task(ignore_result=True)
def send_pending_emails(min_age_seconds: float = 60.0) -> int:
    """Celery beat (every minute): whatever is still unsent after ``min_age_seconds`` (a prompt
    lost while the broker was away, a worker that died). Returns how many this call sent."""
    cutoff = timezone.now() - timedelta(seconds=min_age_seconds)
    pending = OutgoingEmail.objects.filter(sent_at__isnull=True, created_at__lte=cutoff).order_by("pk")
    sent = 0
    for email_id in pending.values_list("pk", flat=True)[:500]:
        try:
            sent += send_email(email_id)
        except OSError as error:  # the mail server: the next sweep tries again
            logger.warning("e-mail %s not sent (%s): the next sweep tries again", email_id, error)
    return sent


@shared_task
def purge_sent_emails(keep_days: int | None = None) -> int:
    """Celery beat (daily): delete the e-mails sent more than ``keep_days`` (``OUTBOX_KEEP_DAYS``)
    ago; returns how many. A key queued again after that would be sent again: keys name one
    change (a status change, a notification), which is never queued again weeks later."""
    keep_days = settings.OUTBOX_KEEP_DAYS if keep_days is None else keep_days
    cutoff = timezone.now() - timedelta(days=keep_days)
    deleted, _per_model = OutgoingEmail.objects.filter(sent_at__isnull=False, sent_at__lt=cutoff).delete()
    return deleted
