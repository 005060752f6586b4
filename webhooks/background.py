"""The in-process sender for the embedded mode (no REDIS_URL: Celery runs tasks eagerly, inside
the request). Sending there would make the action wait for the endpoint, so deliveries are handed
to one daemon thread with a bounded queue instead: the request only stores them and returns.

The thread sends what it is handed, one at a time, and when idle for ``WEBHOOK_SWEEP_SECONDS``
sends what is due (retries; the embedded mode has no Celery beat). A full queue drops nothing
that matters: the deliveries are stored and the sweep sends them. With a worker (REDIS_URL) this
module is not used; ``webhooks.tasks`` sends.
"""

from __future__ import annotations

import logging
import queue
import threading
from typing import Callable

from django.db import connections

logger = logging.getLogger(__name__)


class InProcessSender:
    def __init__(self, *, send: Callable[[int], object], sweep: Callable[[], object],
                 sweep_seconds: Callable[[], float], maxsize: int = 1000):
        self._send = send
        self._sweep = sweep
        self._sweep_seconds = sweep_seconds
        self._queue: queue.Queue[int] = queue.Queue(maxsize=maxsize)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def submit(self, delivery_ids) -> None:
        self._ensure_running()
        for delivery_id in delivery_ids:
            try:
                self._queue.put_nowait(delivery_id)
            except queue.Full:
                logger.warning("webhook sender queue full: delivery %s waits for the sweep", delivery_id)

    def _ensure_running(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="webhook-sender", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                delivery_id = self._queue.get(timeout=max(1.0, self._sweep_seconds()))
            except queue.Empty:
                self._guarded(self._sweep)
                continue
            self._guarded(lambda: self._send(delivery_id))

    @staticmethod
    def _guarded(work) -> None:
        try:
            work()
        except Exception:  # noqa: BLE001 - the thread must outlive one bad delivery
            logger.exception("webhook sender failed")
        finally:
            connections.close_all()  # this thread's connections only
