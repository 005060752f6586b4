"""Template fields are validated on the server, whatever door the values come through."""

import pytest
from django.core.exceptions import ValidationError

from common.errors import InvalidInput
from tests.factories import TemplateFieldFactory, TicketTemplateFactory
from tickets import services
from tickets.choices import FieldType
from tickets.custom_fields import clean_custom_values

pytestmark = pytest.mark.django_db


@pytest.fixture
def template():
    template = TicketTemplateFactory()
    TemplateFieldFactory(template=template, key="serial", label="Seriennummer", field_type=FieldType.TEXT, required=True)
    TemplateFieldFactory(template=template, key="notes", label="Notizen", field_type=FieldType.LONG_TEXT)
    TemplateFieldFactory(template=template, key="hours", label="Betriebsstunden", field_type=FieldType.NUMBER)
    TemplateFieldFactory(
        template=template, key="area", label="Bereich", field_type=FieldType.CHOICE, choices=["Halle A", "Halle B"]
    )
    TemplateFieldFactory(template=template, key="since", label="Seit", field_type=FieldType.DATE)
    TemplateFieldFactory(template=template, key="urgent", label="Dringend", field_type=FieldType.CHECKBOX)
    return template


def test_valid_values_are_cleaned_to_their_types(template):
    cleaned = clean_custom_values(
        template,
        {
            "serial": "  SN-42 ",
            "notes": "Zeile 1\nZeile 2",
            "hours": "1234,5",
            "area": "Halle B",
            "since": "2026-11-01",
            "urgent": "on",
        },
    )
    assert cleaned == {
        "serial": "SN-42",
        "notes": "Zeile 1\nZeile 2",
        "hours": "1234.5",
        "area": "Halle B",
        "since": "2026-11-01",
        "urgent": True,
    }
    assert clean_custom_values(template, {"serial": "x", "hours": 12})["hours"] == 12


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({}, "serial", "Seriennummer"),
        ({"serial": "   "}, "serial", "Seriennummer"),
        ({"serial": "a\nb"}, "serial", "single line"),
        ({"serial": "x" * 501}, "serial", "500"),
        ({"serial": "x", "hours": "zwölf"}, "hours", "number"),
        ({"serial": "x", "hours": "NaN"}, "hours", "number"),
        ({"serial": "x", "hours": "1e400"}, "hours", "number"),
        ({"serial": "x", "hours": True}, "hours", "number"),
        ({"serial": "x", "area": "Halle C"}, "area", "options"),
        ({"serial": "x", "since": "31.02.2026"}, "since", "date"),
        ({"serial": "x", "urgent": "vielleicht"}, "urgent", "yes or no"),
        ({"serial": "x", "unknown": "1"}, "unknown", "no field"),
        ({"serial": ["a list"]}, "serial", "text"),
    ],
)
def test_invalid_values_name_the_field_and_the_problem(template, values, field, message):
    with pytest.raises(ValidationError) as error:
        clean_custom_values(template, values)
    assert field in error.value.message_dict
    assert message in " ".join(error.value.message_dict[field])


def test_a_draft_may_be_saved_half_filled_but_not_submitted(cast, template):
    ticket = services.ticket_create(cast.creator, template=template, title="Kompressor", custom_values={"hours": "5"})
    assert ticket.custom_values == {"hours": 5, "urgent": False}
    with pytest.raises(InvalidInput) as error:
        services.ticket_update_fields(cast.creator, ticket, complete_step="fields")
    assert "serial" in error.value.errors
    ticket.refresh_from_db()
    assert "fields" not in ticket.completed_steps


def test_invalid_values_leave_the_ticket_unchanged(cast, template):
    ticket = services.ticket_create(cast.creator, template=template, title="Kompressor", custom_values={"serial": "A"})
    with pytest.raises(InvalidInput) as error:
        services.ticket_update_fields(cast.creator, ticket, custom_values={"serial": "B", "area": "Dach"})
    assert error.value.errors == {"area": ["Choose one of the offered options."]}
    ticket.refresh_from_db()
    assert ticket.custom_values == {"serial": "A", "urgent": False}


def test_choice_field_needs_options():
    field = TemplateFieldFactory.build(template=TicketTemplateFactory(), field_type=FieldType.CHOICE, choices=[])
    with pytest.raises(ValidationError):
        field.clean()


def test_required_checkbox_must_be_ticked(cast):
    template = TicketTemplateFactory()
    TemplateFieldFactory(template=template, key="safety", label="Anlage gesichert", field_type=FieldType.CHECKBOX, required=True)
    with pytest.raises(ValidationError):
        clean_custom_values(template, {"safety": False})
    assert clean_custom_values(template, {"safety": True}) == {"safety": True}
