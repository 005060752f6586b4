"""Handing a task to the broker (Redis) from a request, without letting an outage reach the request.

Every task the web processes queue has its work stored in the database first (the e-mail outbox,
a digest's due time, a webhook delivery), and a sweep (Celery beat, every minute) does whatever
is still undone. So the broker message is only a prompt to do it sooner, and a broker that is
away must cost the request as little as possible: kombu gives up after one quick retry
(``CELERY_BROKER_TRANSPORT_OPTIONS``), and after a failure this process does not even try for
``PAUSE_SECONDS`` (one request pays the connection attempt, not every request of the outage).
"""

from __future__ import annotations

import logging
import threading
import time

from celery import current_app

logger = logging.getLogger(__name__)

PAUSE_SECONDS = 10.0

_lock = threading.Lock()
_away_until = 0.0


def prompt(task_name: str, args: tuple = (), *, what: str, **options) -> bool:
    """Queue ``task_name`` (by name, with ``apply_async`` options such as ``eta``); False when the
    broker is away (logged once per pause: ``what`` says what the sweep will do instead)."""
    global _away_until
    if current_app.conf.task_always_eager:  # tasks in-process (no REDIS_URL): run it now
        current_app.tasks[task_name].apply_async(args, **options)
        return True
    if time.monotonic() < _away_until:
        return False
    try:
        current_app.send_task(task_name, args=args, retry=False, **options)
    except Exception as error:  # noqa: BLE001 - kombu's errors vary by transport; the sweep does it
        with _lock:
            _away_until = time.monotonic() + PAUSE_SECONDS
        logger.warning("broker unavailable (%s): %s; no new prompts for %.0f s", error, what, PAUSE_SECONDS)
        return False
    return True


def reset() -> None:
    """Forget an outage seen earlier (tests that point the broker elsewhere and back)."""
    global _away_until
    _away_until = 0.0
