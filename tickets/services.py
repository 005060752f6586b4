"""Every change to tickets goes through these functions.

Each takes the acting user (a staff member or a code user) first, checks permission, changes
the database in one transaction, writes the ticket history and publishes exactly one domain event
after commit. Pages, the REST API, WebSocket consumers and the admin call them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import ConcurrentTransition

from common import events
from common.actors import actor_columns, actor_summary, is_code_user
from common.errors import ConditionUnmet, InvalidInput, LimitExceeded, PermissionDenied, StaleState, WrongState
from common.languages import is_language
from common.text import clean_text
from tickets import lifecycle
from tickets.attachments import validate_uploads
from tickets.choices import FINAL_STATES, CreationStep, HistoryAction, Status, UpdateKind, Visibility
from tickets.custom_fields import clean_custom_values
from tickets.models import (
    AccessCode,
    Attachment,
    CodeUser,
    Ticket,
    TicketHistory,
    TicketNumberSequence,
    TicketTemplate,
    TicketUpdate,
)

TRANSITIONS = ["submit", "assign", "start", "finish", "close", "reopen", "release", "cancel"]

TRANSITION_LABELS = {
    "submit": gettext_lazy("Submit"),
    "assign": gettext_lazy("Assign"),
    "start": gettext_lazy("Start work"),
    "finish": gettext_lazy("Finish"),
    "close": gettext_lazy("Close"),
    "reopen": gettext_lazy("Reopen"),
    "release": gettext_lazy("Release"),
    "cancel": gettext_lazy("Cancel"),
}

TITLE_MAX = 200
DESCRIPTION_MAX = 20_000

# --- helpers ---------------------------------------------------------------------------------


def history_record(ticket, actor, action, *, field="", old="", new="", reason="", data=None) -> TicketHistory:
    return TicketHistory.objects.create(
        ticket=ticket,
        action=action,
        field=field,
        old_value="" if old is None else str(old),
        new_value="" if new is None else str(new),
        reason=reason or "",
        data=data or {},
        **actor_columns(actor),
    )


def publish_ticket_event(name, ticket, actor, payload=None, *, internal=None) -> None:
    events.publish_on_commit(
        events.DomainEvent(
            name=name,
            ticket_id=ticket.pk,
            ticket_number=ticket.number,
            actor=actor_summary(actor),
            payload=payload or {},
            internal=ticket.visibility == Visibility.INTERNAL if internal is None else internal,
        )
    )


def lock_ticket(ticket: Ticket | int) -> Ticket:
    pk = ticket.pk if isinstance(ticket, Ticket) else ticket
    return Ticket.objects.select_for_update(of=("self",)).select_related("template", "access_code").get(pk=pk)


def _require_staff(actor, perm: str | None = None) -> None:
    if not lifecycle.is_staff(actor) or (perm and not actor.has_perm(perm)):
        raise PermissionDenied(_("You are not allowed to do this."))


def _clean_custom(template, values, *, partial: bool) -> dict:
    try:
        return clean_custom_values(template, values or {}, partial=partial)
    except ValidationError as error:
        errors = error.message_dict if hasattr(error, "error_dict") else {"custom_values": error.messages}
        raise InvalidInput(_("Please check the template fields."), errors=errors) from None


def next_ticket_number() -> str:
    """The next human-readable number, e.g. 2026-000123; call inside the creating transaction."""
    year = timezone.localdate().year
    TicketNumberSequence.objects.get_or_create(year=year)
    # The UPDATE locks the row until commit, so concurrent creations queue up.
    TicketNumberSequence.objects.filter(year=year).update(last=F("last") + 1)
    last = TicketNumberSequence.objects.values_list("last", flat=True).get(year=year)
    return f"{year}-{last:06d}"


# --- creating and editing ----------------------------------------------------------------------


@transaction.atomic
def ticket_create(
    actor,
    *,
    template: TicketTemplate,
    title: str,
    description: str = "",
    visibility: str | None = None,
    access_code: AccessCode | None = None,
    custom_values: dict | None = None,
) -> Ticket:
    """Create a ticket as Entwurf (the first wizard step: general information is complete).

    A code user always creates a public ticket on their own access code, with every creation
    step complete, so that it can be submitted right away.
    """
    if is_code_user(actor):
        access_code = actor.access_code
        if not access_code.is_active:
            raise PermissionDenied(_("This access code is no longer active."))
        _check_code_user_limits(actor)
        template = access_code.template
        visibility = Visibility.PUBLIC
    else:
        _require_staff(actor, "tickets.add_ticket")
    if not template.is_active:
        raise InvalidInput(_("This template is no longer in use."), errors={"template": ["inactive"]})
    title = clean_text(title, field="title", label=_("Title"), max_length=TITLE_MAX, required=True)
    description = clean_text(
        description, field="description", label=_("Description"), max_length=DESCRIPTION_MAX, required=False
    )
    visibility = visibility or template.default_visibility
    if visibility not in Visibility.values:
        raise InvalidInput(_("Unknown visibility."), errors={"visibility": ["invalid"]})
    # Staff fill a draft step by step; a code user's form is the whole creation at once.
    values = _clean_custom(template, custom_values, partial=not is_code_user(actor))
    steps = CreationStep.values if is_code_user(actor) else [CreationStep.GENERAL.value]

    ticket = Ticket.objects.create(
        number=next_ticket_number(),
        title=title,
        description=description,
        template=template,
        access_code=access_code,
        visibility=visibility,
        custom_values=values,
        completed_steps=list(steps),
        **actor_columns(actor, user_field="created_by", code_user_field="created_by_code_user"),
    )
    history_record(ticket, actor, HistoryAction.CREATED, field="status", new=Status.DRAFT)
    publish_ticket_event("ticket.created", ticket, actor, {"status": ticket.status, "visibility": ticket.visibility})
    return ticket


def _check_code_user_limits(code_user) -> None:
    """Flood protection: open tickets per code user, and tickets per code, within a period."""
    since = timezone.now() - timedelta(hours=settings.PORTAL_TICKET_PERIOD_HOURS)
    recent = Ticket.objects.filter(created_at__gte=since)
    mine = recent.filter(created_by_code_user=code_user).exclude(status__in=FINAL_STATES).count()
    if mine >= settings.PORTAL_MAX_OPEN_TICKETS_PER_CODE_USER:
        raise LimitExceeded(
            _("You already have %(count)d open tickets. Please wait until they are done, or add to one of them.")
            % {"count": mine}
        )
    if recent.filter(access_code_id=code_user.access_code_id).count() >= settings.PORTAL_MAX_TICKETS_PER_CODE:
        raise LimitExceeded(
            _("Many tickets have been opened through this code recently. Please try again later or call the service desk.")
        )


_UNSET = object()


@transaction.atomic
def ticket_update_fields(
    actor,
    ticket: Ticket,
    *,
    title=_UNSET,
    description=_UNSET,
    custom_values=_UNSET,
    access_code=_UNSET,
    complete_step: str | None = None,
) -> Ticket:
    """Change general information, template fields or the code; optionally mark a wizard step done."""
    ticket = lock_ticket(ticket)
    if ticket.is_final:
        raise WrongState(_("A closed or cancelled ticket cannot be changed."))
    allowed = lifecycle.may_work(ticket, actor) or (
        lifecycle.is_staff(actor) and actor.has_perm("tickets.change_ticket", ticket)
    )
    if ticket.status == Status.DRAFT:
        allowed = allowed or lifecycle.is_creator(ticket, actor)
    if not allowed or is_code_user(actor):
        raise PermissionDenied(_("You are not allowed to change this ticket."))

    changes: list[tuple[str, object, object]] = []
    if title is not _UNSET:
        title = clean_text(title, field="title", label=_("Title"), max_length=TITLE_MAX, required=True)
        if title != ticket.title:
            changes.append(("title", ticket.title, title))
            ticket.title = title
    if description is not _UNSET:
        description = clean_text(
            description, field="description", label=_("Description"), max_length=DESCRIPTION_MAX, required=False
        )
        if description != ticket.description:
            changes.append(("description", ticket.description, description))
            ticket.description = description
    if custom_values is not _UNSET:
        # Drafts may be saved half-filled, unless this completes the fields step; a submitted
        # ticket must stay complete.
        partial = ticket.status == Status.DRAFT and complete_step != CreationStep.FIELDS
        values = _clean_custom(ticket.template, custom_values, partial=partial)
        if values != ticket.custom_values:
            changes.append(("custom_values", ticket.custom_values, values))
            ticket.custom_values = values
    if access_code is not _UNSET:
        if access_code is not None and not access_code.is_active:
            raise InvalidInput(_("This access code is not active."), errors={"access_code": ["inactive"]})
        if (access_code and access_code.pk) != ticket.access_code_id:
            changes.append(("access_code", ticket.access_code, access_code))
            ticket.access_code = access_code
    step_done = False
    if complete_step is not None:
        if complete_step not in CreationStep.values:
            raise InvalidInput(_("Unknown creation step."), errors={"step": ["invalid"]})
        if complete_step == CreationStep.FIELDS:
            _clean_custom(ticket.template, ticket.custom_values, partial=False)
        if complete_step not in ticket.completed_steps:
            ticket.completed_steps = [*ticket.completed_steps, complete_step]
            step_done = True

    if not changes and not step_done:
        return ticket
    ticket.save()
    for field, old, new in changes:
        history_record(ticket, actor, HistoryAction.FIELDS, field=field, old=_display(old), new=_display(new))
    if step_done:
        history_record(ticket, actor, HistoryAction.STEP, field="completed_steps", new=complete_step)
    publish_ticket_event(
        "ticket.changed",
        ticket,
        actor,
        {"fields": [field for field, _old, _new in changes], "step": complete_step if step_done else None},
    )
    return ticket


def _display(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


# --- the lifecycle -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TransitionOption:
    name: str
    target: str | None
    allowed: bool
    reason: str = ""  # why not, for the status bar's tooltip


def _check_transition(ticket: Ticket, actor, name: str):
    """Return the transition, or raise the error naming why it is not allowed now."""
    if name not in TRANSITIONS:
        raise InvalidInput(_("Unknown action."), errors={"transition": ["invalid"]})
    meta = getattr(Ticket, name)._django_fsm
    label = TRANSITION_LABELS[name]
    if not meta.has_transition(ticket.status):
        raise WrongState(
            _("“%(action)s” is not possible while the ticket is %(status)s.")
            % {"action": label, "status": ticket.get_status_display()},
            current_status=ticket.status,
        )
    transition = meta.get_transition(ticket.status)
    if not transition.has_perm(ticket, actor):
        raise PermissionDenied(
            _("You are not allowed to do “%(action)s” on this ticket.") % {"action": label},
            current_status=ticket.status,
        )
    unmet = [condition for condition in transition.conditions if not condition(ticket)]
    if unmet:
        raise ConditionUnmet(
            " ".join(str(getattr(condition, "reason", _("A condition is not met."))) for condition in unmet),
            current_status=ticket.status,
        )
    return transition


def ticket_transition_options(actor, ticket: Ticket) -> list[TransitionOption]:
    """For each transition: may this actor do it now, and if not, why not."""
    options = []
    for name in TRANSITIONS:
        meta = getattr(Ticket, name)._django_fsm
        transition = meta.get_transition(ticket.status)
        try:
            _check_transition(ticket, actor, name)
        except (WrongState, PermissionDenied, ConditionUnmet) as error:
            options.append(TransitionOption(name, transition and transition.target, False, str(error.message)))
        else:
            options.append(TransitionOption(name, transition.target, True))
    return options


def ticket_available_transitions(actor, ticket: Ticket) -> list[str]:
    """The transitions this actor may perform on the ticket right now."""
    return [option.name for option in ticket_transition_options(actor, ticket) if option.allowed]


@transaction.atomic
def ticket_transition(
    actor, ticket: Ticket | int, name: str, *, reason: str = "", expected_status: str | None = None
) -> Ticket:
    """Perform one lifecycle transition. ``expected_status`` guards against stale pages."""
    ticket = lock_ticket(ticket)
    if expected_status is not None and ticket.status != expected_status:
        raise StaleState(
            _("The ticket was changed meanwhile: it is now %(status)s.") % {"status": ticket.get_status_display()},
            current_status=ticket.status,
        )
    _check_transition(ticket, actor, name)
    reason = clean_text(reason, field="reason", label=_("Reason"), max_length=2000, required=False)
    old = ticket.status
    getattr(ticket, name)()
    ticket.status_changed_at = timezone.now()
    try:
        ticket.save()
    except ConcurrentTransition:  # only without row locks; the lock above normally prevents it
        raise StaleState(_("The ticket was changed meanwhile. Please reload it.")) from None
    history_record(
        ticket, actor, HistoryAction.TRANSITION, field="status", old=old, new=ticket.status, reason=reason,
        data={"transition": name},
    )
    publish_ticket_event("ticket.transitioned", ticket, actor, {"transition": name, "from": old, "to": ticket.status, "reason": reason})
    return ticket


def ticket_move_to(
    actor, ticket: Ticket | int, target: str, *, reason: str = "", expected_status: str | None = None
) -> Ticket:
    """Move the ticket to the progress state ``target`` (the status bar: click a state, save).

    From any state at most one transition leads to a given target; this picks it and runs it,
    or raises the error that names why the target cannot be reached now.
    """
    if target not in Status.values:
        raise InvalidInput(_("Unknown progress status."), errors={"status": ["invalid"]})
    ticket = ticket if isinstance(ticket, Ticket) else Ticket.objects.get(pk=ticket)
    if expected_status is not None and ticket.status != expected_status:
        ticket.refresh_from_db()
    for option in ticket_transition_options(actor, ticket):
        if option.target == target:
            return ticket_transition(actor, ticket, option.name, reason=reason, expected_status=expected_status)
    if expected_status is not None and ticket.status != expected_status:
        raise StaleState(
            _("The ticket was changed meanwhile: it is now %(status)s.") % {"status": ticket.get_status_display()},
            current_status=ticket.status,
        )
    raise WrongState(
        _("%(target)s cannot be reached from %(status)s.")
        % {"target": Status(target).label, "status": ticket.get_status_display()},
        current_status=ticket.status,
    )


@transaction.atomic
def ticket_save_status(
    actor, ticket: Ticket | int, *, target: str | None = None, visibility: str | None = None,
    reason: str = "", expected_status: str | None = None,
) -> Ticket:
    """SPEICHERN of the status bar: a new progress state and/or visibility, all or nothing (one
    transaction: a refused visibility change undoes the state change, and the other way round)."""
    ticket = ticket if isinstance(ticket, Ticket) else Ticket.objects.get(pk=ticket)
    if target and target != ticket.status:
        ticket = ticket_move_to(actor, ticket, target, reason=reason, expected_status=expected_status)
    if visibility and visibility != ticket.visibility:
        ticket = ticket_set_visibility(actor, ticket, visibility, reason=reason)
    return ticket


@transaction.atomic
def ticket_complete_access_step(actor, ticket: Ticket | int, *, access_code, visibility: str) -> Ticket:
    """The wizard's access step: the access code and the visibility, all or nothing."""
    ticket = ticket_update_fields(actor, ticket, access_code=access_code, complete_step=CreationStep.ACCESS)
    return ticket_set_visibility(actor, ticket, visibility)


