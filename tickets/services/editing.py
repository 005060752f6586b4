"""Creating a ticket and changing its general information, template fields and access code."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from common.actors import actor_columns, is_code_user
from common.errors import InvalidInput, LimitExceeded, PermissionDenied, WrongState
from common.events import publish_on_commit
from common.text import clean_text
from tickets import events, lifecycle
from tickets.choices import FINAL_STATES, CreationStep, HistoryAction, Status, Visibility
from tickets.custom_fields import clean_custom_values
from tickets.models import AccessCode, ParticipationKind, Ticket, TicketNumberSequence, TicketTemplate
from tickets.services.participation import participate
from tickets.services.support import UNSET, history_record, lock_ticket, require_staff
from tickets.services.visibility import ticket_set_visibility

TITLE_MAX = 200
DESCRIPTION_MAX = 20_000


def clean_template_values(template, values, *, partial: bool) -> dict:
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
        require_staff(actor, "tickets.add_ticket")
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
    values = clean_template_values(template, custom_values, partial=not is_code_user(actor))
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
    participate(actor, ticket, ParticipationKind.OPENED)  # a code user's report: they take part
    publish_on_commit(events.ticket_created(ticket, actor))
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



@transaction.atomic
def ticket_update_fields(
    actor,
    ticket: Ticket,
    *,
    title=UNSET,
    description=UNSET,
    custom_values=UNSET,
    access_code=UNSET,
    complete_step: str | None = None,
) -> Ticket:
    """Change general information, template fields or the code; optionally mark a wizard step done."""
    ticket = lock_ticket(ticket)
    if ticket.is_final:
        raise WrongState(_("A closed or cancelled ticket cannot be changed."))
    if not lifecycle.may_edit(ticket, actor):
        raise PermissionDenied(_("You are not allowed to change this ticket."))

    changes: list[tuple[str, object, object]] = []
    if title is not UNSET:
        title = clean_text(title, field="title", label=_("Title"), max_length=TITLE_MAX, required=True)
        if title != ticket.title:
            changes.append(("title", ticket.title, title))
            ticket.title = title
    if description is not UNSET:
        description = clean_text(
            description, field="description", label=_("Description"), max_length=DESCRIPTION_MAX, required=False
        )
        if description != ticket.description:
            changes.append(("description", ticket.description, description))
            ticket.description = description
    if custom_values is not UNSET:
        # Drafts may be saved half-filled, unless this completes the fields step; a submitted
        # ticket must stay complete.
        partial = ticket.status == Status.DRAFT and complete_step != CreationStep.FIELDS
        values = clean_template_values(ticket.template, custom_values, partial=partial)
        if values != ticket.custom_values:
            changes.append(("custom_values", ticket.custom_values, values))
            ticket.custom_values = values
    if access_code is not UNSET:
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
            clean_template_values(ticket.template, ticket.custom_values, partial=False)
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
    fields = [field for field, _old, _new in changes]
    publish_on_commit(events.ticket_changed(ticket, actor, fields=fields, step=complete_step if step_done else None))
    return ticket


def _display(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)



@transaction.atomic
def ticket_complete_access_step(actor, ticket: Ticket | int, *, access_code, visibility: str) -> Ticket:
    """The wizard's access step: the access code and the visibility, all or nothing."""
    ticket = ticket_update_fields(actor, ticket, access_code=access_code, complete_step=CreationStep.ACCESS)
    return ticket_set_visibility(actor, ticket, visibility)
