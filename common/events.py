"""Domain events: the one mechanism through which other parts react to changes.

A service publishes exactly one event per change with :func:`publish_on_commit`; it is handed
to the subscribers only after the surrounding transaction commits (never on rollback). Which
events exist, and their payloads, is the catalogue ``tickets/events.py``. Who subscribes to what,
and in which order, is one list: ``config/subscriptions.py`` (registered by
``config.apps.ConfigConfig.ready``). The subscribers of an event run in the order they were
subscribed, and only those: there is no "every event" wildcard.

A subscriber receives the :class:`DomainEvent`. It must be quick: slow work (e-mail, webhooks)
belongs in a Celery task it enqueues. A failing subscriber is logged and does not stop the others
(the change it reacts to is already committed).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

Subscriber = Callable[["DomainEvent"], None]
_subscribers: dict[str, list[Subscriber]] = defaultdict(list)


@dataclass(frozen=True)
class DomainEvent:
    name: str  # e.g. "ticket.transitioned"
    ticket_id: int | None = None
    ticket_number: str | None = None
    actor: dict[str, Any] = field(default_factory=dict)  # {"kind": "staff"|"code_user"|"system", "id", "name"}
    payload: dict[str, Any] = field(default_factory=dict)
    internal: bool = False  # True: staff only, never shown to code users
    occurred_at: datetime = field(default_factory=timezone.now)


def subscribe(name: str, subscriber: Subscriber) -> None:
    if subscriber not in _subscribers[name]:
        _subscribers[name].append(subscriber)


def unsubscribe(name: str, subscriber: Subscriber) -> None:
    if subscriber in _subscribers[name]:
        _subscribers[name].remove(subscriber)


def dispatch(event: DomainEvent) -> None:
    for subscriber in list(_subscribers[event.name]):
        try:
            subscriber(event)
        except Exception:  # noqa: BLE001 - one subscriber must not break the others
            logger.exception("subscriber %r failed for %s", subscriber, event.name)


def publish_on_commit(event: DomainEvent, *, using: str | None = None) -> DomainEvent:
    transaction.on_commit(lambda: dispatch(event), using=using)
    return event
