"""Webhooks: the endpoints administrators manage, and the deliveries the domain events make.

Doors (the settings pages, the REST API) call these; every rule is here. The flow of one message:

1. ``queue_deliveries`` (subscribed to the catalogue events that make a webhook type,
   ``config/subscriptions.py``) runs after commit: it builds the body once
   (``webhooks.catalogue.body_for``) and stores one ``Delivery`` per active endpoint that
   subscribed to the type (internal events only for endpoints with ``include_internal``).
2. It hands the deliveries on without waiting for them: with a worker, the Celery task
   ``webhooks.tasks.deliver`` per delivery (sent by name, ``send_task``: the tasks module sits above
   the services, and no retry while the broker is away, like the portal's digest); with tasks
   in-process (the embedded mode, tests) to the daemon thread of ``webhooks.background``, because
   an eager task would send inside the request. Whatever is lost on the way is still stored:
   ``send_due`` (Celery beat every minute, ``webhooks.tasks.deliver_due``) sends what is due.
3. ``attempt_delivery`` claims a due delivery (moves ``next_attempt_at`` forward in one UPDATE, so
   two senders never send it at once), signs and posts it outside any transaction, and logs the
   ``Attempt``. A failure schedules the next try (exponential backoff with full jitter) until the
   retry window closes (then it is given up); an endpoint that has failed without a success for
   the whole window is switched off and the administrators are notified.
"""

from __future__ import annotations

import json
import logging
import random
from datetime import datetime, timedelta

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common import broker
from common.errors import InvalidInput, PermissionDenied, WrongState
from common.events import DomainEvent
from fleet.models import NotificationKind
from fleet.services import notify
from webhooks import catalogue, sending
from webhooks import selectors
from webhooks.background import InProcessSender
from webhooks.models import Attempt, Delivery, DeliveryState, Endpoint

logger = logging.getLogger(__name__)

DELIVER_TASK = "webhooks.tasks.deliver"
EDITABLE = ("url", "description", "event_types", "include_internal")


def _window() -> timedelta:
    return timedelta(hours=settings.WEBHOOK_RETRY_WINDOW_HOURS)


def _require_https() -> bool:
    return bool(settings.PRODUCTION and not settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS)


def _require_manager(actor) -> None:
    if not selectors.may_manage(actor):
        raise PermissionDenied(_("Only administrators manage webhooks."))


# --- endpoints -----------------------------------------------------------------------------------


def _url_errors(url) -> list[str]:
    if not isinstance(url, str) or not url.strip():
        return [_("Enter the URL that receives the webhooks.")]
    url = url.strip()
    if len(url) > Endpoint._meta.get_field("url").max_length:
        return [_("The URL is too long.")]
    try:
        _scheme, host, port = sending.check_url_form(url, require_https=_require_https())
        try:
            addresses = sending.resolve(host, port)
        except sending.RefusedAddress:
            return []  # not resolvable now; checked again before every attempt
        sending.check_addresses(host, addresses, allow_private=settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS)
    except sending.RefusedAddress as error:
        return [str(error)]
    return []


def _clean(fields: dict) -> dict:
    """The fields as stored, or InvalidInput naming each bad one."""
    errors: dict[str, list[str]] = {}
    cleaned = {}
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        errors["__all__"] = [_("These fields cannot be changed: %(names)s.") % {"names": ", ".join(sorted(unknown))}]
    if "url" in fields:
        url_errors = _url_errors(fields["url"])
        if url_errors:
            errors["url"] = url_errors
        else:
            cleaned["url"] = fields["url"].strip()
    if "description" in fields:
        description = fields["description"] if fields["description"] is not None else ""
        if not isinstance(description, str):
            errors["description"] = [_("Enter a text.")]
        elif len(description.strip()) > 200:
            errors["description"] = [_("At most 200 characters.")]
        else:
            cleaned["description"] = description.replace("\x00", "").strip()
    if "event_types" in fields:
        types = fields["event_types"]
        if isinstance(types, str) or not isinstance(types, (list, tuple, set)):
            errors["event_types"] = [_("Choose the event types as a list.")]
        else:
            unknown_types = [str(name) for name in types if name not in catalogue.TYPES]
            if unknown_types:
                errors["event_types"] = [
                    _("Unknown event types: %(names)s.") % {"names": ", ".join(sorted(unknown_types))}
                ]
            elif not types:
                errors["event_types"] = [_("Choose at least one event type.")]
            else:
                cleaned["event_types"] = [name for name in catalogue.TYPES if name in set(types)]
    if "include_internal" in fields:
        if not isinstance(fields["include_internal"], bool):
            errors["include_internal"] = [_("Choose yes or no.")]
        else:
            cleaned["include_internal"] = fields["include_internal"]
    if errors:
        raise InvalidInput(_("Please correct the marked fields."), errors=errors)
    return cleaned


