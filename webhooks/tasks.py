"""Celery tasks that send webhooks (with a worker; in-process see webhooks.background)."""

from __future__ import annotations

from datetime import datetime

from celery import shared_task
from django.utils import timezone

from webhooks import selectors, services
from webhooks.models import DeliveryState


@shared_task(name=services.DELIVER_TASK, ignore_result=True)
def deliver(delivery_id: int) -> None:
    """One attempt; a failure schedules the next one at its time (the beat's sweep is the
    backstop for a task that is lost on the way)."""
    delivery = services.attempt_delivery(delivery_id)
    if delivery is not None and delivery.state == DeliveryState.FAILED and not deliver.app.conf.task_always_eager:
        try:
            deliver.apply_async((delivery_id,), eta=delivery.next_attempt_at, retry=False)
        except Exception:  # noqa: BLE001 - the sweep sends it
            pass


@shared_task(ignore_result=True)
def deliver_due(now: datetime | None = None) -> int:
    """Celery beat, every minute: whatever is due (retries, deliveries whose task was lost)."""
    if deliver.app.conf.task_always_eager:
        return services.send_due(now=now)
    ids = selectors.due_delivery_ids(now or timezone.now())
    for delivery_id in ids:
        deliver.apply_async((delivery_id,), retry=False)
    return len(ids)