@transaction.atomic
def ticket_report(code_user, *, template, title: str, description: str = "", custom_values=None, photos=()) -> Ticket:
    """A code user's report from the portal: created, submitted (offers go out) and, with photos,
    the first entry of the service record, all or nothing (a refused photo creates no ticket)."""
    ticket = ticket_create(code_user, template=template, title=title, description=description, custom_values=custom_values)
    ticket = ticket_submit(code_user, ticket)
    if photos:
        update_post(code_user, ticket, text=_("Photos for the report"), attachments=photos)
    return ticket


def ticket_submit(actor, ticket, **kwargs) -> Ticket:
    return ticket_transition(actor, ticket, "submit", **kwargs)


def ticket_start(actor, ticket, **kwargs) -> Ticket:
    return ticket_transition(actor, ticket, "start", **kwargs)


def ticket_finish(actor, ticket, **kwargs) -> Ticket:
    return ticket_transition(actor, ticket, "finish", **kwargs)


def ticket_close(actor, ticket, **kwargs) -> Ticket:
    return ticket_transition(actor, ticket, "close", **kwargs)


def ticket_reopen(actor, ticket, **kwargs) -> Ticket:
    return ticket_transition(actor, ticket, "reopen", **kwargs)


def ticket_cancel(actor, ticket, **kwargs) -> Ticket:
    return ticket_transition(actor, ticket, "cancel", **kwargs)


