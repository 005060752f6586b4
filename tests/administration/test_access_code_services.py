"""Access codes from the settings pages: tickets.services.access_code_update / _set_active."""

import pytest
from django.utils import translation

from common.errors import InvalidInput, PermissionDenied
from tests.factories import AccessCodeFactory, TicketTemplateFactory
from tickets import services
from tickets.models import AccessCode

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize("role", ["admin", "moderator"])
def test_administrators_and_moderators_create_and_change_codes(crew, role):
    template = TicketTemplateFactory()
    code = services.access_code_create(crew[role], label="Presse 7", template=template, pin="1234")
    assert code.check_pin("1234") and code.created_by == crew[role]
    other = TicketTemplateFactory()
    code = services.access_code_update(
        crew[role], code, label="Presse 8", template=other, location="Halle 2", serial_number="SN-1", is_active=False,
    )
    code.refresh_from_db()
    assert (code.label, code.template, code.location, code.serial_number, code.is_active) == (
        "Presse 8", other, "Halle 2", "SN-1", False
    )
    assert code.check_pin("1234")  # kept when not given
    services.access_code_update(crew[role], code, label="Presse 8", template=other, pin="98765")
    code.refresh_from_db()
    assert code.check_pin("98765")
    services.access_code_update(crew[role], code, label="Presse 8", template=other, pin=None)
    code.refresh_from_db()
    assert not code.has_pin
    services.access_code_set_active(crew[role], code, True)
    code.refresh_from_db()
    assert code.is_active


def test_a_mitarbeiter_may_not_change_codes(crew):
    code = AccessCodeFactory(label="Alt")
    with pytest.raises(PermissionDenied):
        services.access_code_create(crew["staff"], label="Neu", template=code.template)
    with pytest.raises(PermissionDenied):
        services.access_code_update(crew["staff"], code, label="Neu", template=code.template)
    with pytest.raises(PermissionDenied):
        services.access_code_set_active(crew["staff"], code, False)
    code.refresh_from_db()
    assert code.label == "Alt" and code.is_active and AccessCode.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"label": "  "}, "label"), ({"pin": "12"}, "pin"), ({"pin": "abcd"}, "pin"), ({"location": "x" * 201}, "location")],
)
def test_bad_code_input_names_the_field_and_changes_nothing(crew, changes, field):
    code = AccessCodeFactory(label="Alt")
    with pytest.raises(InvalidInput) as error:
        services.access_code_update(crew["admin"], code, **{"label": "Neu", "template": code.template, **changes})
    assert field in error.value.errors
    code.refresh_from_db()
    assert code.label == "Alt" and not code.has_pin


def test_an_inactive_template_cannot_be_chosen_anew(crew):
    code = AccessCodeFactory()
    retired = TicketTemplateFactory(is_active=False)
    with pytest.raises(InvalidInput) as error:
        services.access_code_update(crew["admin"], code, label="X", template=retired)
    assert "template" in error.value.errors
