"""Who subscribed to which events is kept in the shared cache (every chat message asks), and every
change to an endpoint through the services forgets it after its commit: an event after the change
goes exactly where the endpoints as stored say. No secret goes into the cache."""

import pytest
from django.core.cache import cache

from tests.factories import make_ticket
from tickets import services as ticket_services
from tickets.choices import Status
from webhooks import selectors, services
from webhooks.models import Delivery, Endpoint

pytestmark = pytest.mark.django_db

URL = "http://127.0.0.1:9/hooks"


def _finish_one(actor, capture) -> list[int]:
    """A ticket finished: the endpoints that got a delivery for it."""
    ticket = make_ticket(Status.IN_PROGRESS)
    with capture(execute=True):
        ticket_services.ticket_transition(actor, ticket, "finish")
    return sorted(Delivery.objects.filter(body__contains=ticket.number).values_list("endpoint_id", flat=True))


def test_every_change_through_the_services_reaches_the_next_event(admin, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    with capture(execute=True):
        first, _secret = services.endpoint_create(admin, url=URL, event_types=["ticket.status_changed"])
    assert _finish_one(admin, capture) == [first.pk]  # the subscriptions are in the cache now

    with capture(execute=True):
        second, _secret = services.endpoint_create(admin, url=URL, event_types=["ticket.status_changed"])
    assert _finish_one(admin, capture) == [first.pk, second.pk]

    with capture(execute=True):
        services.endpoint_update(admin, second, event_types=["ticket.created"])
    assert _finish_one(admin, capture) == [first.pk]

    with capture(execute=True):
        services.endpoint_set_active(admin, first, False)
    assert _finish_one(admin, capture) == []

    with capture(execute=True):
        services.endpoint_set_active(admin, first, True)
        services.endpoint_update(admin, second, event_types=["ticket.status_changed"])
    assert _finish_one(admin, capture) == [first.pk, second.pk]

    with capture(execute=True):
        services.endpoint_delete(admin, second)
    assert _finish_one(admin, capture) == [first.pk]


def test_subscriptions_read_before_a_change_are_never_read_after_it(admin, django_capture_on_commit_callbacks):
    """The version is bumped after the commit; what a slow reader took before is stored under the old one."""
    capture = django_capture_on_commit_callbacks
    version = cache.get_or_set(selectors.SUBSCRIPTIONS.version_key, 1)
    with capture(execute=True):
        endpoint, _secret = services.endpoint_create(admin, url=URL, event_types=["ticket.status_changed"])
    cache.set(f"{selectors.SUBSCRIPTIONS.name}:{version}:", [], timeout=60)  # read before the create
    assert _finish_one(admin, capture) == [endpoint.pk]


def test_an_endpoint_switched_off_in_between_gets_nothing(admin, django_capture_on_commit_callbacks):
    """A cached subscription of an endpoint that is off by now (switched off by the failure rule,
    which another process may run) sends nothing: the endpoints are read as stored when an event
    has takers."""
    capture = django_capture_on_commit_callbacks
    with capture(execute=True):
        endpoint, _secret = services.endpoint_create(admin, url=URL, event_types=["ticket.status_changed"])
    assert [pk for pk, *_ in selectors.subscriptions()] == [endpoint.pk]
    type(endpoint).objects.filter(pk=endpoint.pk).update(is_active=False)  # behind the cache's back
    assert _finish_one(admin, capture) == []


def test_the_cache_holds_no_secret(admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        endpoint, secret = services.endpoint_create(
            admin, url=URL, event_types=["ticket.status_changed", "ticket.created"], include_internal=True
        )
    assert selectors.subscriptions() == [(endpoint.pk, ["ticket.created", "ticket.status_changed"], True)]
    stored = cache.get(f"{selectors.SUBSCRIPTIONS.name}:{selectors.SUBSCRIPTIONS.version}:")
    assert stored == [(endpoint.pk, ["ticket.created", "ticket.status_changed"], True)]
    assert secret not in repr(stored)


def test_a_change_in_another_process_reaches_this_one_within_a_second(admin, monkeypatch):
    """Each process keeps the subscriptions for a second before it asks the shared version again; a
    change another process made (it bumped the version there) is seen here once that second is over."""
    from common import versioned_cache

    clock = [1000.0]
    monkeypatch.setattr(versioned_cache.time, "monotonic", lambda: clock[0])
    assert selectors.subscriptions() == []
    endpoint = Endpoint.objects.create(url=URL, secret="whsec_x", event_types=["ticket.created"], created_by=admin)
    cache.incr(selectors.SUBSCRIPTIONS.version_key)  # what the other process's service did after its commit
    clock[0] += 0.5
    assert selectors.subscriptions() == []  # still this process's copy
    clock[0] += 0.6
    assert selectors.subscriptions() == [(endpoint.pk, ["ticket.created"], False)]
