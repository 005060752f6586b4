"""Code users taking part in a ticket (``TicketParticipant``): recorded when they open it, write in
it (an update, a chat message) or follow it through their personal link; their "last seen" moves
whenever they have the ticket in front of them; and the bookkeeping of the e-mail digest that
tells them, at most once per interval, what staff answered while they were away."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.actors import is_code_user
from common.errors import PermissionDenied
from tickets import permissions
from tickets.models import ParticipationKind, Ticket, TicketParticipant


def participate(code_user, ticket: Ticket, kind: str, *, fetch: bool = True) -> TicketParticipant | None:
    """Record that ``code_user`` takes part in ``ticket`` (idempotent: the first way they joined
    stays); staff and the system are no participants. Seeing the ticket is the caller's check.
    ``fetch=False`` (a chat message's writer, on every first message): one INSERT that leaves an
    existing row alone, nothing returned."""
    if not is_code_user(code_user):
        return None
    if not fetch:
        TicketParticipant.objects.bulk_create(
            [TicketParticipant(ticket_id=ticket.pk, code_user=code_user, kind=kind, last_seen_at=timezone.now())],
            ignore_conflicts=True,
        )
        return None
    participant, _created = TicketParticipant.objects.get_or_create(
        ticket_id=ticket.pk, code_user=code_user, defaults={"kind": kind, "last_seen_at": timezone.now()}
    )
    return participant


def ticket_follow(code_user, ticket: Ticket) -> TicketParticipant:
    """Folgen: a code user of the ticket's code opened it through their personal link."""
    if not permissions.code_user_can_see(code_user, ticket):
        raise PermissionDenied(_("You cannot follow this ticket."))
    return participate(code_user, ticket, ParticipationKind.FOLLOWED)


def participant_seen(code_user, ticket: Ticket, *, at: datetime | None = None) -> None:
    """The code user has the ticket in front of them (its page, an open socket, a read receipt)."""
    if is_code_user(code_user):
        TicketParticipant.objects.filter(ticket_id=ticket.pk, code_user=code_user).update(
            last_seen_at=at or timezone.now()
        )


def participant_unsubscribe(participant: TicketParticipant) -> TicketParticipant:
    """No more e-mails about this ticket (the link in every e-mail); taking part otherwise stays."""
    TicketParticipant.objects.filter(pk=participant.pk, unsubscribed_at__isnull=True).update(
        unsubscribed_at=timezone.now(), email_due_at=None
    )
    participant.refresh_from_db()
    return participant


# --- the e-mail digest ----------------------------------------------------------------------------


@transaction.atomic
def digest_schedule(participant_id: int, *, grace: timedelta, interval: timedelta) -> datetime | None:
    """Staff answered: when the participant's next digest is due, or None when one is pending
    already (it will carry this answer too) or they unsubscribed. At most one per ``interval``;
    never before ``grace`` has passed (time to read it on the page)."""
    participant = TicketParticipant.objects.select_for_update().filter(pk=participant_id).first()
    if participant is None or participant.unsubscribed_at is not None or participant.email_due_at is not None:
        return None
    now = timezone.now()
    due = now + grace
    if participant.last_emailed_at is not None:
        due = max(due, participant.last_emailed_at + interval)
    participant.email_due_at = due
    participant.save(update_fields=["email_due_at"])
    return due


@transaction.atomic
def digest_start(participant_id: int, *, now: datetime | None = None) -> tuple[TicketParticipant, datetime] | None:
    """The digest is due: take it (so no other worker sends it too) and return the participant and
    the moment from which answers are new to them; None when it is not due (yet), was taken, or
    they unsubscribed or have no address."""
    now = now or timezone.now()
    participant = (
        TicketParticipant.objects.select_for_update(of=("self",)).select_related("code_user", "ticket")
        .filter(pk=participant_id).first()
    )
    if participant is None or participant.email_due_at is None or participant.email_due_at > now:
        return None
    participant.email_due_at = None
    participant.save(update_fields=["email_due_at"])
    if participant.unsubscribed_at is not None or not participant.code_user.email:
        return None
    moments = (participant.last_emailed_at, participant.last_seen_at, participant.joined_at)
    return participant, max(moment for moment in moments if moment is not None)


def digest_sent(participant_id: int, *, at: datetime) -> None:
    """The digest went out: the next one waits for the interval."""
    TicketParticipant.objects.filter(pk=participant_id).update(last_emailed_at=at)

