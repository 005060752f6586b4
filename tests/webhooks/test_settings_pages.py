"""The settings pages for webhooks (Django test client): administrators manage endpoints and read
the log; everyone else gets 403; bad input re-renders with the error and stores nothing."""

import pytest
from django.urls import reverse
from django.utils import translation

from fleet.roles import Role
from tests.factories import UserFactory
from webhooks import services
from webhooks.models import Delivery, DeliveryState, Endpoint

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _german():
    with translation.override("de"):
        yield


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


def test_an_administrator_creates_an_endpoint_and_sees_its_secret_once(admin_client, receiver):
    response = admin_client.post(reverse("administration:webhook-create"), {
        "url": receiver.url, "description": "ERP", "event_types": ["ticket.created", "ticket.status_changed"],
        "include_internal": "on",
    })
    endpoint = Endpoint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("administration:webhook-edit", args=[endpoint.pk])
    assert (endpoint.event_types, endpoint.include_internal) == (["ticket.created", "ticket.status_changed"], True)

    page = admin_client.get(response["Location"]).content.decode()
    assert f'<code id="webhook-secret" class="secret-value">{endpoint.secret}</code>' in page
    again = admin_client.get(response["Location"]).content.decode()
    assert endpoint.secret not in again  # once

    listing = admin_client.get(reverse("administration:webhooks")).content.decode()
    assert receiver.url in listing
    # "Ticket created" is new (translated with the next `make messages`), "Status changed" is not.
    assert "<td>Ticket erstellt, Status geändert</td>" in listing


def test_a_refused_address_re_renders_with_the_error_and_stores_nothing(admin_client, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    response = admin_client.post(reverse("administration:webhook-create"), {
        "url": "http://169.254.169.254/latest/", "event_types": ["ticket.created"],
    })
    assert response.status_code == 400
    assert "169.254.169.254 ist eine Loopback-, private oder anderweitig nicht öffentliche" in response.content.decode()
    assert Endpoint.objects.count() == 0


def test_no_event_type_re_renders_with_the_error(admin_client, receiver):
    response = admin_client.post(reverse("administration:webhook-create"), {"url": receiver.url})
    assert response.status_code == 400
    assert 'class="field-error"' in response.content.decode()
    assert Endpoint.objects.count() == 0


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.STAFF])
def test_others_get_403_everywhere(client, admin, receiver, role):
    endpoint, _secret = services.endpoint_create(admin, url=receiver.url, event_types=["ticket.created"])
    client.force_login(UserFactory(role=role))
    for name, args, method in [
        ("administration:webhooks", [], "get"),
        ("administration:webhook-create", [], "get"),
        ("administration:webhook-create", [], "post"),
        ("administration:webhook-edit", [endpoint.pk], "get"),
        ("administration:webhook-set-active", [endpoint.pk], "post"),
        ("administration:webhook-rotate-secret", [endpoint.pk], "post"),
        ("administration:webhook-delete", [endpoint.pk], "post"),
    ]:
        response = getattr(client, method)(reverse(name, args=args), {"url": "http://x", "active": "0"})
        assert response.status_code == 403, name
    endpoint.refresh_from_db()
    assert endpoint.is_active is True
    overview = client.get(reverse("administration:overview"))
    if role == Role.MODERATOR:  # moderators enter the settings area, without the webhooks
        assert reverse("administration:webhooks") not in overview.content.decode()
    else:
        assert overview.status_code == 403


def test_switch_off_rotate_test_resend_and_delete_through_the_pages(admin_client, admin, receiver):
    endpoint, old_secret = services.endpoint_create(admin, url=receiver.url, event_types=["ticket.created"])
    edit = reverse("administration:webhook-edit", args=[endpoint.pk])

    assert admin_client.post(reverse("administration:webhook-set-active", args=[endpoint.pk]), {"active": "0"})["Location"] == edit
    endpoint.refresh_from_db()
    assert endpoint.is_active is False
    admin_client.post(reverse("administration:webhook-set-active", args=[endpoint.pk]), {"active": "1"})
    endpoint.refresh_from_db()
    assert endpoint.is_active is True

    admin_client.post(reverse("administration:webhook-rotate-secret", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert endpoint.secret != old_secret
    assert endpoint.secret in admin_client.get(edit).content.decode()

    admin_client.post(reverse("administration:webhook-send-test", args=[endpoint.pk]))
    delivery = Delivery.objects.get(endpoint=endpoint, type="webhook.test")
    services.attempt_delivery(delivery.pk)
    page = admin_client.get(edit).content.decode()
    assert f'id="delivery-{delivery.pk}"' in page
    assert '<span class="state-badge state-on">Zugestellt</span>' in page
    assert reverse("administration:webhook-resend", args=[endpoint.pk, delivery.pk]) in page

    response = admin_client.post(reverse("administration:webhook-resend", args=[endpoint.pk, delivery.pk]))
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.PENDING
    # Pending: resending again is refused with the reason, nothing changes.
    response = admin_client.post(reverse("administration:webhook-resend", args=[endpoint.pk, delivery.pk]))
    assert response.status_code == 409

    response = admin_client.post(reverse("administration:webhook-delete", args=[endpoint.pk]))
    assert response["Location"] == reverse("administration:webhooks")
    assert Endpoint.objects.count() == 0
