"""tickets.template_services: templates and their custom fields."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import translation

from common.errors import InvalidInput, PermissionDenied
from tests.factories import TemplateFieldFactory, TicketTemplateFactory, make_ticket
from tickets import services as template_services
from tickets.choices import FieldType, OfferRecipients
from tickets.models import TemplateField, TicketTemplate

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _settings(**changes):
    data = {
        "name": "Wartung",
        "description": "Regelmäßige Wartung",
        "is_active": True,
        "default_visibility": "public",
        "creation_steps": ["general", "fields"],
        "asks_feedback": False,
        "offer_recipients": OfferRecipients.ALL_STAFF,
        "assignees_needed": 2,
        "offer_validity": timedelta(hours=8),
        "announce_in_app": True,
        "announce_by_email": True,
    }
    return {**data, **changes}


def test_administrator_creates_a_template_with_fleet_settings(crew):
    template = template_services.template_create(crew["admin"], **_settings())
    template.refresh_from_db()
    assert template.name == "Wartung"
    assert template.creation_steps == ["general", "fields"]
    assert template.assignees_needed == 2
    assert template.offer_validity == timedelta(hours=8)
    assert template.announce_by_email and not template.asks_feedback


@pytest.mark.parametrize("role", ["moderator", "staff"])
def test_only_administrators_write_templates(crew, role):
    template = TicketTemplateFactory(name="Alt")
    with pytest.raises(PermissionDenied):
        template_services.template_create(crew[role], **_settings())
    with pytest.raises(PermissionDenied):
        template_services.template_update(crew[role], template, name="Neu")
    with pytest.raises(PermissionDenied):
        template_services.template_field_add(crew[role], template, key="a", label="A", field_type="text")
    assert TicketTemplate.objects.get().name == "Alt"
    assert not TemplateField.objects.exists()


def test_a_deactivated_administrator_is_refused(crew):
    crew["admin"].is_active = False
    with pytest.raises(PermissionDenied):
        template_services.template_create(crew["admin"], **_settings())


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": ""}, "name"),
        ({"assignees_needed": 0}, "assignees_needed"),
        ({"offer_validity": timedelta(0)}, "offer_validity"),
        ({"offer_recipients": OfferRecipients.GROUP, "offer_group": None}, "offer_group"),
        ({"offer_recipients": OfferRecipients.MEMBERS, "offer_members": []}, "offer_members"),
        ({"creation_steps": ["general", "dance"]}, "creation_steps"),
        ({"default_visibility": "secret"}, "default_visibility"),
    ],
)
def test_invalid_template_settings_name_the_field_and_change_nothing(crew, changes, field):
    template = TicketTemplateFactory(name="Bleibt", assignees_needed=1)
    with pytest.raises(InvalidInput) as error:
        template_services.template_update(crew["admin"], template, **_settings(**changes))
    assert field in error.value.errors
    template.refresh_from_db()
    assert template.name == "Bleibt" and template.assignees_needed == 1


def test_duplicate_template_name_is_refused(crew):
    TicketTemplateFactory(name="Wartung")
    with pytest.raises(InvalidInput) as error:
        template_services.template_create(crew["admin"], **_settings())
    assert "name" in error.value.errors


def test_offers_to_a_group_or_chosen_members(crew):
    group = Group.objects.get(name="Moderator")
    template = template_services.template_create(
        crew["admin"], **_settings(offer_recipients=OfferRecipients.GROUP, offer_group=group)
    )
    assert template.offer_group == group
    template = template_services.template_update(
        crew["admin"], template, offer_recipients=OfferRecipients.MEMBERS, offer_members=[crew["staff"]]
    )
    assert template.offer_group is None  # only used for group offers
    assert list(template.offer_members.all()) == [crew["staff"]]
    template = template_services.template_update(crew["admin"], template, offer_recipients=OfferRecipients.ALL_STAFF)
    assert not template.offer_members.exists()


def test_fields_are_added_in_order_and_validated(crew):
    template = TicketTemplateFactory()
    first = template_services.template_field_add(
        crew["admin"], template, key="serial", label="Seriennummer", field_type=FieldType.TEXT, required=True
    )
    second = template_services.template_field_add(
        crew["admin"], template, key="kind", label="Art", field_type=FieldType.CHOICE, choices="Öl\nLuft\n\nÖl\n"
    )
    assert [f.key for f in template.fields.all()] == ["serial", "kind"]
    assert second.choices == ["Öl", "Luft"]
    assert first.position < second.position

    with pytest.raises(InvalidInput) as error:
        template_services.template_field_add(crew["admin"], template, key="serial", label="Doppelt", field_type="text")
    assert "key" in error.value.errors
    with pytest.raises(InvalidInput) as error:
        template_services.template_field_add(crew["admin"], template, key="x", label="X", field_type="choice", choices="")
    assert "choices" in error.value.errors
    with pytest.raises(InvalidInput) as error:
        template_services.template_field_add(crew["admin"], template, key="not a slug!", label="X", field_type="text")
    assert "key" in error.value.errors
    assert template.fields.count() == 2


def test_field_update_remove_and_move(crew):
    template = TicketTemplateFactory()
    a, b, c = (TemplateFieldFactory(template=template, key=k, label=k.upper(), position=0) for k in ("a", "b", "c"))
    template_services.template_field_move(crew["admin"], c, "up")
    assert [f.key for f in template.fields.all()] == ["a", "c", "b"]
    template_services.template_field_move(crew["admin"], a, "up")  # already first: stays
    template_services.template_field_move(crew["admin"], a, "down")
    assert [f.key for f in template.fields.all()] == ["c", "a", "b"]
    with pytest.raises(InvalidInput):
        template_services.template_field_move(crew["admin"], a, "sideways")

    updated = template_services.template_field_update(crew["admin"], b, label="Bee", required=True, help_text="Hilfe")
    assert (updated.label, updated.required, updated.help_text) == ("Bee", True, "Hilfe")
    template_services.template_field_remove(crew["admin"], a)
    assert [f.key for f in template.fields.all()] == ["c", "b"]
    with pytest.raises(PermissionDenied):
        template_services.template_field_remove(crew["moderator"], b)
    with pytest.raises(PermissionDenied):
        template_services.template_field_move(crew["moderator"], b, "up")


def test_key_is_fixed_once_tickets_use_the_template(crew):
    template = TicketTemplateFactory()
    field = TemplateFieldFactory(template=template, key="serial")
    make_ticket(template=template)
    with pytest.raises(InvalidInput) as error:
        template_services.template_field_update(crew["admin"], field, key="serial_no")
    assert "key" in error.value.errors
    field.refresh_from_db()
    assert field.key == "serial"
