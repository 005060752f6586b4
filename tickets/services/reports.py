"""A code user's report from the portal: one use case made of creating, submitting and the photos."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from tickets.models import Ticket
from tickets.services.editing import ticket_create
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
