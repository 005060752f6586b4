"""Updates: the public service log and the internal notes, append-only, with attachments."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.actors import actor_columns, is_code_user
from common.errors import InvalidInput, PermissionDenied, WrongState
from common.events import publish_on_commit
from common.text import clean_text
from tickets import events, lifecycle
from tickets.attachments import validate_uploads
from tickets.choices import HistoryAction, UpdateKind
from tickets.models import Attachment, ParticipationKind, Ticket, TicketUpdate
from tickets.services.participation import participate
from tickets.services.support import history_record, lock_ticket


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
    if not lifecycle.may_post_update(ticket, actor, kind):
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
    participate(actor, ticket, ParticipationKind.WROTE)
    history_record(
        ticket, actor, HistoryAction.UPDATE, field=kind, new=text[:200],
        data={"update_id": update.pk, "corrects": corrects.pk if corrects else None},
    )
    publish_on_commit(events.ticket_update_posted(ticket, actor, update))
    return update
