"""Which events become which deliveries, their exact bodies, and that the action never waits for
the endpoint (in-process thread) nor fails when the broker is away."""

import json
import logging
import re

import pytest
from django.utils import timezone

from common import broker
from fleet import services as fleet_services
from messenger import services as messenger_services
from tests.factories import UserFactory, make_ticket
from tests.servers import wait_for
from tickets import services as ticket_services
from tickets.choices import Status, Visibility
from webhooks import catalogue, services
from webhooks.models import Attempt, Delivery, DeliveryState

ALL_TYPES = list(catalogue.TYPES)


def _endpoint(admin, receiver, types=ALL_TYPES, internal=False):
    endpoint, _secret = services.endpoint_create(
        admin, url=receiver.url, description="", event_types=types, include_internal=internal
    )
    return endpoint


def _bodies(endpoint, webhook_type):
    return [json.loads(d.body) for d in Delivery.objects.filter(endpoint=endpoint, type=webhook_type).order_by("id")]


def _without_timestamp(body):
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", body.pop("timestamp"))
    return body


def _ticket_part(ticket):
    ticket.refresh_from_db()
    return {
        "number": ticket.number, "title": "Pumpe 3 verliert Öl", "status": ticket.status,
        "visibility": ticket.visibility, "url": f"https://leitstand.example.org/tickets/{ticket.number}/",
    }


@pytest.mark.django_db
def test_exact_bodies_of_a_status_change_a_message_and_an_assignment(
    admin, receiver, django_capture_on_commit_callbacks
):
    endpoint = _endpoint(admin, receiver)
    ticket = make_ticket(Status.OPEN)
    mia = UserFactory(first_name="Mia", last_name="Schneider")
    with django_capture_on_commit_callbacks(execute=True):
        fleet_services.assignee_add(admin, ticket, mia)
    with django_capture_on_commit_callbacks(execute=True):
        ticket_services.ticket_transition(admin, ticket, "start")
    with django_capture_on_commit_callbacks(execute=True):
        message, _created = messenger_services.message_post(admin, ticket, text="Wir kommen um 9 Uhr.")
    actor = {"kind": "staff", "id": admin.pk, "name": "Ada Admin"}
    ticket_part = _ticket_part(ticket)  # as it is now: all bodies were built after commit of each action

    [assignment] = _bodies(endpoint, "assignment.changed")
    assert _without_timestamp(assignment) == {
        "type": "assignment.changed",
        "data": {
            "ticket": {**ticket_part, "status": "assigned"}, "actor": actor, "source": "fleet.assignee_added",
            "users": [{"id": mia.pk, "name": "Mia Schneider"}], "event": {"user_id": mia.pk, "how": "assigned"},
        },
    }
    started = _bodies(endpoint, "ticket.status_changed")[-1]
    assert _without_timestamp(started) == {
        "type": "ticket.status_changed",
        "data": {
            "ticket": {**ticket_part, "status": "in_progress"}, "actor": actor, "source": "ticket.transitioned",
            "event": {"transition": "start", "from": "assigned", "to": "in_progress", "reason": ""},
        },
    }
    [posted] = _bodies(endpoint, "message.posted")
    assert _without_timestamp(posted) == {
        "type": "message.posted",
        "data": {
            "ticket": ticket_part, "actor": actor, "source": "messenger.message_posted",
            "message": {
                "id": message.pk, "seq": message.seq, "kind": "text", "text": "Wir kommen um 9 Uhr.",
                "author": {"kind": "staff", "name": "Ada Admin"}, "created_at": message.created_at.isoformat(),
            },
            "event": {"message_id": message.pk},
        },
    }