# --- visibility --------------------------------------------------------------------------------


def may_change_visibility(actor, ticket: Ticket) -> bool:
    if not lifecycle.is_staff(actor) or ticket.is_final:
        return False
    return (
        actor.has_perm("tickets.change_ticket")
        or actor.has_perm("tickets.change_ticket", ticket)
        or (ticket.status == Status.DRAFT and lifecycle.is_creator(ticket, actor))
    )


@transaction.atomic
def ticket_set_visibility(actor, ticket: Ticket | int, visibility: str, *, reason: str = "") -> Ticket:
    ticket = lock_ticket(ticket)
    if visibility not in Visibility.values:
        raise InvalidInput(_("Unknown visibility."), errors={"visibility": ["invalid"]})
    if not may_change_visibility(actor, ticket):
        if ticket.is_final and lifecycle.is_staff(actor):
            raise WrongState(_("A closed or cancelled ticket cannot be changed."), current_status=ticket.status)
        raise PermissionDenied(_("You are not allowed to change the visibility of this ticket."))
    if ticket.visibility == visibility:
        return ticket
    old = ticket.visibility
    ticket.visibility = visibility
    ticket.save(update_fields=["visibility", "updated_at"])
    reason = clean_text(reason, field="reason", label=_("Reason"), max_length=2000, required=False)
    history_record(ticket, actor, HistoryAction.VISIBILITY, field="visibility", old=old, new=visibility, reason=reason)
    # Code users learn of it only when the ticket became visible to them.
    publish_ticket_event("ticket.visibility_changed", ticket, actor, {"from": old, "to": visibility})
    return ticket


