"""Validation of a template's custom fields, done on the server for every way in."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from tickets.choices import FieldType

MAX_TEXT = 500
MAX_LONG_TEXT = 10_000


def _clean_value(field, raw):
    """Return the value to store, None for empty; raise ValidationError with a clear message."""
    if field.field_type == FieldType.CHECKBOX:
        if isinstance(raw, bool):
            return raw
        if raw in (None, ""):
            return False
        if isinstance(raw, str) and raw.lower() in ("true", "on", "1", "yes", "false", "off", "0", "no"):
            return raw.lower() in ("true", "on", "1", "yes")
        raise ValidationError(_("Choose yes or no."))

    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None

    if field.field_type in (FieldType.TEXT, FieldType.LONG_TEXT):
        if not isinstance(raw, str):
            raise ValidationError(_("Enter text."))
        limit = MAX_TEXT if field.field_type == FieldType.TEXT else MAX_LONG_TEXT
        raw = raw.replace("\x00", "")  # as common.text does: PostgreSQL stores no NUL character
        value = raw.strip() if field.field_type == FieldType.TEXT else raw.strip("\n\r ")
        if not value:
            return None
        if len(value) > limit:
            raise ValidationError(_("At most %(limit)d characters.") % {"limit": limit})
        if field.field_type == FieldType.TEXT and ("\n" in value or "\r" in value):
            raise ValidationError(_("Enter a single line."))
        return value

    if field.field_type == FieldType.NUMBER:
        if isinstance(raw, bool):
            raise ValidationError(_("Enter a number."))
        try:
            number = Decimal(str(raw).strip().replace(",", "."))
        except InvalidOperation:
            raise ValidationError(_("Enter a number.")) from None
        if not number.is_finite() or abs(number) >= Decimal("1e15"):
            raise ValidationError(_("Enter a number."))
        # Stored as JSON: an int when whole, else a string keeps the exact decimal.
        return int(number) if number == number.to_integral_value() else str(number.normalize())

    if field.field_type == FieldType.CHOICE:
        if raw not in field.choices:
            raise ValidationError(_("Choose one of the offered options."))
        return raw

    if field.field_type == FieldType.DATE:
        if isinstance(raw, datetime.date):
            return raw.isoformat()
        try:
            return datetime.date.fromisoformat(str(raw).strip()).isoformat()
        except ValueError:
            raise ValidationError(_("Enter a valid date (YYYY-MM-DD).")) from None

    raise ValidationError(_("Unknown field type."))


def clean_custom_values(template, data: dict, *, partial: bool = False) -> dict:
    """Validate ``data`` against the template's fields; return the values to store.

    Unknown keys are refused. With ``partial``, missing required fields are allowed (a draft
    that is still being filled); submission checks completeness again.
    """
    if not isinstance(data, dict):
        raise ValidationError(_("Template fields must be given as a mapping."))
    fields = {f.key: f for f in template.fields.all()}
    errors: dict[str, list[str]] = {}
    cleaned: dict = {}
    for key in data:
        if key not in fields:
            errors.setdefault(key, []).append(_("This template has no field “%(key)s”.") % {"key": key})
    for key, field in fields.items():
        try:
            value = _clean_value(field, data.get(key))
        except ValidationError as error:
            errors.setdefault(key, []).extend(error.messages)
            continue
        if field.required and value in (None, False):
            if not (partial and key not in data):
                errors.setdefault(key, []).append(_("%(label)s is required.") % {"label": field.label})
            continue
        if value is not None:
            cleaned[key] = value
    if errors:
        raise ValidationError(errors)
    return cleaned


def custom_values_errors(template, values: dict) -> dict:
    """The errors a submission would meet (empty when the stored values are complete and valid)."""
    try:
        clean_custom_values(template, values or {})
    except ValidationError as error:
        return error.message_dict
    return {}
