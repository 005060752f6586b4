"""Templates and access codes over the REST API: read as the settings area allows, written by the
roles the services accept, QR codes to print."""

import pytest

from tests.factories import AccessCodeFactory, TemplateFieldFactory, TicketTemplateFactory
from tickets.models import AccessCode, TemplateField, TicketTemplate

pytestmark = pytest.mark.django_db


def _names(response):
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["results"]]


def test_staff_read_the_active_templates_and_the_settings_roles_all(crew, api_client):
    TicketTemplateFactory(name="Wartung")
    TicketTemplateFactory(name="Alt", is_active=False)
    TemplateFieldFactory(template=TicketTemplate.objects.get(name="Wartung"), key="serial", label="Seriennummer")
    staff = api_client(crew["mia"]).get("/api/v1/templates/")
    assert _names(staff) == ["Wartung"]
    assert [f["key"] for f in staff.json()["results"][0]["fields"]] == ["serial"]
    assert _names(api_client(crew["moderator"]).get("/api/v1/templates/")) == ["Alt", "Wartung"]
    inactive = TicketTemplate.objects.get(name="Alt")
    assert api_client(crew["mia"]).get(f"/api/v1/templates/{inactive.pk}/").status_code == 404
    assert api_client(crew["admin"]).get(f"/api/v1/templates/{inactive.pk}/").json()["is_active"] is False


def test_administrators_create_and_change_templates_and_fields(crew, api_client):
    admin = api_client(crew["admin"])
    created = admin.post("/api/v1/templates/", {
        "name": "Störung", "assignees_needed": 2, "offer_validity": "PT12H", "creation_steps": ["access", "general"],
    }, format="json")
    assert created.status_code == 201
    body = created.json()
    assert (body["assignees_needed"], body["offer_validity"], body["creation_steps"]) == (2, "P0DT12H00M00S", ["general", "access"])
    template_id = body["id"]
    field = admin.post(f"/api/v1/templates/{template_id}/fields/", {"key": "halle", "label": "Halle", "required": True}, format="json")
    assert field.status_code == 201, field.json()
    assert [(f["key"], f["required"]) for f in field.json()["fields"]] == [("halle", True)]
    field_id = field.json()["fields"][0]["id"]
    changed = admin.patch(f"/api/v1/templates/{template_id}/fields/{field_id}/", {"label": "Hallennummer"}, format="json")
    assert changed.json()["fields"][0]["label"] == "Hallennummer"
    renamed = admin.patch(f"/api/v1/templates/{template_id}/", {"name": "Störung Halle", "is_active": False}, format="json")
    assert (renamed.json()["name"], renamed.json()["is_active"]) == ("Störung Halle", False)
    assert admin.delete(f"/api/v1/templates/{template_id}/fields/{field_id}/").status_code == 204
    assert TemplateField.objects.count() == 0


@pytest.mark.parametrize(
    "payload, field",
    [({"name": ""}, "name"), ({"name": "X", "assignees_needed": 0}, "assignees_needed"),
     ({"name": "X", "offer_validity": "P100D"}, "offer_validity"), ({"name": "X", "offer_validity": "bald"}, "offer_validity"),
     ({"name": "X", "creation_steps": ["fly"]}, "creation_steps.0"), ({"name": "X", "offer_recipients": "members"}, "offer_members")],
)
def test_bad_templates_are_field_errors_and_store_nothing(crew, api_client, payload, field):
    response = api_client(crew["admin"]).post("/api/v1/templates/", payload, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]
    assert TicketTemplate.objects.count() == 0


def test_only_administrators_write_templates(crew, api_client, template):
    for who in ("mia", "moderator"):
        response = api_client(crew[who]).patch(f"/api/v1/templates/{template.pk}/", {"name": "Neu"}, format="json")
        assert response.status_code == 403, who
    assert TicketTemplate.objects.get(pk=template.pk).name == template.name


def test_access_codes_for_the_settings_roles_with_qr_codes(crew, api_client, template):
    code = AccessCodeFactory(template=template, label="Presse 7", location="Halle 2")
    AccessCodeFactory(template=template, label="Bohrwerk", is_active=False)
    moderator = api_client(crew["moderator"])
    rows = moderator.get("/api/v1/access-codes/").json()["results"]
    assert [(r["label"], r["is_active"]) for r in rows] == [("Bohrwerk", False), ("Presse 7", True)]
    assert [r["label"] for r in moderator.get("/api/v1/access-codes/?state=active").json()["results"]] == ["Presse 7"]
    assert [r["label"] for r in moderator.get("/api/v1/access-codes/?search=halle").json()["results"]] == ["Presse 7"]
    svg = moderator.get(f"/api/v1/access-codes/{code.pk}/qr.svg/")
    assert (svg.status_code, svg["Content-Type"]) == (200, "image/svg+xml")
    assert svg.content.startswith(b"<svg")
    png = moderator.get(f"/api/v1/access-codes/{code.pk}/qr.png/")
    assert (png["Content-Type"], png.content[:8]) == ("image/png", b"\x89PNG\r\n\x1a\n")
    refused = api_client(crew["mia"]).get("/api/v1/access-codes/")
    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")
    assert moderator.get("/api/v1/access-codes/999999/").status_code == 404


def test_create_change_and_switch_off_an_access_code(crew, api_client, template):
    admin = api_client(crew["admin"])
    created = admin.post("/api/v1/access-codes/", {"label": "Presse 9", "template": template.pk, "pin": "4711"}, format="json")
    assert created.status_code == 201
    body = created.json()
    assert (body["label"], body["has_pin"], body["is_active"]) == ("Presse 9", True, True)
    assert "pin" not in body
    code = AccessCode.objects.get(pk=body["id"])
    assert body["portal_url"] == f"http://testserver{code.get_absolute_url()}"
    off = admin.patch(f"/api/v1/access-codes/{code.pk}/", {"is_active": False, "location": "Halle 4"}, format="json")
    assert (off.json()["is_active"], off.json()["location"], off.json()["label"]) == (False, "Halle 4", "Presse 9")
    no_pin = admin.patch(f"/api/v1/access-codes/{code.pk}/", {"pin": None}, format="json")
    assert no_pin.json()["has_pin"] is False
    bad = admin.patch(f"/api/v1/access-codes/{code.pk}/", {"pin": "12"}, format="json")
    assert (bad.status_code, list(bad.json()["errors"])) == (400, ["pin"])
    assert AccessCode.objects.get(pk=code.pk).pin_hash == ""


@pytest.mark.parametrize("query, field", [("search=%00x", "search"), ("search=" + "x" * 201, "search"), ("state=maybe", "state")])
def test_a_bad_access_code_query_is_a_field_error(crew, api_client, query, field):
    response = api_client(crew["moderator"]).get(f"/api/v1/access-codes/?{query}")
    assert (response.status_code, list(response.json()["errors"])) == (400, [field])
