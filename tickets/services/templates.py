"""Writing ticket templates and their custom fields (the settings pages and every other door).

Each function takes the acting staff member first, checks the model permission of their role
(``fleet/roles.py``), validates with the model's ``full_clean`` and changes the database in one
transaction. Errors are ``InvalidInput`` (with ``errors`` per field) or ``PermissionDenied``;
nothing has changed when one is raised.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from common.errors import InvalidInput, PermissionDenied
from common.text import strip_text
from tickets import lifecycle
from tickets.choices import CreationStep, FieldType, OfferRecipients
from tickets.models import TemplateField, Ticket, TicketTemplate

# The template's own columns a page may set (the members are a many-to-many relation).
TEMPLATE_FIELDS = (
    "name",
    "description",
    "is_active",
    "default_title",
    "default_description",
    "default_visibility",
    "creation_steps",
    "asks_feedback",
    "offer_recipients",
    "offer_group",
    "assignees_needed",
    "offer_validity",
    "announce_in_app",
    "announce_by_email",
    "allows_claiming",
)
FIELD_FIELDS = ("key", "label", "field_type", "required", "choices", "help_text")

MAX_ASSIGNEES = 20
MAX_OFFER_VALIDITY = timedelta(days=90)


def _require(actor, perm: str, message: str) -> None:
    if not lifecycle.is_staff(actor) or not actor.has_perm(perm):
        raise PermissionDenied(message)


def _full_clean(obj, **kwargs) -> None:
    try:
        obj.full_clean(**kwargs)
    except ValidationError as error:
        errors = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
        raise InvalidInput(_("Please check the marked fields."), errors=errors) from None


def _strip(value) -> str:
    return strip_text(value)


def _apply_template(template: TicketTemplate, data: dict) -> None:
    unknown = set(data) - set(TEMPLATE_FIELDS) - {"offer_members"}
    if unknown:
        raise InvalidInput(_("Unknown template setting."), errors={name: ["invalid"] for name in unknown})
    for name in TEMPLATE_FIELDS:
        if name in data:
            value = data[name]
            setattr(template, name, _strip(value) if isinstance(value, str) else value)
    if "creation_steps" in data:
        # Kept in the wizard's order, each once.
        chosen = set(template.creation_steps or [])
        unknown_steps = chosen - set(CreationStep.values)
        if unknown_steps:
            raise InvalidInput(
                _("Unknown steps: %s") % ", ".join(sorted(unknown_steps)), errors={"creation_steps": ["invalid"]}
            )
        template.creation_steps = [step for step in CreationStep.values if step in chosen]
    errors = {}
    if not isinstance(template.assignees_needed, int) or not 1 <= template.assignees_needed <= MAX_ASSIGNEES:
        errors["assignees_needed"] = [_("Between 1 and %(max)d assignees.") % {"max": MAX_ASSIGNEES}]
    if not isinstance(template.offer_validity, timedelta) or not (
        timedelta(0) < template.offer_validity <= MAX_OFFER_VALIDITY
    ):
        errors["offer_validity"] = [_("Offers are valid for 1 hour up to 90 days.")]
    if template.offer_recipients != OfferRecipients.GROUP:
        template.offer_group = None
    if errors:
        raise InvalidInput(_("Please check the marked fields."), errors=errors)


def _set_members(template: TicketTemplate, data: dict, *, creating: bool) -> None:
    members = list(data.get("offer_members") or []) if "offer_members" in data else None
    recipients = template.offer_recipients
    if recipients == OfferRecipients.MEMBERS:
        chosen = members if members is not None else ([] if creating else list(template.offer_members.all()))
        if not chosen:
            raise InvalidInput(
                _("Choose the members who receive the offers."), errors={"offer_members": [_("Choose at least one member.")]}
            )
        template.offer_members.set(chosen)
    elif members is not None or not creating:
        # Only "chosen members" uses the list: keep it empty otherwise, so it cannot surprise later.
        template.offer_members.clear()


@transaction.atomic
def template_create(actor, **data) -> TicketTemplate:
    """A new template from the settings of ``data`` (names as on ``TicketTemplate``)."""
    _require(actor, "tickets.add_tickettemplate", _("Only administrators create templates."))
    template = TicketTemplate()
    _apply_template(template, data)
    if "allows_claiming" not in data:  # Übernehmen: on by default when offers go to everyone
        template.allows_claiming = template.offer_recipients == OfferRecipients.ALL_STAFF
    _full_clean(template)
    template.save()
    _set_members(template, data, creating=True)
    return template


@transaction.atomic
def template_update(actor, template: TicketTemplate, **data) -> TicketTemplate:
    """Change the given settings of a template; the others stay as they are."""
    _require(actor, "tickets.change_tickettemplate", _("Only administrators change templates."))
    template = TicketTemplate.objects.select_for_update().get(pk=template.pk)
    _apply_template(template, data)
    _full_clean(template)
    template.save()
    _set_members(template, data, creating=False)
    return template


# --- custom fields -------------------------------------------------------------------------------


def _clean_choices(value) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = value.splitlines()
    if not isinstance(value, (list, tuple)):
        raise InvalidInput(_("Choices are given one per line."), errors={"choices": ["invalid"]})
    choices = []
    for item in value:
        item = _strip(str(item))
        if item and item not in choices:
            choices.append(item)
    if any(len(item) > 200 for item in choices):
        raise InvalidInput(_("A choice may have at most 200 characters."), errors={"choices": ["max_length"]})
    return choices


def _apply_field(field: TemplateField, data: dict) -> None:
    unknown = set(data) - set(FIELD_FIELDS)
    if unknown:
        raise InvalidInput(_("Unknown field setting."), errors={name: ["invalid"] for name in unknown})
    for name in FIELD_FIELDS:
        if name in data:
            value = data[name]
            setattr(field, name, _clean_choices(value) if name == "choices" else _strip(value))
    if field.field_type != FieldType.CHOICE:
        field.choices = []


def _save_field(field: TemplateField) -> None:
    taken = TemplateField.objects.filter(template_id=field.template_id, key=field.key).exclude(pk=field.pk)
    if field.key and taken.exists():
        raise InvalidInput(
            _("This template already has a field with this key."), errors={"key": [_("This key is taken.")]}
        )
    _full_clean(field)
    try:
        with transaction.atomic():
            field.save()
    except IntegrityError:  # two people adding the same key at once
        raise InvalidInput(
            _("This template already has a field with this key."), errors={"key": [_("This key is taken.")]}
        ) from None


def _lock_fields(template: TicketTemplate) -> list[TemplateField]:
    TicketTemplate.objects.select_for_update().filter(pk=template.pk).exists()
    return list(TemplateField.objects.select_for_update().filter(template=template).order_by("position", "id"))


@transaction.atomic
def template_field_add(actor, template: TicketTemplate, **data) -> TemplateField:
    """Append a custom field to the template (key, label, field_type, required, choices, help_text)."""
    _require(actor, "tickets.change_tickettemplate", _("Only administrators change templates."))
    _lock_fields(template)
    last = TemplateField.objects.filter(template=template).aggregate(last=Max("position"))["last"]
    field = TemplateField(template=template, position=0 if last is None else last + 1)
    _apply_field(field, data)
    _save_field(field)
    return field


@transaction.atomic
def template_field_update(actor, field: TemplateField, **data) -> TemplateField:
    _require(actor, "tickets.change_tickettemplate", _("Only administrators change templates."))
    _lock_fields(field.template)
    field = TemplateField.objects.select_related("template").get(pk=field.pk)
    old_key = field.key
    _apply_field(field, data)
    if field.key != old_key and Ticket.objects.filter(template=field.template).exists():
        # The tickets keep their values under the old key: renaming would hide them.
        raise InvalidInput(
            _("The key cannot be changed once tickets use this template."),
            errors={"key": [_("The key cannot be changed once tickets use this template.")]},
        )
    _save_field(field)
    return field


@transaction.atomic
def template_field_remove(actor, field: TemplateField) -> None:
    """Remove a custom field; values already stored on tickets stay in their history."""
    _require(actor, "tickets.change_tickettemplate", _("Only administrators change templates."))
    _lock_fields(field.template)
    TemplateField.objects.filter(pk=field.pk).delete()


@transaction.atomic
def template_field_move(actor, field: TemplateField, direction: str) -> TemplateField:
    """Move a field one place ``up`` or ``down``; positions are renumbered 0, 1, 2, …"""
    _require(actor, "tickets.change_tickettemplate", _("Only administrators change templates."))
    if direction not in ("up", "down"):
        raise InvalidInput(_("Move a field up or down."), errors={"direction": ["invalid"]})
    fields = _lock_fields(field.template)
    index = next((i for i, f in enumerate(fields) if f.pk == field.pk), None)
    if index is None:
        raise InvalidInput(_("This field no longer exists."))
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(fields):
        fields[index], fields[other] = fields[other], fields[index]
    for position, item in enumerate(fields):
        if item.position != position:
            item.position = position
            item.save(update_fields=["position"])
    return next(f for f in fields if f.pk == field.pk)
