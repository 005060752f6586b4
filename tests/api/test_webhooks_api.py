"""Webhook endpoints over the REST API: administrators register, change, switch, test, resend
and delete them; everyone else is refused. Deliveries go to a real local receiver."""

import pytest
from standardwebhooks.webhooks import Webhook

from tests.webhooks.receiver import Receiver
from webhooks import services as webhook_services
from webhooks.models import Delivery, Endpoint

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _webhook_settings(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = True  # the receiver is on 127.0.0.1
    settings.WEBHOOK_SEND_IN_PROCESS = False  # the test sends (attempt_delivery), not a thread
    settings.WEBHOOK_TIMEOUT_SECONDS = 2.0


@pytest.fixture
def receiver():
    receiver = Receiver().start()
    yield receiver
    receiver.stop()


def test_an_administrator_registers_tests_and_reads_the_log(crew, api_client, receiver):
    admin = api_client(crew["admin"])
    created = admin.post("/api/v1/webhooks/", {
        "url": receiver.url, "description": "ERP", "event_types": ["ticket.status_changed", "ticket.created"],
    }, format="json")
    assert created.status_code == 201
    body = created.json()
    assert (body["event_types"], body["is_active"], body["include_internal"]) == (["ticket.created", "ticket.status_changed"], True, False)
    secret = body["secret"]
    assert secret.startswith("whsec_")
    endpoint_id = body["id"]
    assert "secret" not in admin.get(f"/api/v1/webhooks/{endpoint_id}/").json()

    test = admin.post(f"/api/v1/webhooks/{endpoint_id}/test/")
    assert (test.status_code, test.json()["type"], test.json()["state"]) == (202, "webhook.test", "pending")
    webhook_services.attempt_delivery(test.json()["id"])
    request = receiver.requests[0]
    Webhook(secret).verify(request.body, request.headers)  # raises when the signature is wrong
    log = admin.get(f"/api/v1/webhooks/{endpoint_id}/deliveries/").json()["results"]
    assert [(d["type"], d["state"], d["attempt_count"]) for d in log] == [("webhook.test", "succeeded", 1)]
    assert [(a["number"], a["status_code"], a["succeeded"]) for a in log[0]["attempts"]] == [(1, 200, True)]

    resent = admin.post(f"/api/v1/webhooks/{endpoint_id}/deliveries/{log[0]['id']}/resend/")
    assert (resent.status_code, resent.json()["state"], resent.json()["message_id"]) == (202, "pending", log[0]["message_id"])
    again = admin.post(f"/api/v1/webhooks/{endpoint_id}/deliveries/{log[0]['id']}/resend/")
    assert (again.status_code, again.json()["code"]) == (409, "wrong_state")


def test_change_switch_rotate_and_delete(crew, api_client, receiver):
    admin = api_client(crew["admin"])
    endpoint_id = admin.post("/api/v1/webhooks/", {"url": receiver.url, "event_types": ["message.posted"]}, format="json").json()["id"]
    off = admin.patch(f"/api/v1/webhooks/{endpoint_id}/", {"is_active": False, "include_internal": True}, format="json")
    assert (off.status_code, off.json()["is_active"], off.json()["include_internal"]) == (200, False, True)
    assert off.json()["disabled_reason"] == "Switched off by Anna Adler."
    on = admin.patch(f"/api/v1/webhooks/{endpoint_id}/", {"is_active": True}, format="json")
    assert (on.json()["is_active"], on.json()["disabled_reason"]) == (True, "")
    old_secret = Endpoint.objects.get(pk=endpoint_id).secret
    rotated = admin.post(f"/api/v1/webhooks/{endpoint_id}/rotate-secret/").json()["secret"]
    assert rotated != old_secret and Endpoint.objects.get(pk=endpoint_id).secret == rotated
    assert admin.delete(f"/api/v1/webhooks/{endpoint_id}/").status_code == 204
    assert Endpoint.objects.count() == 0


@pytest.mark.parametrize(
    "payload, field",
    [({"url": "file:///etc/passwd", "event_types": ["ticket.created"]}, "url"),
     ({"url": "http://169.254.169.254/latest", "event_types": ["ticket.created"]}, "url"),
     ({"url": "https://erp.example.org/hook", "event_types": []}, "event_types"),
     ({"url": "https://erp.example.org/hook", "event_types": ["ticket.exploded"]}, "event_types.0"),
     ({"url": "https://erp.example.org/hook", "event_types": "ticket.created"}, "event_types"),
     ({"url": "https://erp.example.org/hook", "event_types": ["ticket.created"], "include_internal": "ja"}, "include_internal")],
)
def test_bad_endpoints_are_field_errors_and_store_nothing(crew, api_client, settings, payload, field):
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    response = api_client(crew["admin"]).post("/api/v1/webhooks/", payload, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]
    assert Endpoint.objects.count() == 0


def test_only_administrators_see_and_manage_webhooks(crew, api_client, receiver):
    admin = api_client(crew["admin"])
    endpoint_id = admin.post("/api/v1/webhooks/", {"url": receiver.url, "event_types": ["ticket.created"]}, format="json").json()["id"]
    for who in ("moderator", "mia"):
        client = api_client(crew[who])
        assert client.get("/api/v1/webhooks/").status_code == 403
        assert client.get(f"/api/v1/webhooks/{endpoint_id}/").status_code == 403
        assert client.delete(f"/api/v1/webhooks/{endpoint_id}/").status_code == 403
    assert Endpoint.objects.filter(pk=endpoint_id).exists()
    assert admin.get("/api/v1/webhooks/999999/").status_code == 404
    assert Delivery.objects.count() == 0


def test_the_event_types(crew, api_client):
    names = [row["name"] for row in api_client(crew["admin"]).get("/api/v1/webhooks/event-types/").json()]
    assert names == [
        "ticket.created", "ticket.status_changed", "ticket.visibility_changed", "ticket.update_posted",
        "message.posted", "feedback.given", "assignment.changed", "video_session.changed",
    ]
