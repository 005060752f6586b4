"""Celery tasks of the tickets app (scheduled in config/settings.py, CELERY_BEAT_SCHEDULE)."""

from celery import shared_task
from django.conf import settings
from django.utils import translation

from tickets import services


@shared_task
def autoclose_done_tickets() -> int:
    """Close tickets left in Fertig without feedback for FEEDBACK_AUTOCLOSE_DAYS days."""
    # The history's reason is worded in the site's language (no request, no user here).
    with translation.override(settings.LANGUAGE_CODE):
        return services.tickets_autoclose()