@transaction.atomic
def endpoint_create(actor, *, url: str, description: str = "", event_types, include_internal: bool = False,
                    now: datetime | None = None) -> tuple[Endpoint, str]:
    """A new active endpoint and its secret (shown to the administrator this once)."""
    _require_manager(actor)
    cleaned = _clean({"url": url, "description": description, "event_types": event_types,
                      "include_internal": include_internal})
    secret = sending.new_secret()
    endpoint = Endpoint.objects.create(**cleaned, secret=secret, created_by=actor, created_at=now or timezone.now())
    _subscriptions_changed()
    return endpoint, secret


@transaction.atomic
def endpoint_update(actor, endpoint: Endpoint, **fields) -> Endpoint:
    _require_manager(actor)
    cleaned = _clean(fields)
    endpoint = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
    for name, value in cleaned.items():
        setattr(endpoint, name, value)
    endpoint.save(update_fields=[*cleaned, "updated_at"])
    _subscriptions_changed()
    return endpoint


@transaction.atomic
def endpoint_set_active(actor, endpoint: Endpoint, active: bool) -> Endpoint:
    """Switch on or off. Switched on again, it starts afresh: no failures counted, no reason."""
    _require_manager(actor)
    endpoint = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
    endpoint.is_active = bool(active)
    if active:
        endpoint.failing_since = None
        endpoint.disabled_reason = ""
        endpoint.disabled_at = None
    else:
        endpoint.disabled_reason = _("Switched off by %(name)s.") % {"name": actor.display_name}
        endpoint.disabled_at = timezone.now()
    endpoint.save(update_fields=["is_active", "failing_since", "disabled_reason", "disabled_at", "updated_at"])
    _subscriptions_changed()
    return endpoint


@transaction.atomic
def endpoint_rotate_secret(actor, endpoint: Endpoint) -> tuple[Endpoint, str]:
    """A new secret (shown this once); every later attempt, retries included, is signed with it."""
    _require_manager(actor)
    endpoint = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
    endpoint.secret = sending.new_secret()
    endpoint.save(update_fields=["secret", "updated_at"])
    return endpoint, endpoint.secret


@transaction.atomic
def endpoint_delete(actor, endpoint: Endpoint) -> None:
    """The endpoint with its deliveries and their log."""
    _require_manager(actor)
    Endpoint.objects.filter(pk=endpoint.pk).delete()
    _subscriptions_changed()


def _subscriptions_changed() -> None:
    """An endpoint was created, changed, switched or deleted: the cached subscriptions are
    forgotten once this commits (``selectors.SUBSCRIPTIONS``)."""
    transaction.on_commit(selectors.SUBSCRIPTIONS.forget)


# --- deliveries ---------------------------------------------------------------------------------------


def _new_delivery(endpoint: Endpoint, body: dict, now: datetime) -> Delivery:
    return Delivery(
        endpoint=endpoint, message_id=sending.new_message_id(), type=body["type"],
        body=json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        state=DeliveryState.PENDING, next_attempt_at=now, retry_until=now + _window(), created_at=now,
    )


def wants(event_types, include_internal: bool, webhook_type: str, *, internal: bool) -> bool:
    """Whether an endpoint subscribed to these types takes an event of ``webhook_type``."""
    return webhook_type in event_types and (include_internal or not internal)


