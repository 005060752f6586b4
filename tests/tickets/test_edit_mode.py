"""BEARBEITEN → SPEICHERN on the detail page (the manual): title, description and the template's
fields of the Allgemein tab are saved together with status and visibility, all or nothing, with a
history entry per changed field; the summary names the assignees."""

import pytest
from django.urls import reverse
from django.utils import translation

from tests.factories import TemplateFieldFactory
from tickets.choices import FieldType, HistoryAction, Status, Visibility
from tickets.models import Ticket, TicketHistory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _german():
    with translation.override("de"):
        yield


@pytest.fixture
def ticket(cast, ticket_in):
    ticket = ticket_in(Status.ASSIGNED)
    TemplateFieldFactory(template=ticket.template, key="serial", label="Seriennummer", position=0)
    TemplateFieldFactory(template=ticket.template, key="hours", label="Betriebsstunden", field_type=FieldType.NUMBER, position=1)
    return Ticket.objects.get(pk=ticket.pk)


def _save(client, ticket, **extra):
    data = {
        "expected_status": ticket.status, "edit_fields": "1",
        "edit-title": "Pumpe 3 tropft", "edit-description": "Unter dem Flansch",
        "field-serial": "P3-778", "field-hours": "1200",
    }
    data.update(extra)
    return client.post(reverse("tickets:change-status", args=[ticket.number]), data)


def test_edit_mode_shows_the_general_fields_in_the_status_bars_form(client, cast, ticket):
    client.force_login(cast.assignee)
    html = client.get(reverse("tickets:detail", args=[ticket.number]), {"edit": "1"}).content.decode()
    assert 'form="status-form"' in html
    for name in ("edit-title", "edit-description", "field-serial", "field-hours"):
        assert f'name="{name}"' in html
    assert f'value="{ticket.title}"' in html
    assert '<input type="hidden" name="edit_fields" value="1">' in html


def test_one_save_changes_fields_state_and_visibility_with_a_history_entry_per_field(client, cast, ticket):
    client.force_login(cast.assignee)
    response = _save(client, ticket, target_status=Status.IN_PROGRESS, visibility=Visibility.INTERNAL)
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.title, ticket.description, ticket.custom_values) == (
        "Pumpe 3 tropft", "Unter dem Flansch", {"serial": "P3-778", "hours": 1200},
    )
    assert (ticket.status, ticket.visibility) == (Status.IN_PROGRESS, Visibility.INTERNAL)
    fields = TicketHistory.objects.filter(ticket=ticket, action=HistoryAction.FIELDS).order_by("pk")
    assert [(h.field, h.new_value) for h in fields] == [
        ("title", "Pumpe 3 tropft"), ("description", "Unter dem Flansch"),
        ("custom_values", "serial: P3-778, hours: 1200"),
    ]


def test_a_bad_field_value_saves_nothing_and_says_why_next_to_it(client, cast, ticket):
    client.force_login(cast.assignee)
    before = (ticket.title, ticket.status, ticket.visibility, ticket.custom_values)
    response = _save(client, ticket, **{"field-hours": "viele"}, target_status=Status.IN_PROGRESS,
                     visibility=Visibility.INTERNAL)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="field-error"' in html
    ticket.refresh_from_db()
    assert (ticket.title, ticket.status, ticket.visibility, ticket.custom_values) == before
    assert not TicketHistory.objects.filter(ticket=ticket, action=HistoryAction.FIELDS).exists()


def test_those_who_may_not_edit_get_no_fields_and_cannot_post_them(client, cast, ticket):
    client.force_login(cast.other_staff)
    html = client.get(reverse("tickets:detail", args=[ticket.number]), {"edit": "1"}).content.decode()
    assert 'name="edit-title"' not in html
    response = _save(client, ticket)
    assert response.status_code == 403
    ticket.refresh_from_db()
    assert ticket.title == "Pumpe 3 verliert Öl"


def test_the_summary_names_the_assignees(client, cast, ticket):
    client.force_login(cast.moderator)
    html = client.get(reverse("tickets:detail", args=[ticket.number])).content.decode()
    summary = html.split('class="ticket-summary card"', 1)[1].split("</header>", 1)[0]
    assert f'<dd class="summary-assignees">{cast.assignee.display_name}</dd>' in summary


def test_saving_from_another_tab_changes_the_state_and_leaves_the_fields_alone(client, cast, ticket):
    client.force_login(cast.assignee)
    html = client.get(reverse("tickets:tab", args=[ticket.number, "history"]), {"edit": "1"}).content.decode()
    assert 'name="edit_fields"' not in html and 'name="edit-title"' not in html
    response = client.post(
        reverse("tickets:change-status", args=[ticket.number]),
        {"expected_status": Status.ASSIGNED, "target_status": Status.IN_PROGRESS, "tab": "history"},
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.status, ticket.title) == (Status.IN_PROGRESS, "Pumpe 3 verliert Öl")
