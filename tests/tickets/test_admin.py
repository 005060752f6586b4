"""Admins manage templates and access codes in the Django admin; tickets are read-only there."""

import pytest
from django.urls import reverse

from fleet.roles import Role
from tests.factories import TicketTemplateFactory, UserFactory, make_ticket
from tickets.choices import Status
from tickets.models import AccessCode, TicketTemplate

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(role=Role.ADMINISTRATOR, is_staff=True))
    return client


def test_admin_creates_a_template_with_custom_fields(admin_client):
    response = admin_client.post(
        reverse("admin:tickets_tickettemplate_add"),
        {
            "name": "Aufzug",
            "description": "",
            "is_active": "on",
            "default_title": "",
            "default_description": "",
            "default_visibility": "public",
            "creation_steps": ["general", "fields"],
            "asks_feedback": "on",
            "offer_recipients": "all",
            "assignees_needed": "2",
            "offer_validity": "12:00:00",
            "announce_in_app": "on",
            "fields-TOTAL_FORMS": "1",
            "fields-INITIAL_FORMS": "0",
            "fields-0-position": "0",
            "fields-0-key": "floor",
            "fields-0-label": "Etage",
            "fields-0-field_type": "number",
            "fields-0-required": "on",
            "fields-0-choices": "[]",
            "fields-0-help_text": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    template = TicketTemplate.objects.get(name="Aufzug")
    assert template.creation_steps == ["general", "fields"]
    assert template.assignees_needed == 2
    assert [(f.key, f.field_type, f.required) for f in template.fields.all()] == [("floor", "number", True)]


def test_admin_creates_an_access_code_with_a_hashed_pin_and_sees_its_qr(admin_client):
    template = TicketTemplateFactory()
    response = admin_client.post(
        reverse("admin:tickets_accesscode_add"),
        {"label": "Foyer-Terminal", "location": "Foyer", "serial_number": "", "template": template.pk,
         "is_active": "on", "pin": "2468"},
    )
    assert response.status_code == 302
    code = AccessCode.objects.get(label="Foyer-Terminal")
    assert code.check_pin("2468") and "2468" not in code.pin_hash
    page = admin_client.get(reverse("admin:tickets_accesscode_change", args=[code.pk])).content.decode()
    assert reverse("tickets:access-code-qr", args=[code.pk, "svg"]) in page
    assert code.token in page


def test_admin_refuses_a_bad_pin_next_to_the_field(admin_client):
    response = admin_client.post(
        reverse("admin:tickets_accesscode_add"),
        {"label": "Foyer", "template": TicketTemplateFactory().pk, "is_active": "on", "pin": "12"},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["pin"] == ["Eine PIN besteht aus 4 bis 12 Ziffern."]
    assert not AccessCode.objects.exists()


def test_tickets_are_read_only_in_the_admin(admin_client):
    ticket = make_ticket(Status.OPEN)
    page = admin_client.get(reverse("admin:tickets_ticket_change", args=[ticket.pk]))
    assert page.status_code == 200
    assert 'name="status"' not in page.content.decode()
    response = admin_client.post(reverse("admin:tickets_ticket_change", args=[ticket.pk]), {"title": "x"})
    assert response.status_code == 403
    ticket.refresh_from_db()
    assert ticket.title != "x"


def _history(code):
    from django.contrib.admin.models import LogEntry

    return list(
        LogEntry.objects.filter(object_id=str(code.pk), content_type__model="accesscode")
        .order_by("pk").values_list("user_id", "action_flag", "change_message")
    )


def test_switching_a_code_off_in_the_admin_goes_through_the_service_and_writes_its_history_once(admin_client):
    from django.contrib.admin.models import CHANGE

    from tests.factories import AccessCodeFactory, CodeUserFactory
    from tickets import permissions

    code = AccessCodeFactory(label="Presse 7")
    code_user = CodeUserFactory(access_code=code)
    ticket = make_ticket(Status.OPEN, access_code=code)
    assert permissions.code_user_can_see(code_user, ticket)
    admin = admin_client.session["_auth_user_id"]
    response = admin_client.post(
        reverse("admin:tickets_accesscode_change", args=[code.pk]),
        {"label": "Presse 7", "location": "Halle 2", "serial_number": "", "template": code.template_id, "pin": ""},
    )
    assert response.status_code == 302
    code.refresh_from_db()
    assert (code.is_active, code.location) == (False, "Halle 2")
    assert _history(code) == [(int(admin), CHANGE, '[{"changed": {"fields": ["Standort", "aktiv"]}}]')]
    fresh = type(code_user).objects.select_related("access_code").get(pk=code_user.pk)
    assert not permissions.code_user_can_see(fresh, type(ticket).objects.get(pk=ticket.pk))


def test_the_admin_actions_switch_codes_on_and_off_through_the_service(admin_client):
    from django.contrib.admin.models import CHANGE

    from tests.factories import AccessCodeFactory

    first, second = AccessCodeFactory(), AccessCodeFactory(is_active=False)
    changelist = reverse("admin:tickets_accesscode_changelist")
    response = admin_client.post(changelist, {"action": "switch_off", "_selected_action": [first.pk, second.pk]})
    assert response.status_code == 302
    first.refresh_from_db(), second.refresh_from_db()
    assert (first.is_active, second.is_active) == (False, False)
    admin = int(admin_client.session["_auth_user_id"])
    assert _history(first) == [(admin, CHANGE, "Ausgeschaltet.")]
    assert _history(second) == []  # already off: nothing changed, nothing recorded
    admin_client.post(changelist, {"action": "switch_on", "_selected_action": [second.pk]})
    second.refresh_from_db()
    assert second.is_active
    assert _history(second) == [(admin, CHANGE, "Eingeschaltet.")]