@pytest.mark.django_db
def test_internal_events_reach_only_endpoints_for_internal_events(admin, receiver, django_capture_on_commit_callbacks):
    public_only = _endpoint(admin, receiver, types=["ticket.status_changed", "ticket.update_posted"])
    internal_too = _endpoint(admin, receiver, types=["ticket.status_changed", "ticket.update_posted"], internal=True)
    created_only = _endpoint(admin, receiver, types=["ticket.created"], internal=True)
    internal_ticket = make_ticket(Status.IN_PROGRESS, visibility=Visibility.INTERNAL)
    public_ticket = make_ticket(Status.IN_PROGRESS, visibility=Visibility.PUBLIC)

    with django_capture_on_commit_callbacks(execute=True):
        ticket_services.ticket_transition(admin, internal_ticket, "finish")
    with django_capture_on_commit_callbacks(execute=True):
        ticket_services.ticket_transition(admin, public_ticket, "finish")
    with django_capture_on_commit_callbacks(execute=True):
        update = ticket_services.update_post(admin, public_ticket, text="Nur für uns: Ersatzteil fehlt.", internal=True)

    def numbers(endpoint, webhook_type):
        return [body["data"]["ticket"]["number"] for body in _bodies(endpoint, webhook_type)]

    assert numbers(public_only, "ticket.status_changed") == [public_ticket.number]
    assert numbers(internal_too, "ticket.status_changed") == [internal_ticket.number, public_ticket.number]
    assert numbers(public_only, "ticket.update_posted") == []
    [internal_update] = _bodies(internal_too, "ticket.update_posted")
    assert internal_update["data"]["update"] == {
        "id": update.pk, "kind": "internal", "text": "Nur für uns: Ersatzteil fehlt.", "corrects": None
    }
    assert Delivery.objects.filter(endpoint=created_only).count() == 0
    # Stored, pending, due now; nothing was sent (the test's settings send nothing in-process).
    assert set(Delivery.objects.values_list("state", flat=True)) == {DeliveryState.PENDING}
    assert receiver.requests == []


@pytest.mark.django_db
def test_a_broker_that_is_away_leaves_the_delivery_pending_for_the_sweep(
    admin, receiver, django_capture_on_commit_callbacks, caplog
):
    from config.celery import app

    endpoint = _endpoint(admin, receiver, types=["ticket.status_changed"])
    ticket = make_ticket(Status.IN_PROGRESS)
    previous = app.conf.task_always_eager, app.conf.broker_url
    app.close()
    app.conf.task_always_eager, app.conf.broker_url = False, "redis://127.0.0.1:1/0"  # nothing listens there
    app.amqp._producer_pool = None  # a pool made for the in-memory broker by an earlier test
    try:
        with caplog.at_level(logging.WARNING, logger="webhooks.services"):
            with django_capture_on_commit_callbacks(execute=True):
                ticket = ticket_services.ticket_transition(admin, ticket, "finish")
    finally:
        app.close()
        app.conf.task_always_eager, app.conf.broker_url = previous
        broker.reset()  # later tests in this process may hand tasks to a broker again
    assert ticket.status == Status.DONE
    delivery = Delivery.objects.get(endpoint=endpoint)
    assert (delivery.state, delivery.attempt_count) == (DeliveryState.PENDING, 0)
    assert [r.getMessage() for r in caplog.records if r.name == "common.broker"] == [
        "broker unavailable (Error 111 connecting to 127.0.0.1:1. Connection refused.): "
        f"the sweep sends webhook delivery {delivery.pk}; no new prompts for 10 s"
    ]
    assert services.send_due(now=timezone.now()) == 1
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SUCCEEDED


@pytest.mark.django_db(transaction=True)
def test_the_action_returns_while_the_endpoint_still_holds_the_request(admin, receiver, settings):
    """Embedded mode (tasks in-process): the in-process thread sends; the action does not wait."""
    settings.WEBHOOK_SEND_IN_PROCESS = True
    settings.WEBHOOK_TIMEOUT_SECONDS = 60.0
    ticket = make_ticket(Status.IN_PROGRESS)
    _endpoint(admin, receiver, types=["ticket.status_changed"])
    receiver.hold()

    ticket = ticket_services.ticket_transition(admin, ticket, "finish")

    assert ticket.status == Status.DONE
    assert receiver.arrived.wait(timeout=30)  # the request is at the receiver, unanswered
    assert Attempt.objects.count() == 0
    receiver.release()
    wait_for(lambda: Delivery.objects.filter(state=DeliveryState.SUCCEEDED).exists(), message="the delivery")
    assert list(Attempt.objects.values_list("number", "status_code")) == [(1, 200)]