# --- updates -------------------------------------------------------------------------------------


def may_post_update(actor, ticket: Ticket, kind: str) -> bool:
    if is_code_user(actor):
        return kind == UpdateKind.PUBLIC and lifecycle.is_code_user_of(ticket, actor) and not ticket.is_final
    if not lifecycle.is_staff(actor):
        return False
    return lifecycle.may_work(ticket, actor) or lifecycle.is_creator(ticket, actor)


@transaction.atomic
def update_post(
    actor,
    ticket: Ticket | int,
    *,
    text: str,
    internal: bool = False,
    attachments=(),
    corrects: TicketUpdate | None = None,
) -> TicketUpdate:
    """Append a public update (service log) or an internal one (staff only)."""
    ticket = lock_ticket(ticket)
    kind = UpdateKind.INTERNAL if internal else UpdateKind.PUBLIC
    if is_code_user(actor) and lifecycle.is_code_user_of(ticket, actor) and ticket.is_final:
        raise WrongState(
            _("This ticket is %(status)s: no more updates can be added.") % {"status": ticket.get_status_display()},
            current_status=ticket.status,
        )
    if not may_post_update(actor, ticket, kind):
        raise PermissionDenied(_("You are not allowed to write updates on this ticket."))
    text = clean_text(text, field="text", label=_("Text"), max_length=settings.UPDATE_MAX_LENGTH, required=True)
    if corrects is not None and (corrects.ticket_id != ticket.pk or corrects.kind != kind):
        raise InvalidInput(_("A correction must refer to an update of the same kind on this ticket."))
    checked = validate_uploads(attachments)

    update = TicketUpdate.objects.create(
        ticket=ticket,
        kind=kind,
        text=text,
        corrects=corrects,
        **actor_columns(actor, user_field="author", code_user_field="author_code_user"),
    )
    for upload, content_type in checked:
        Attachment.objects.create(
            update=update,
            file=upload,
            original_name=(upload.name or "file")[-255:],
            content_type=content_type,
            size=upload.size,
        )
    Ticket.objects.filter(pk=ticket.pk).update(updated_at=timezone.now())
    history_record(
        ticket, actor, HistoryAction.UPDATE, field=kind, new=text[:200],
        data={"update_id": update.pk, "corrects": corrects.pk if corrects else None},
    )
    publish_ticket_event(
        "ticket.update_posted",
        ticket,
        actor,
        {"update_id": update.pk, "kind": kind, "corrects": corrects.pk if corrects else None},
        internal=internal or ticket.visibility == Visibility.INTERNAL,
    )
    return update


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
    _require_staff(actor, "tickets.add_accesscode")
    label = clean_text(label, field="label", label=_("Label"), max_length=120, required=True)
    code = AccessCode(label=label, template=template, location=location, serial_number=serial_number, created_by=actor)
    if pin:
        validate_pin(pin)
    code.set_pin(pin)
    code.save()
    return code


