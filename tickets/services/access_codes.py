"""Access codes (the QR codes on machines) and the code users who enter through them.

Every change to a code is recorded in Django's object history (``LogEntry``: who, when, what),
which the code's settings page and the admin's "History" show; the admin itself saves through
these functions as well, so the record is the same whichever door was used."""

from __future__ import annotations

import json

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common import events
from common.errors import InvalidInput, PermissionDenied
from common.languages import is_language
from common.text import clean_text
from tickets import events as ticket_events
from tickets.models import AccessCode, CodeUser, TicketTemplate
from tickets.services.support import UNSET, require_staff

# --- access codes and code users ---------------------------------------------------------------


@transaction.atomic
def access_code_create(
    actor,
    *,
    label: str,
    template: TicketTemplate,
    location: str = "",
    serial_number: str = "",
    pin: str | None = None,
) -> AccessCode:
    require_staff(actor, "tickets.add_accesscode")
    label = clean_text(label, field="label", label=_("Label"), max_length=120, required=True)
    code = AccessCode(label=label, template=template, location=location, serial_number=serial_number, created_by=actor)
    if pin:
        validate_pin(pin)
    code.set_pin(pin)
    code.save()
    _record(actor, code, ADDITION, [{"added": {}}])
    return code


def validate_pin(pin: str) -> None:
    if not (isinstance(pin, str) and pin.isdigit() and 4 <= len(pin) <= 12):
        raise InvalidInput(_("A PIN has 4 to 12 digits."), errors={"pin": ["invalid"]})


@transaction.atomic
def access_code_set_pin(actor, code: AccessCode, pin: str | None) -> AccessCode:
    require_staff(actor, "tickets.change_accesscode")
    if pin:
        validate_pin(pin)
    code.set_pin(pin)
    code.save(update_fields=["pin_hash", "updated_at"])
    _record(actor, code, CHANGE, _("PIN set.") if pin else _("PIN removed."))
    return code


def code_users_set_language(code_user_ids, language: str) -> int:
    """A code user switched the page's language: their e-mails and notices follow it."""
    if not is_language(language):
        raise InvalidInput(_("This language is not available."), errors={"language": ["invalid"]})
    return CodeUser.objects.filter(pk__in=list(code_user_ids)).update(preferred_language=language)


@transaction.atomic
def code_user_create(
    access_code: AccessCode, *, display_name: str, email: str = "", preferred_language: str = "de"
) -> CodeUser:
    if not access_code.is_active:
        raise PermissionDenied(_("This access code is no longer active."))
    display_name = clean_text(display_name, field="display_name", label=_("Name"), max_length=120, required=True)
    code_user = CodeUser(
        access_code=access_code,
        display_name=display_name,
        email=(email or "").strip(),
        preferred_language=preferred_language if preferred_language in ("de", "en") else "de",
    )
    try:
        code_user.full_clean(exclude=["access_code"])
    except ValidationError as error:
        raise InvalidInput(_("Please check your details."), errors=error.message_dict) from None
    code_user.save()
    return code_user


# --- access codes: the settings pages ------------------------------------------------------------


@transaction.atomic
def access_code_update(
    actor,
    code: AccessCode,
    *,
    label: str,
    template: TicketTemplate,
    location: str = "",
    serial_number: str = "",
    is_active: bool | None = None,
    pin=UNSET,
) -> AccessCode:
    """Change what is printed beside a code and where it leads. ``pin``: a new PIN, ``None`` to
    remove it, left out to keep it."""
    require_staff(actor, "tickets.change_accesscode")
    code = AccessCode.objects.select_for_update().get(pk=code.pk)
    before = {name: getattr(code, name) for name in ("label", "location", "serial_number", "template_id", "is_active")}
    code.label = clean_text(label, field="label", label=_("Label"), max_length=120, required=True)
    code.location = clean_text(location, field="location", label=_("Location"), max_length=200, required=False)
    code.serial_number = clean_text(
        serial_number, field="serial_number", label=_("Serial number"), max_length=100, required=False
    )
    if template is None:
        raise InvalidInput(_("Please choose a template."), errors={"template": ["required"]})
    if template.pk != code.template_id and not template.is_active:
        raise InvalidInput(_("This template is no longer in use."), errors={"template": ["inactive"]})
    code.template = template
    if is_active is not None:
        code.is_active = bool(is_active)
    changed = [name.removesuffix("_id") for name, old in before.items() if getattr(code, name) != old]
    if pin is not UNSET:
        if pin:
            validate_pin(pin)
        code.set_pin(pin or None)
        changed.append("pin_hash")
    if not changed:
        return code
    code.save()
    _record(actor, code, CHANGE, _changed(changed))
    if "is_active" in changed:  # the same as switching it on the list: its customers' pages hear at once
        events.publish_on_commit(ticket_events.access_code_switched(code, actor))
    return code


@transaction.atomic
def access_code_set_active(actor, code: AccessCode, active: bool) -> AccessCode:
    """Switch a code on or off: an inactive code leads its visitors to the friendly "unknown code" page."""
    require_staff(actor, "tickets.change_accesscode")
    code = AccessCode.objects.select_for_update().get(pk=code.pk)
    if code.is_active != bool(active):
        code.is_active = bool(active)
        code.save(update_fields=["is_active", "updated_at"])
        _record(actor, code, CHANGE, _("Switched on.") if code.is_active else _("Switched off."))
        events.publish_on_commit(ticket_events.access_code_switched(code, actor))
    return code


@transaction.atomic
def access_code_revoke_links(actor, code: AccessCode) -> AccessCode:
    """End every personal link of this code at once (a link was passed on, a device was lost): the
    links name the code's links version, which goes up; sessions signed in through such a link lose
    that identity on their next request. Customers who signed in on their own device through the
    code keep it, and every new page and e-mail carries a new link."""
    require_staff(actor, "tickets.change_accesscode")
    code = AccessCode.objects.select_for_update().get(pk=code.pk)
    code.links_version += 1
    code.links_revoked_at = timezone.now()
    code.save(update_fields=["links_version", "links_revoked_at", "updated_at"])
    _record(actor, code, CHANGE, _("Personal links revoked."))
    return code


def _record(actor, code: AccessCode, action_flag: int, message) -> None:
    """One entry of the code's history; ``message`` is text, or the admin's JSON change list."""
    LogEntry.objects.log_actions(
        user_id=actor.pk, queryset=[code], action_flag=action_flag,
        change_message=message if isinstance(message, str) else json.dumps(message), single_object=True,
    )


def _changed(fields: list[str]) -> list[dict]:
    """The admin's change-message format, with the fields' names (shown as "Changed label and location.")."""
    return [{"changed": {"fields": [str(AccessCode._meta.get_field(name).verbose_name) for name in fields]}}]
