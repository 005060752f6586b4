"""Celery's autodiscovery looks for ``<app>.tasks``: the outbox's tasks live in common.outbox."""

from common.outbox import send_email, send_pending_emails  # noqa: F401
