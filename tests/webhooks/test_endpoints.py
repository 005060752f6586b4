"""Managing endpoints through the services: only administrators, clear field errors, nothing
stored on bad input, the secret in the Standard Webhooks form."""

import base64

import pytest

from common.errors import InvalidInput, NotFound, PermissionDenied
from fleet.roles import Role
from tests.factories import UserFactory
from webhooks import selectors, services
from webhooks.models import Endpoint

pytestmark = pytest.mark.django_db


def _create(admin, **overrides):
    fields = {"url": "http://127.0.0.1:9/hooks", "description": "ERP", "event_types": ["ticket.created"],
              "include_internal": False, **overrides}
    return services.endpoint_create(admin, **fields)


def test_an_administrator_registers_an_endpoint_and_sees_its_secret_once(admin):
    endpoint, secret = _create(admin, event_types=["message.posted", "ticket.created"])

    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    endpoint.refresh_from_db()
    assert endpoint.secret == secret
    assert endpoint.url == "http://127.0.0.1:9/hooks"
    assert endpoint.description == "ERP"
    # Stored in the catalogue's order, whatever order they were chosen in.
    assert endpoint.event_types == ["ticket.created", "message.posted"]
    assert (endpoint.is_active, endpoint.include_internal, endpoint.created_by) == (True, False, admin)
    assert selectors.endpoint_for(admin, endpoint.pk) == endpoint


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.STAFF])
def test_nobody_else_manages_webhooks(admin, role):
    other = UserFactory(role=role)
    endpoint, _secret = _create(admin)
    with pytest.raises(PermissionDenied):
        _create(other)
    with pytest.raises(PermissionDenied):
        services.endpoint_update(other, endpoint, description="x")
    with pytest.raises(PermissionDenied):
        services.endpoint_delete(other, endpoint)
    with pytest.raises(NotFound):
        selectors.endpoint_for(other, endpoint.pk)
    assert Endpoint.objects.count() == 1


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://10.0.0.1/hooks", "non-public address"),
        ("http://169.254.169.254/latest/meta-data/", "non-public address"),
        ("http://[::1]:8080/hooks", "non-public address"),
        ("http://127.0.0.1:8080/hooks", "non-public address"),
        ("http://192.168.1.20/hooks", "non-public address"),
        ("http://[::ffff:10.0.0.1]/hooks", "non-public address"),
        ("file:///etc/passwd", "Only http:// and https://"),
        ("ftp://example.org/hooks", "Only http:// and https://"),
        ("http://user:pw@8.8.8.8/hooks", "user name or password"),
        ("", "Enter the URL"),
    ],
)
def test_refused_addresses_are_a_field_error_and_nothing_is_stored(admin, settings, url, message):
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    with pytest.raises(InvalidInput) as caught:
        _create(admin, url=url)
    assert list(caught.value.errors) == ["url"]
    assert message in caught.value.errors["url"][0]
    assert Endpoint.objects.count() == 0


def test_a_public_address_is_accepted_with_the_setting_off(admin, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    endpoint, _secret = _create(admin, url="https://93.184.215.14/hooks")
    assert endpoint.url == "https://93.184.215.14/hooks"


def test_production_wants_https_unless_private_networks_are_allowed(admin, settings):
    settings.PRODUCTION = True
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    with pytest.raises(InvalidInput) as caught:
        _create(admin, url="http://93.184.215.14/hooks")
    assert caught.value.errors == {"url": ["Webhooks are sent to https:// addresses only."]}


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"event_types": []}, {"event_types": ["Choose at least one event type."]}),
        ({"event_types": ["ticket.created", "ticket.deleted"]}, {"event_types": ["Unknown event types: ticket.deleted."]}),
        ({"event_types": "ticket.created"}, {"event_types": ["Choose the event types as a list."]}),
        ({"description": "x" * 201}, {"description": ["At most 200 characters."]}),
        ({"include_internal": "yes"}, {"include_internal": ["Choose yes or no."]}),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(admin, fields, errors):
    with pytest.raises(InvalidInput) as caught:
        _create(admin, **fields)
    assert caught.value.errors == errors
    assert Endpoint.objects.count() == 0


def test_update_changes_the_given_fields_only_and_refuses_others(admin):
    endpoint, secret = _create(admin)
    endpoint = services.endpoint_update(admin, endpoint, description="Leitwarte", include_internal=True)
    endpoint.refresh_from_db()
    assert (endpoint.description, endpoint.include_internal, endpoint.url, endpoint.secret) == (
        "Leitwarte", True, "http://127.0.0.1:9/hooks", secret
    )
    with pytest.raises(InvalidInput) as caught:
        services.endpoint_update(admin, endpoint, secret="whsec_x", url="gopher://x")
    assert set(caught.value.errors) == {"__all__", "url"}
    endpoint.refresh_from_db()
    assert (endpoint.secret, endpoint.url) == (secret, "http://127.0.0.1:9/hooks")


def test_rotating_makes_a_new_secret_and_switching_on_starts_afresh(admin):
    from django.utils import timezone

    endpoint, old = _create(admin)
    endpoint, new = services.endpoint_rotate_secret(admin, endpoint)
    assert new != old and new.startswith("whsec_")
    assert Endpoint.objects.get().secret == new

    endpoint = services.endpoint_set_active(admin, endpoint, False)
    assert (endpoint.is_active, endpoint.disabled_reason) == (False, "Switched off by Ada Admin.")
    Endpoint.objects.filter(pk=endpoint.pk).update(failing_since=timezone.now())
    endpoint = services.endpoint_set_active(admin, endpoint, True)
    endpoint.refresh_from_db()
    assert (endpoint.is_active, endpoint.failing_since, endpoint.disabled_reason, endpoint.disabled_at) == (
        True, None, "", None
    )


def test_delete_removes_the_endpoint(admin):
    endpoint, _secret = _create(admin)
    services.endpoint_delete(admin, endpoint)
    assert Endpoint.objects.count() == 0
    with pytest.raises(NotFound):
        selectors.endpoint_for(admin, endpoint.pk)