def queue_deliveries(event: DomainEvent, *, now: datetime | None = None) -> list[Delivery]:
    """Subscriber: one delivery per active endpoint that wants this event's webhook type; sent
    without the caller waiting (see the module's docstring)."""
    webhook_type = catalogue.type_for(event.name)
    if webhook_type is None:
        return []
    takers = [pk for pk, types, internal_too in selectors.subscriptions()
              if wants(types, internal_too, webhook_type, internal=event.internal)]
    targets = selectors.active_endpoints(takers) if takers else []
    if not targets:
        return []
    body = catalogue.body_for(event)
    if body is None:
        return []
    now = now or timezone.now()
    deliveries = Delivery.objects.bulk_create([_new_delivery(endpoint, body, now) for endpoint in targets])
    if not all(delivery.pk for delivery in deliveries):  # backends that return no ids from bulk_create
        deliveries = list(Delivery.objects.filter(message_id__in=[d.message_id for d in deliveries]))
    hand_off([delivery.pk for delivery in deliveries])
    return deliveries


@transaction.atomic
def delivery_resend(actor, delivery: Delivery, *, now: datetime | None = None) -> Delivery:
    """Send the same message again: the same ``webhook-id`` and body (Standard Webhooks: one id per
    message, so a receiver that already has it can drop the copy), as further attempts in the same
    log, with a fresh retry window. Not while it is still being retried."""
    _require_manager(actor)
    now = now or timezone.now()
    delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
    if delivery.state in (DeliveryState.PENDING, DeliveryState.FAILED):
        raise WrongState(_("This delivery is still being tried; it cannot be resent now."))
    delivery.state = DeliveryState.PENDING
    delivery.next_attempt_at = now
    delivery.retry_until = now + _window()
    delivery.save(update_fields=["state", "next_attempt_at", "retry_until"])
    transaction.on_commit(lambda: hand_off([delivery.pk]))
    return delivery


@transaction.atomic
def endpoint_send_test(actor, endpoint: Endpoint, *, now: datetime | None = None) -> Delivery:
    """A ``webhook.test`` message to this endpoint (also while it is switched off: it shows in the
    log; switched off, it is sent once it is switched on again)."""
    _require_manager(actor)
    now = now or timezone.now()
    delivery = _new_delivery(endpoint, catalogue.test_body(endpoint, now=now), now)
    delivery.save()
    transaction.on_commit(lambda: hand_off([delivery.pk]))
    return delivery


# --- sending ------------------------------------------------------------------------------------


def _tasks_in_process() -> bool:
    return bool(current_app.conf.task_always_eager)


def send_due(*, now: datetime | None = None) -> int:
    """Try every due delivery now, one after the other (the sweep; returns how many were tried)."""
    tried = 0
    for delivery_id in selectors.due_delivery_ids(now or timezone.now()):
        if attempt_delivery(delivery_id, now=now) is not None:
            tried += 1
    return tried


def _sweep_in_process() -> None:
    if settings.WEBHOOK_SEND_IN_PROCESS and _tasks_in_process():
        send_due()


_in_process = InProcessSender(
    send=lambda delivery_id: attempt_delivery(delivery_id),
    sweep=_sweep_in_process,
    sweep_seconds=lambda: settings.WEBHOOK_SWEEP_SECONDS,
)


def hand_off(delivery_ids: list[int]) -> None:
    """Get the deliveries sent without waiting for them (see the module's docstring)."""
    if not delivery_ids:
        return
    if _tasks_in_process():
        if settings.WEBHOOK_SEND_IN_PROCESS:
            _in_process.submit(delivery_ids)
        return
    for delivery_id in delivery_ids:
        broker.prompt(DELIVER_TASK, (delivery_id,), what=f"the sweep sends webhook delivery {delivery_id}")


def backoff_seconds(attempt_number: int) -> float:
    """Full jitter: a pause between 0 and base·2^(n−1), capped."""
    ceiling = min(settings.WEBHOOK_RETRY_MAX_SECONDS, settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** (attempt_number - 1))
    return random.uniform(0, ceiling)