def validate_pin(pin: str) -> None:
    if not (isinstance(pin, str) and pin.isdigit() and 4 <= len(pin) <= 12):
        raise InvalidInput(_("A PIN has 4 to 12 digits."), errors={"pin": ["invalid"]})


@transaction.atomic
def access_code_set_pin(actor, code: AccessCode, pin: str | None) -> AccessCode:
    _require_staff(actor, "tickets.change_accesscode")
    if pin:
        validate_pin(pin)
    code.set_pin(pin)
    code.save(update_fields=["pin_hash", "updated_at"])
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
    pin=_UNSET,
) -> AccessCode:
    """Change what is printed beside a code and where it leads. ``pin``: a new PIN, ``None`` to
    remove it, left out to keep it."""
    _require_staff(actor, "tickets.change_accesscode")
    code = AccessCode.objects.select_for_update().get(pk=code.pk)
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
    if pin is not _UNSET:
        if pin:
            validate_pin(pin)
        code.set_pin(pin or None)
    code.save()
    return code


@transaction.atomic
def access_code_set_active(actor, code: AccessCode, active: bool) -> AccessCode:
    """Switch a code on or off: an inactive code leads its visitors to the friendly "unknown code" page."""
    _require_staff(actor, "tickets.change_accesscode")
    code = AccessCode.objects.select_for_update().get(pk=code.pk)
    if code.is_active != bool(active):
        code.is_active = bool(active)
        code.save(update_fields=["is_active", "updated_at"])
    return code
