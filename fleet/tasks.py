"""Scheduled jobs of the fleet (Celery beat, ``CELERY_BEAT_SCHEDULE`` in config/settings.py)."""

from celery import shared_task

from fleet import services


@shared_task
def expire_offers() -> int:
    return services.offers_expire()
