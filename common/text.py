"""Cleaning text that people type, once: NUL characters out, whitespace trimmed, length checked."""

from __future__ import annotations

from django.utils.translation import gettext as _

from common.errors import InvalidInput


def is_unicode_text(value: str) -> bool:
    """Whether ``value`` can be stored and sent as UTF-8. JSON may carry lone surrogates
    (``"\\ud800"``) that Python decodes into a ``str`` no database or socket can encode: such text
    is refused where it comes in, never found later as a 500."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def strip_text(value):
    """NUL characters removed and whitespace trimmed; anything that is not text stays as it is."""
    return value.replace("\x00", "").strip() if isinstance(value, str) else value


def clean_text(
    value, *, field: str, max_length: int, required: bool = False, label: str | None = None,
    type_message: str | None = None, required_message: str | None = None, too_long_message: str | None = None,
) -> str:
    """The cleaned text, or ``InvalidInput`` naming ``field``. Messages name ``label`` unless the
    caller words them itself (``too_long_message`` may use ``%(max)d``)."""
    label = label or _("Text")
    if value is None:
        value = ""
    if not isinstance(value, str) or not is_unicode_text(value):
        raise InvalidInput(type_message or _("%(label)s must be text.") % {"label": label}, errors={field: ["type"]})
    value = strip_text(value)
    if required and not value:
        raise InvalidInput(required_message or _("%(label)s is required.") % {"label": label}, errors={field: ["required"]})
    if len(value) > max_length:
        message = too_long_message or _("%(label)s may have at most %(max)d characters.")
        raise InvalidInput(message % {"label": label, "max": max_length}, errors={field: ["max_length"]})
    return value
