"""The creation wizard: template → general → fields → code and visibility → summary."""

import pytest
from django.urls import reverse

from tests.factories import AccessCodeFactory, TemplateFieldFactory, TicketTemplateFactory, UserFactory
from tickets.choices import FieldType, Status
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _german():
    from django.utils import translation

    with translation.override("de"):
        yield


@pytest.fixture
def template():
    template = TicketTemplateFactory(name="Störung")
    TemplateFieldFactory(template=template, key="serial", label="Seriennummer", required=True)
    TemplateFieldFactory(template=template, key="area", label="Bereich", field_type=FieldType.CHOICE, choices=["A", "B"])
    return template


@pytest.fixture
def staff(client):
    user = UserFactory()
    client.force_login(user)
    return user


def test_the_whole_wizard_creates_and_submits_a_ticket(client, staff, template):
    code = AccessCodeFactory(template=template, label="Presse 1")
    response = client.post(reverse("tickets:create"), {"template": template.pk, "title": "Presse klemmt", "description": "Seit heute"})
    ticket = Ticket.objects.get(title="Presse klemmt")
    assert ticket.status == Status.DRAFT and ticket.created_by == staff
    assert response["Location"] == reverse("tickets:wizard", args=[ticket.number, "fields"])

    response = client.post(reverse("tickets:wizard", args=[ticket.number, "fields"]), {"serial": "SN-9", "area": "B"})
    assert response["Location"] == reverse("tickets:wizard", args=[ticket.number, "access"])
    response = client.post(reverse("tickets:wizard", args=[ticket.number, "access"]), {"access_code": code.pk, "visibility": "public"})
    assert response["Location"] == reverse("tickets:wizard", args=[ticket.number, "summary"])
    summary = client.get(response["Location"]).content.decode()
    assert "SN-9" in summary and "Presse 1" in summary and "Öffentlich" in summary

    response = client.post(reverse("tickets:wizard", args=[ticket.number, "summary"]))
    assert response["Location"] == ticket.get_absolute_url()
    ticket.refresh_from_db()
    assert (ticket.status, ticket.visibility, ticket.access_code, ticket.custom_values) == (
        Status.OPEN, "public", code, {"serial": "SN-9", "area": "B"}
    )
    assert "wurde abgesendet und ist jetzt offen" in client.get(response["Location"]).content.decode()


def test_validation_errors_keep_the_input_and_sit_next_to_the_field(client, staff, template):
    response = client.post(reverse("tickets:create"), {"template": template.pk, "title": "", "description": "Mein Text"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Mein Text" in html and "Titel ist erforderlich" in html
    assert not Ticket.objects.exists()

    client.post(reverse("tickets:create"), {"template": template.pk, "title": "Lüfter"})
    ticket = Ticket.objects.get()
    response = client.post(reverse("tickets:wizard", args=[ticket.number, "fields"]), {"serial": "", "area": "C"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_serial-error"' in html or "Seriennummer ist erforderlich" in html
    assert "Bitte wählen Sie eine der angebotenen Optionen" in html or "angebotenen" in html
    ticket.refresh_from_db()
    assert "fields" not in ticket.completed_steps


def test_no_template_chosen_is_a_clear_error(client, staff, template):
    response = client.post(reverse("tickets:create"), {"title": "Ohne Vorlage"})
    assert response.status_code == 400
    assert "Bitte wählen Sie eine Vorlage." in response.content.decode()
    assert "Ohne Vorlage" in response.content.decode()


def test_a_draft_can_be_left_and_resumed(client, staff, template):
    client.post(reverse("tickets:create"), {"template": template.pk, "title": "Später weiter"})
    ticket = Ticket.objects.get()
    client.post(reverse("tickets:wizard", args=[ticket.number, "fields"]), {"serial": "S1"})
    # Another day: the general step shows the saved values and the stepper marks done steps.
    html = client.get(reverse("tickets:wizard", args=[ticket.number, "fields"])).content.decode()
    assert 'value="S1"' in html
    html = client.get(reverse("tickets:wizard", args=[ticket.number, "general"])).content.decode()
    assert 'value="Später weiter"' in html
    assert html.count('class="done') >= 2


def test_submitting_an_incomplete_draft_says_what_is_missing(client, staff, template):
    client.post(reverse("tickets:create"), {"template": template.pk, "title": "Halb fertig"})
    ticket = Ticket.objects.get()
    response = client.post(reverse("tickets:wizard", args=[ticket.number, "summary"]))
    assert response.status_code == 409
    html = response.content.decode()
    assert "Noch zu erledigen" in html
    ticket.refresh_from_db()
    assert ticket.status == Status.DRAFT


def test_someone_elses_draft_is_not_reachable(client, template):
    owner = UserFactory()
    client.force_login(owner)
    client.post(reverse("tickets:create"), {"template": template.pk, "title": "Meins"})
    ticket = Ticket.objects.get()
    client.force_login(UserFactory())
    assert client.get(reverse("tickets:wizard", args=[ticket.number, "general"])).status_code == 404


def test_submitted_tickets_leave_the_wizard(client, staff, template):
    template.fields.all().delete()
    client.post(reverse("tickets:create"), {"template": template.pk, "title": "Schnell"})
    ticket = Ticket.objects.get()
    client.post(reverse("tickets:wizard", args=[ticket.number, "fields"]), {})
    client.post(reverse("tickets:wizard", args=[ticket.number, "access"]), {"visibility": "internal"})
    client.post(reverse("tickets:wizard", args=[ticket.number, "summary"]))
    response = client.get(reverse("tickets:wizard", args=[ticket.number, "general"]))
    assert response.status_code == 302 and response["Location"] == ticket.get_absolute_url()


def test_staff_without_a_role_cannot_create(client, template):
    client.force_login(UserFactory(role=None))
    assert client.get(reverse("tickets:create")).status_code == 403
