"""Deliveries against a real local HTTP receiver: the Standard Webhooks signature, the log, the
retries with backoff and jitter (a controlled clock: ``now=``), giving up, switching off, resend,
and the address check at send time."""

import json
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from common.errors import WrongState
from fleet.models import Notification, NotificationKind
from fleet.roles import Role
from tests.api.conftest import client_with, token_for
from tests.factories import UserFactory, make_ticket
from tickets import services as ticket_services
from tickets.choices import Status
from videosessions import services as video_services
from webhooks import services
from webhooks.models import Attempt, Delivery, DeliveryState, Endpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def endpoint_and_secret(admin, receiver):
    return services.endpoint_create(
        admin, url=receiver.url, description="ERP", event_types=["ticket.status_changed"], include_internal=False
    )


def _finish(actor, ticket, capture):
    with capture(execute=True):
        ticket_services.ticket_transition(actor, ticket, "finish")
    return Delivery.objects.get()


def test_a_delivery_is_signed_per_standard_webhooks_and_logged(
    admin, receiver, endpoint_and_secret, django_capture_on_commit_callbacks
):
    endpoint, secret = endpoint_and_secret
    ticket = make_ticket(Status.IN_PROGRESS)
    delivery = _finish(admin, ticket, django_capture_on_commit_callbacks)
    receiver.answer_with(200, "angekommen")

    delivery = services.attempt_delivery(delivery.pk)

    [request] = receiver.requests
    assert request.path == "/hooks"
    assert request.headers["webhook-id"] == delivery.message_id
    assert re.fullmatch(r"msg_[A-Za-z0-9_-]{24}", delivery.message_id)
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"] == "Leitstand-Webhooks/1"
    assert request.headers["host"] == f"127.0.0.1:{receiver.port}"
    assert request.body == delivery.body
    assert Webhook(secret).verify(request.body, request.headers) == json.loads(delivery.body)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(request.body.replace("done", "closed"), request.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(services.sending.new_secret()).verify(request.body, request.headers)

    assert (delivery.state, delivery.attempt_count, delivery.next_attempt_at) == (DeliveryState.SUCCEEDED, 1, None)
    [attempt] = Attempt.objects.filter(delivery=delivery)
    assert (attempt.number, attempt.status_code, attempt.succeeded, attempt.error, attempt.response_excerpt) == (
        1, 200, True, "", "angekommen"
    )
    assert attempt.duration_ms >= 0
    # Not due any more: a second sender (the sweep, a duplicate task) does nothing.
    assert services.attempt_delivery(delivery.pk) is None
    assert len(receiver.requests) == 1


def test_failures_are_retried_with_growing_jittered_pauses_and_success_ends_the_failing(
    admin, receiver, endpoint_and_secret, django_capture_on_commit_callbacks
):
    endpoint, _secret = endpoint_and_secret
    delivery = _finish(admin, make_ticket(Status.IN_PROGRESS), django_capture_on_commit_callbacks)
    receiver.answer_with(500, "Fehler " * 100)
    now = delivery.created_at
    for number in (1, 2, 3, 4):
        assert services.attempt_delivery(delivery.pk, now=now - timedelta(seconds=1)) is None  # not due yet
        delivery = services.attempt_delivery(delivery.pk, now=now)
        assert (delivery.state, delivery.attempt_count) == (DeliveryState.FAILED, number)
        pause = delivery.next_attempt_at - now
        assert timedelta(0) <= pause <= timedelta(seconds=30 * 2 ** (number - 1))
        now = delivery.next_attempt_at
    attempts = list(Attempt.objects.filter(delivery=delivery))
    assert [a.number for a in attempts] == [1, 2, 3, 4]
    assert {(a.status_code, a.succeeded, a.error) for a in attempts} == {(500, False, "The endpoint answered 500.")}
    assert {len(a.response_excerpt) for a in attempts} == {500}
    endpoint.refresh_from_db()
    assert endpoint.failing_since == delivery.created_at
    assert endpoint.is_active is True

    receiver.answer_with(204, "")
    delivery = services.attempt_delivery(delivery.pk, now=now)
    assert (delivery.state, delivery.attempt_count) == (DeliveryState.SUCCEEDED, 5)
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 1  # one message, five attempts


def test_a_day_of_failures_gives_up_switches_the_endpoint_off_and_tells_the_administrators(
    admin, receiver, endpoint_and_secret, django_capture_on_commit_callbacks
):
    endpoint, _secret = endpoint_and_secret
    moderator = UserFactory(role=Role.MODERATOR)
    delivery = _finish(admin, make_ticket(Status.IN_PROGRESS), django_capture_on_commit_callbacks)
    receiver.answer_with(503, "busy")
    now = delivery.created_at
    times = []
    with django_capture_on_commit_callbacks(execute=True):
        while True:
            assert services.send_due(now=now) == 1
            times.append(now)
            delivery.refresh_from_db()
            if delivery.state != DeliveryState.FAILED:
                break
            now = delivery.next_attempt_at
    assert delivery.state == DeliveryState.GIVEN_UP
    assert delivery.next_attempt_at is None
    assert delivery.attempt_count == len(times) == len(receiver.requests)
    for number, (before, after) in enumerate(zip(times, times[1:]), start=1):
        assert timedelta(0) <= after - before <= timedelta(seconds=min(3600, 30 * 2 ** (number - 1)))
    assert times[-1] <= delivery.retry_until == delivery.created_at + timedelta(hours=24)

    endpoint.refresh_from_db()
    assert (endpoint.is_active, endpoint.disabled_reason) == (False, "Every delivery failed for 24 hours.")
    [notice] = Notification.objects.filter(kind=NotificationKind.WEBHOOK_SWITCHED_OFF)
    assert (notice.user, notice.detail) == (admin, receiver.url)
    assert notice.text == (
        f"The webhook endpoint {receiver.url} failed for a day and was switched off. "
        "Check it under Settings → Webhooks and switch it on again."
    )
    assert not Notification.objects.filter(user=moderator).exists()
    assert [message.to for message in mail.outbox] == [[admin.email]]

    # Switched off: new events make no deliveries for it.
    ticket = make_ticket(Status.IN_PROGRESS)
    with django_capture_on_commit_callbacks(execute=True):
        ticket_services.ticket_transition(admin, ticket, "finish")
    assert Delivery.objects.count() == 1


def test_failures_of_several_deliveries_over_a_day_switch_the_endpoint_off(
    admin, receiver, endpoint_and_secret, django_capture_on_commit_callbacks
):
    endpoint, _secret = endpoint_and_secret
    receiver.answer_with(500)
    first = _finish(admin, make_ticket(Status.IN_PROGRESS), django_capture_on_commit_callbacks)
    start = first.created_at
    services.attempt_delivery(first.pk, now=start)
    second = services.endpoint_send_test(admin, endpoint, now=start + timedelta(hours=23))
    services.attempt_delivery(second.pk, now=start + timedelta(hours=23))
    endpoint.refresh_from_db()
    assert endpoint.is_active is True
    third = services.endpoint_send_test(admin, endpoint, now=start + timedelta(hours=24, seconds=1))
    services.attempt_delivery(third.pk, now=start + timedelta(hours=24, seconds=1))
    endpoint.refresh_from_db()
    assert endpoint.is_active is False
    # The deliveries of a switched-off endpoint wait; switched on again, they go out.
    receiver.answer_with(200)
    later = start + timedelta(hours=24, minutes=30)
    assert services.send_due(now=later) == 0
    services.endpoint_set_active(admin, endpoint, True)
    assert services.send_due(now=later) == 3  # the first one: its window has closed, given up unsent
    first.refresh_from_db()
    assert (first.state, first.attempt_count) == (DeliveryState.GIVEN_UP, 1)
    assert set(Delivery.objects.exclude(pk=first.pk).values_list("state", flat=True)) == {DeliveryState.SUCCEEDED}


def test_a_hanging_endpoint_is_a_failed_attempt_after_the_timeout(
    admin, receiver, endpoint_and_secret, django_capture_on_commit_callbacks, settings
):
    settings.WEBHOOK_TIMEOUT_SECONDS = 1.0
    delivery = _finish(admin, make_ticket(Status.IN_PROGRESS), django_capture_on_commit_callbacks)
    receiver.hold()
    delivery = services.attempt_delivery(delivery.pk)
    receiver.release()
    assert delivery.state == DeliveryState.FAILED
    [attempt] = Attempt.objects.all()
    assert (attempt.status_code, attempt.error, attempt.succeeded) == (None, "No answer within 1 seconds.", False)
    assert attempt.duration_ms >= 0


def test_loopback_is_refused_at_send_time_when_private_networks_are_not_allowed(
    admin, receiver, endpoint_and_secret, django_capture_on_commit_callbacks, settings
):
    delivery = _finish(admin, make_ticket(Status.IN_PROGRESS), django_capture_on_commit_callbacks)
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    delivery = services.attempt_delivery(delivery.pk)
    assert receiver.requests == []
    assert delivery.state == DeliveryState.FAILED
    [attempt] = Attempt.objects.all()
    assert attempt.status_code is None
    assert attempt.error == (
        "127.0.0.1 is a loopback, private or otherwise non-public address (127.0.0.1): webhooks are not sent there."
    )

    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
    delivery = services.attempt_delivery(delivery.pk, now=delivery.next_attempt_at)
    assert delivery.state == DeliveryState.SUCCEEDED
    assert len(receiver.requests) == 1


def test_resend_sends_the_same_message_again(admin, receiver, endpoint_and_secret, django_capture_on_commit_callbacks):
    endpoint, secret = endpoint_and_secret
    delivery = _finish(admin, make_ticket(Status.IN_PROGRESS), django_capture_on_commit_callbacks)
    receiver.answer_with(500)
    delivery = services.attempt_delivery(delivery.pk)
    with pytest.raises(WrongState):
        services.delivery_resend(admin, delivery)  # still being retried

    Delivery.objects.filter(pk=delivery.pk).update(state=DeliveryState.GIVEN_UP, next_attempt_at=None)
    receiver.answer_with(200)
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        delivery = services.delivery_resend(admin, delivery, now=now)
    assert (delivery.state, delivery.retry_until) == (DeliveryState.PENDING, now + timedelta(hours=24))
    delivery = services.attempt_delivery(delivery.pk)
    assert (delivery.state, delivery.attempt_count) == (DeliveryState.SUCCEEDED, 2)
    first, second = receiver.requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == delivery.message_id
    assert first.body == second.body
    assert Webhook(secret).verify(second.body, second.headers) == json.loads(delivery.body)
    assert list(Attempt.objects.values_list("number", "status_code")) == [(1, 500), (2, 200)]


def test_only_administrators_resend_or_send_tests(admin, staff, endpoint_and_secret):
    from common.errors import PermissionDenied

    endpoint, _secret = endpoint_and_secret
    delivery = services.endpoint_send_test(admin, endpoint)
    Delivery.objects.filter(pk=delivery.pk).update(state=DeliveryState.SUCCEEDED)
    with pytest.raises(PermissionDenied):
        services.delivery_resend(staff, delivery)
    with pytest.raises(PermissionDenied):
        services.endpoint_send_test(staff, endpoint)
    assert Delivery.objects.count() == 1
    assert Endpoint.objects.count() == 1


def test_a_video_session_steered_through_the_api_reaches_the_receiver(admin, receiver, django_capture_on_commit_callbacks):
    """The REST API's transition is the domain's: its ``video.session_changed`` becomes a signed
    ``video_session.changed`` delivery that arrives at a real local receiver."""
    endpoint, secret = services.endpoint_create(
        admin, url=receiver.url, description="ERP", event_types=["video_session.changed"], include_internal=False
    )
    ticket = make_ticket(Status.IN_PROGRESS)  # public
    session = video_services.session_create(admin, ticket, title="Pumpe ansehen", visibility="public")
    client = client_with(token_for(admin))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/v1/tickets/{ticket.number}/video-sessions/{session.pk}/transitions/start/", {}, format="json"
        )
    assert response.status_code == 200, response.content
    # One delivery: the session's creation above ran outside the captured commit (no event).
    delivery = Delivery.objects.get(endpoint=endpoint)
    receiver.answer_with(204, "")
    delivery = services.attempt_delivery(delivery.pk)
    [request] = receiver.requests
    body = Webhook(secret).verify(request.body, request.headers)
    session.refresh_from_db()
    assert body["type"] == "video_session.changed"
    assert body["data"]["actor"] == {"kind": "staff", "id": admin.pk, "name": "Ada Admin"}
    assert body["data"]["video_session"] == {
        "id": session.pk, "title": "Pumpe ansehen", "state": "running", "visibility": "public",
        "planned_at": session.planned_at.isoformat(), "started_at": session.started_at.isoformat(), "ended_at": None,
    }
    assert body["data"]["event"] == {
        "session_id": session.pk, "title": "Pumpe ansehen", "change": "start", "state": "running", "visibility": "public",
    }
    assert delivery.state == DeliveryState.SUCCEEDED