def _claim(delivery_id: int, now: datetime) -> bool:
    lease = now + timedelta(seconds=settings.WEBHOOK_TIMEOUT_SECONDS + 60)
    return bool(
        Delivery.objects.filter(
            pk=delivery_id, state__in=[DeliveryState.PENDING, DeliveryState.FAILED], next_attempt_at__lte=now,
            endpoint__is_active=True,
        ).update(next_attempt_at=lease)
    )


def attempt_delivery(delivery_id: int, *, now: datetime | None = None) -> Delivery | None:
    """One attempt of a due delivery, logged; None if it was not due (or another sender has it)."""
    now = now or timezone.now()
    if not _claim(delivery_id, now):
        return None
    delivery = Delivery.objects.select_related("endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    if now > delivery.retry_until:  # e.g. its endpoint was switched off meanwhile
        Delivery.objects.filter(pk=delivery.pk).update(state=DeliveryState.GIVEN_UP, next_attempt_at=None)
        delivery.refresh_from_db()
        return delivery
    outcome = sending.post(
        endpoint.url, body=delivery.body,
        headers=sending.sign(endpoint.secret, delivery.message_id, now, delivery.body),
        allow_private=settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS, require_https=_require_https(),
        timeout=settings.WEBHOOK_TIMEOUT_SECONDS, excerpt_length=Attempt.EXCERPT_LENGTH,
    )
    return _record(delivery, outcome, now)


@transaction.atomic
def _record(delivery: Delivery, outcome: sending.Outcome, now: datetime) -> Delivery:
    delivery = Delivery.objects.select_for_update().select_related("endpoint").get(pk=delivery.pk)
    number = delivery.attempt_count + 1
    Attempt.objects.create(
        delivery=delivery, number=number, started_at=now, status_code=outcome.status_code,
        duration_ms=outcome.duration_ms, succeeded=outcome.succeeded, error=outcome.error[:2000],
        response_excerpt=outcome.response_excerpt[: Attempt.EXCERPT_LENGTH],
    )
    delivery.attempt_count = number
    endpoints = Endpoint.objects.filter(pk=delivery.endpoint_id)
    if outcome.succeeded:
        delivery.state, delivery.next_attempt_at = DeliveryState.SUCCEEDED, None
        endpoints.update(failing_since=None)
    else:
        retry_at = now + timedelta(seconds=backoff_seconds(number))
        endpoints.filter(failing_since__isnull=True).update(failing_since=now)
        if retry_at > delivery.retry_until:
            delivery.state, delivery.next_attempt_at = DeliveryState.GIVEN_UP, None
            # Its whole window failed: if nothing succeeded since the window began, the endpoint
            # has failed for the window's length.
            _switch_off_if_failing_since(delivery.endpoint_id, delivery.retry_until - _window(), now)
        else:
            delivery.state, delivery.next_attempt_at = DeliveryState.FAILED, retry_at
            _switch_off_if_failing_since(delivery.endpoint_id, now - _window(), now)
    delivery.save(update_fields=["attempt_count", "state", "next_attempt_at"])
    return delivery


def _switch_off_if_failing_since(endpoint_id: int, threshold: datetime, now: datetime) -> None:
    """Switch the endpoint off if it has been failing since ``threshold`` or longer (without any
    success between); the administrators are notified once, in-app and by e-mail."""
    switched = Endpoint.objects.filter(
        pk=endpoint_id, is_active=True, failing_since__lte=threshold
    ).update(
        is_active=False, disabled_at=now,
        disabled_reason=_("Every delivery failed for %(hours)s hours.") % {"hours": f"{settings.WEBHOOK_RETRY_WINDOW_HOURS:g}"},
    )
    if switched:
        _subscriptions_changed()
        endpoint = Endpoint.objects.get(pk=endpoint_id)
        logger.warning("webhook endpoint %s (%s) switched off: failing since %s", endpoint.pk, endpoint.url,
                       endpoint.failing_since)
        for admin in selectors.administrators():
            notify(admin, NotificationKind.WEBHOOK_SWITCHED_OFF, detail=endpoint.url[:300], email=True)
