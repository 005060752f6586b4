"""A ticket reported in one go: a code user's report from the portal (creating, submitting, the
photos), and a staff member's ticket from another system through the REST API."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from common.errors import InvalidInput
from tickets.choices import CreationStep
from tickets.custom_fields import custom_values_errors
from tickets.models import Ticket
from tickets.services.editing import clean_template_values, ticket_create
from tickets.services.transitions import ticket_submit
from tickets.services.updates import update_post


@transaction.atomic
def ticket_report(code_user, *, template, title: str, description: str = "", custom_values=None, photos=()) -> Ticket:
    """A code user's report from the portal: created, submitted (offers go out) and, with photos,
    the first entry of the service record, all or nothing (a refused photo creates no ticket)."""
    ticket = ticket_create(code_user, template=template, title=title, description=description, custom_values=custom_values)
    ticket = ticket_submit(code_user, ticket)
    if photos:
        update_post(code_user, ticket, text=_("Photos for the report"), attachments=photos)
    return ticket


@transaction.atomic
def ticket_create_complete(
    actor,
    *,
    template,
    title: str,
    description: str = "",
    visibility: str | None = None,
    access_code=None,
    custom_values=None,
    submit: bool = False,
) -> Ticket:
    """A staff member's ticket with everything given at once (the REST API): created as Entwurf
    with the creation steps done that the data completes (general information and the code and
    visibility always; the template fields when they are complete) and, with ``submit``, submitted
    (offers go out), all or nothing. Submitting needs complete template fields: a field error
    names each missing one."""
    if access_code is not None and not access_code.is_active:
        raise InvalidInput(_("This access code is not active."), errors={"access_code": ["inactive"]})
    if submit:
        clean_template_values(template, custom_values, partial=False)
    ticket = ticket_create(
        actor, template=template, title=title, description=description, visibility=visibility,
        access_code=access_code, custom_values=custom_values,
    )
    steps = [CreationStep.GENERAL, CreationStep.ACCESS]
    if not custom_values_errors(template, ticket.custom_values):
        steps.append(CreationStep.FIELDS)
    ticket.completed_steps = [step.value for step in steps]
    ticket.save(update_fields=["completed_steps"])
    if submit:
        ticket = ticket_submit(actor, ticket)
    return ticket
