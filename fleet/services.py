"""Who works on which ticket: offers, assignment, forwarding, releasing, seen markers,
notifications. Every page and the API call these; none reimplements them.

Rules:
- Administrators and moderators assign and unassign anyone, send and withdraw offers.
- A Mitarbeiter accepts or declines their own offers, and releases or forwards only tickets they
  are assigned to.
- Becoming an assignee grants the per-ticket permissions (django-guardian); leaving revokes them.
- The ticket follows automatically: Offen → Zugewiesen with the first assignee, back to Offen when
  the last one leaves; then offers go out again.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common import events
from common.events import publish_on_commit
from common.errors import ConditionUnmet, InvalidInput, PermissionDenied, StaleState, WrongState
from fleet.emails import queue_notification_email
from fleet.models import Assignment, Notification, NotificationKind, OfferStatus, SeenMarker, TicketOffer, User
from fleet import permissions as rules
from fleet.permissions import grant_assignee_permissions, revoke_assignee_permissions
from fleet.selectors import active_staff
from messenger import services as messenger_services
from tickets import events as ticket_events
from tickets import lifecycle
from tickets import services as ticket_services
from tickets.choices import HistoryAction, OfferRecipients, Status
from tickets.models import Ticket

logger = logging.getLogger(__name__)

# States in which staff can still join a ticket.


def _require_moderator(actor, ticket, message: str) -> None:
    if not rules.may_steer(actor, ticket):
        raise PermissionDenied(message)


def _require_staffable(ticket) -> None:
    if not rules.is_staffable(ticket):
        raise WrongState(
            _("Nobody can join the ticket while it is %(status)s.") % {"status": ticket.get_status_display()},
            current_status=ticket.status,
        )


# --- notifications ---------------------------------------------------------------------------


def notify(
    user: User, kind: str, ticket: Ticket | None = None, *, actor=None, email: bool = False, detail: str = ""
) -> Notification:
    notification = Notification.objects.create(
        user=user, kind=kind, ticket=ticket, actor_name=actor.display_name if actor is not None else "", detail=detail
    )
    if email and user.email:
        queue_notification_email(notification)
    return notification


def notifications_mark_read(user: User, ids=None) -> int:
    queryset = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        queryset = queryset.filter(pk__in=ids)
    return queryset.update(read_at=timezone.now())


# --- assignment ----------------------------------------------------------------------------------


def _places_left(ticket: Ticket) -> int:
    return ticket.template.assignees_needed - Assignment.objects.filter(ticket=ticket).count()


def _withdraw_pending(ticket: Ticket, *, users=None, reason_kind=NotificationKind.OFFER_WITHDRAWN) -> list[int]:
    pending = TicketOffer.objects.select_for_update().filter(ticket=ticket, status=OfferStatus.PENDING)
    if users is not None:
        pending = pending.filter(user__in=users)
    offers = list(pending.select_related("user"))
    TicketOffer.objects.filter(pk__in=[o.pk for o in offers]).update(
        status=OfferStatus.WITHDRAWN, answered_at=timezone.now()
    )
    for offer in offers:
        notify(offer.user, reason_kind, ticket)
    return [offer.user_id for offer in offers]


# How someone became an assignee (``fleet.assignee_added``'s ``how``).
ASSIGNED, VIA_OFFER, CLAIMED = "assigned", "offer", "claim"


@transaction.atomic
def assignee_add(actor, ticket: Ticket | int, user: User, *, how: str = ASSIGNED) -> Assignment:
    """Make ``user`` an assignee: assigned by a moderator/admin, by accepting an offer, or by
    taking the ticket (``ticket_claim``)."""
    if how not in (ASSIGNED, VIA_OFFER, CLAIMED):
        raise ValueError(f"unknown way to join a ticket: {how!r}")  # a programming error, not input
    ticket = ticket_services.lock_ticket(ticket)
    if not lifecycle.is_staff(user):
        raise InvalidInput(_("Only active staff members can be assigned."))
    if how == VIA_OFFER and actor != user:
        raise PermissionDenied(_("Only the offered staff member can accept an offer."))
    if how == CLAIMED and actor != user:
        raise PermissionDenied(_("Only you can take a ticket for yourself."))
    if how == ASSIGNED:
        _require_moderator(actor, ticket, _("Only administrators and moderators assign staff members."))
    _require_staffable(ticket)
    if Assignment.objects.filter(ticket=ticket, user=user).exists():
        raise InvalidInput(_("%(name)s is already assigned.") % {"name": user.display_name})
    assignment = Assignment.objects.create(ticket=ticket, user=user, assigned_by=actor)
    grant_assignee_permissions(user, ticket)
    messenger_services.unread_track(user.pk, ticket.pk)  # the side menu's badge counts this conversation now
    if how == ASSIGNED:
        # A direct assignment answers any open offer of this person.
        TicketOffer.objects.filter(ticket=ticket, user=user, status=OfferStatus.PENDING).update(
            status=OfferStatus.WITHDRAWN, answered_at=timezone.now()
        )
        notify(user, NotificationKind.ASSIGNED, ticket, actor=actor, email=settings.NOTIFY_STAFF_BY_EMAIL)
    ticket_services.history_record(
        ticket, actor, HistoryAction.ASSIGNMENT, field="assignees", new=user.display_name,
        data={"user_id": user.pk, "change": "added", "how": how},
    )
    publish_on_commit(ticket_events.fleet_assignee_added(ticket, actor, user=user, how=how))
    if _places_left(ticket) <= 0:
        _withdraw_pending(ticket)
    if ticket.status == Status.OPEN:
        ticket_services.ticket_transition(actor, ticket, "assign")
    return assignment


@transaction.atomic
def assignee_remove(actor, ticket: Ticket | int, user: User, *, reason: str = "") -> None:
    """Release (an assignee leaves) or unassign (a moderator/admin removes someone)."""
    ticket = ticket_services.lock_ticket(ticket)
    if not (actor == user or lifecycle.is_moderator(ticket, actor)):
        raise PermissionDenied(_("You may only release tickets you are assigned to."))
    _require_staffable(ticket)  # a Fertig or Geschlossen ticket keeps who did the work
    deleted, _rows = Assignment.objects.filter(ticket=ticket, user=user).delete()
    if not deleted:
        raise InvalidInput(_("%(name)s is not assigned to this ticket.") % {"name": user.display_name})
    revoke_assignee_permissions(user, ticket)
    released = actor == user
    if not released:
        notify(user, NotificationKind.UNASSIGNED, ticket, actor=actor, email=settings.NOTIFY_STAFF_BY_EMAIL)
    ticket_services.history_record(
        ticket, actor, HistoryAction.ASSIGNMENT, field="assignees", old=user.display_name, reason=reason,
        data={"user_id": user.pk, "change": "released" if released else "removed"},
    )
    publish_on_commit(ticket_events.fleet_assignee_removed(ticket, actor, user=user, released=released))
    if ticket.status in (Status.ASSIGNED, Status.IN_PROGRESS) and not Assignment.objects.filter(ticket=ticket).exists():
        ticket_services.ticket_transition(actor, ticket, "release", reason=reason)


@transaction.atomic
def ticket_release(actor, ticket: Ticket | int, *, reason: str = "") -> Ticket:
    """An administrator releases the whole ticket: every assignee leaves (each is told), the ticket
    goes back to Offen and the offers go out again (the subscriber of ``ticket.transitioned``)."""
    ticket = ticket_services.lock_ticket(ticket)
    if not rules.may_release_all(actor, ticket):
        if lifecycle.is_administrator(ticket, actor):
            raise WrongState(
                _("Only a ticket that is Zugewiesen or In Bearbeitung can be released; this one is %(status)s.")
                % {"status": ticket.get_status_display()},
                current_status=ticket.status,
            )
        raise PermissionDenied(_("Only administrators release a whole ticket; assignees release their own place."))
    for assignment in Assignment.objects.filter(ticket=ticket).select_related("user").order_by("created_at"):
        user = assignment.user
        assignment.delete()
        revoke_assignee_permissions(user, ticket)
        notify(user, NotificationKind.UNASSIGNED, ticket, actor=actor, email=settings.NOTIFY_STAFF_BY_EMAIL)
        ticket_services.history_record(
            ticket, actor, HistoryAction.ASSIGNMENT, field="assignees", old=user.display_name, reason=reason,
            data={"user_id": user.pk, "change": "removed"},
        )
        publish_on_commit(ticket_events.fleet_assignee_removed(ticket, actor, user=user, released=False))
    return ticket_services.ticket_transition(actor, ticket, "release", reason=reason)


@transaction.atomic
def status_bar_save(
    actor, ticket: Ticket | int, *, target: str | None = None, visibility: str | None = None, reason: str = "",
    expected_status: str | None = None, assignee: User | None = None, fields: dict | None = None,
) -> Ticket:
    """SPEICHERN of the staff ticket page, all or nothing: the Allgemein tab's fields (``fields``:
    title, description, custom_values), the progress status and the visibility. Two targets need
    the fleet: Zugewiesen from Offen assigns ``assignee``; Offen from Zugewiesen or In Bearbeitung
    releases (an administrator the whole ticket, the last assignee their own place). Everything
    else is ``tickets.services.ticket_save_status``."""
    ticket = ticket_services.lock_ticket(ticket)
    if expected_status is not None and ticket.status != expected_status:
        raise StaleState(
            _("The ticket was changed meanwhile: it is now %(status)s.") % {"status": ticket.get_status_display()},
            current_status=ticket.status,
        )
    if fields:
        ticket = ticket_services.ticket_update_fields(actor, ticket, **fields)
    if target == Status.ASSIGNED and ticket.status == Status.OPEN:
        if assignee is None:
            raise InvalidInput(_("Choose who works on the ticket."), errors={"assignee": ["required"]})
        assignee_add(actor, ticket, assignee)
        ticket.refresh_from_db()
        target = None
    elif target == Status.OPEN and ticket.status in (Status.ASSIGNED, Status.IN_PROGRESS):
        assignee_ids = list(Assignment.objects.filter(ticket=ticket).values_list("user_id", flat=True))
        if not rules.may_reopen_for_offers(actor, ticket, assignee_ids):
            raise PermissionDenied(
                _("Only administrators release a whole ticket; an assignee releases their own place in the Flottenmanagement tab.")
            )
        if rules.may_release_all(actor, ticket):
            ticket_release(actor, ticket, reason=reason)
        else:
            assignee_remove(actor, ticket, actor, reason=reason)
        ticket.refresh_from_db()
        target = None
    return ticket_services.ticket_save_status(actor, ticket, target=target, visibility=visibility, reason=reason)


def assignee_release(actor, ticket: Ticket | int, *, reason: str = "") -> None:
    """Freigeben: the acting assignee gives the ticket back."""
    assignee_remove(actor, ticket, actor, reason=reason)


@transaction.atomic
def assignee_forward(actor, ticket: Ticket | int, to_user: User, *, from_user: User | None = None, reason: str = "") -> Assignment:
    """Weiterleiten: an assignee hands the ticket to another staff member (moderators on behalf of one)."""
    ticket = ticket_services.lock_ticket(ticket)
    from_user = from_user or actor
    if not rules.may_forward_for(actor, ticket, from_user):
        raise PermissionDenied(_("You may only forward tickets you are assigned to."))
    if not Assignment.objects.filter(ticket=ticket, user=from_user).exists():
        if actor == from_user:
            raise PermissionDenied(_("You may only forward tickets you are assigned to."))
        # A moderator forwarding for someone: the ticket takes nobody now, or the body names a non-assignee.
        _require_staffable(ticket)
        raise InvalidInput(
            _("%(name)s is not assigned to this ticket.") % {"name": from_user.display_name}, errors={"from_user": ["invalid"]}
        )
    if not lifecycle.is_staff(to_user) or to_user.role is None:
        raise InvalidInput(_("Tickets can only be forwarded to active staff members."), errors={"to_user": ["invalid"]})
    if to_user == from_user or Assignment.objects.filter(ticket=ticket, user=to_user).exists():
        raise InvalidInput(_("%(name)s is already assigned.") % {"name": to_user.display_name}, errors={"to_user": ["assigned"]})
    _require_staffable(ticket)

    Assignment.objects.filter(ticket=ticket, user=from_user).delete()
    revoke_assignee_permissions(from_user, ticket)
    assignment = Assignment.objects.create(ticket=ticket, user=to_user, assigned_by=actor)
    grant_assignee_permissions(to_user, ticket)
    messenger_services.unread_track(to_user.pk, ticket.pk)
    TicketOffer.objects.filter(ticket=ticket, user=to_user, status=OfferStatus.PENDING).update(
        status=OfferStatus.WITHDRAWN, answered_at=timezone.now()
    )
    notify(to_user, NotificationKind.FORWARDED_TO_YOU, ticket, actor=actor, email=settings.NOTIFY_STAFF_BY_EMAIL)
    ticket_services.history_record(
        ticket, actor, HistoryAction.ASSIGNMENT, field="assignees", old=from_user.display_name,
        new=to_user.display_name, reason=reason,
        data={"change": "forwarded", "from_user_id": from_user.pk, "to_user_id": to_user.pk},
    )
    publish_on_commit(ticket_events.fleet_forwarded(ticket, actor, from_user=from_user, to_user=to_user))
    return assignment


# --- offers ----------------------------------------------------------------------------------------


def offer_recipients(ticket: Ticket):
    """Who receives offers for the ticket by its template's fleet settings (minus assignees and
    those who already hold an open offer)."""
    template = ticket.template
    staff = active_staff()
    if template.offer_recipients == OfferRecipients.GROUP:
        staff = staff.filter(groups=template.offer_group) if template.offer_group_id else staff.none()
    elif template.offer_recipients == OfferRecipients.MEMBERS:
        staff = staff.filter(pk__in=template.offer_members.values("pk"))
    return (
        staff.exclude(pk__in=Assignment.objects.filter(ticket=ticket).values("user_id"))
        .exclude(pk__in=TicketOffer.objects.filter(ticket=ticket, status=OfferStatus.PENDING).values("user_id"))
        .order_by("last_name", "first_name", "username")
    )


@transaction.atomic
def offers_send(actor, ticket: Ticket | int, users=None) -> list[TicketOffer]:
    """Send offers: to chosen ``users`` (moderators/admins), or (``users=None``, actor ``None``)
    automatically to the template's recipients when a ticket is submitted or released."""
    ticket = ticket_services.lock_ticket(ticket)
    if actor is not None:
        _require_moderator(actor, ticket, _("Only administrators and moderators send offers."))
    _require_staffable(ticket)
    if _places_left(ticket) <= 0:
        raise ConditionUnmet(_("The ticket already has all the assignees it needs."))
    if users is None:
        recipients = list(offer_recipients(ticket))
    else:
        recipients = []
        for user in users:
            if not lifecycle.is_staff(user) or user.role is None:
                raise InvalidInput(_("Offers can only go to active staff members."))
            if Assignment.objects.filter(ticket=ticket, user=user).exists():
                raise InvalidInput(_("%(name)s is already assigned.") % {"name": user.display_name})
            if TicketOffer.objects.filter(ticket=ticket, user=user, status=OfferStatus.PENDING).exists():
                raise InvalidInput(_("%(name)s already has an open offer.") % {"name": user.display_name})
            recipients.append(user)
    if not recipients:
        return []
    expires_at = timezone.now() + ticket.template.offer_validity
    offers = [TicketOffer(ticket=ticket, user=user, sent_by=actor, expires_at=expires_at) for user in recipients]
    TicketOffer.objects.bulk_create(offers)
    email = ticket.template.announce_by_email
    for user in recipients:
        if ticket.template.announce_in_app or email:
            notify(user, NotificationKind.OFFER_RECEIVED, ticket, actor=actor, email=email)
    names = ", ".join(user.display_name for user in recipients)
    ticket_services.history_record(
        ticket, actor, HistoryAction.OFFER, field="offers", new=names,
        data={"change": "sent", "user_ids": [u.pk for u in recipients], "expires_at": expires_at.isoformat()},
    )
    publish_on_commit(ticket_events.fleet_offers_sent(ticket, actor, users=recipients))
    return offers


def _locked_offer(offer: TicketOffer | int) -> tuple[TicketOffer, Ticket]:
    pk = offer.pk if isinstance(offer, TicketOffer) else offer
    ticket_id = TicketOffer.objects.values_list("ticket_id", flat=True).get(pk=pk)
    ticket = ticket_services.lock_ticket(ticket_id)  # the ticket row first: it orders racing accepts
    return TicketOffer.objects.select_related("user").get(pk=pk), ticket


def _require_pending(offer: TicketOffer, now: datetime) -> None:
    if offer.status == OfferStatus.PENDING and offer.expires_at <= now:
        # Refused; the periodic expiry marks it (nothing is changed by a refused action).
        raise WrongState(_("This offer has expired."))
    if offer.status != OfferStatus.PENDING:
        raise WrongState(
            _("This offer is no longer open (%(status)s).") % {"status": offer.get_status_display()}
        )


@transaction.atomic
def offer_accept(actor, offer: TicketOffer | int) -> Assignment:
    """Accept an offer: the actor becomes an assignee. Two accepting the last place at once: the
    ticket row lock orders them, the second is told that all places are taken."""
    offer, ticket = _locked_offer(offer)
    if not rules.is_offered_to(actor, offer):
        raise PermissionDenied(_("This offer is meant for someone else."))
    if offer.status in (OfferStatus.PENDING, OfferStatus.WITHDRAWN) and _places_left(ticket) <= 0:
        # The winner of a race withdrew this offer a moment ago: say what happened.
        raise ConditionUnmet(_("Someone else was quicker: the ticket already has all the assignees it needs."))
    _require_pending(offer, timezone.now())
    _require_staffable(ticket)
    TicketOffer.objects.filter(pk=offer.pk).update(status=OfferStatus.ACCEPTED, answered_at=timezone.now())
    return assignee_add(actor, ticket, actor, how=VIA_OFFER)


@transaction.atomic
def ticket_claim(actor, ticket: Ticket | int) -> Assignment:
    """Übernehmen: the actor takes an Offen ticket without an offer, when its template allows it.
    It is accepting an offer without one: the ticket becomes Zugewiesen, the other open offers are
    withdrawn when all places are taken, and an open offer of the actor counts as accepted.
    Two claims at once: the ticket row lock orders them, the second is told someone was quicker."""
    ticket = ticket_services.lock_ticket(ticket)
    assigned = Assignment.objects.filter(ticket=ticket, user_id=getattr(actor, "pk", None)).exists()
    places_left = _places_left(ticket)
    if not rules.may_claim(actor, ticket, assigned=assigned, places_left=places_left):
        if assigned:
            raise InvalidInput(_("You are already assigned to this ticket."))
        if not lifecycle.is_staff(actor) or getattr(actor, "role", None) is None:
            raise PermissionDenied(_("Only staff members take tickets."))
        if places_left <= 0:
            raise ConditionUnmet(_("Someone else was quicker: the ticket already has all the assignees it needs."))
        if ticket.status != Status.OPEN:
            raise WrongState(
                _("Only an Offen ticket can be taken; this one is %(status)s.") % {"status": ticket.get_status_display()},
                current_status=ticket.status,
            )
        if not ticket.template.allows_claiming:
            raise PermissionDenied(_("Tickets of this template are assigned by offers only; please wait for one."))
        raise PermissionDenied(_("You are not allowed to take this ticket."))
    TicketOffer.objects.filter(ticket=ticket, user=actor, status=OfferStatus.PENDING).update(
        status=OfferStatus.ACCEPTED, answered_at=timezone.now()
    )
    return assignee_add(actor, ticket, actor, how=CLAIMED)


@transaction.atomic
def offer_decline(actor, offer: TicketOffer | int, *, reason: str = "") -> TicketOffer:
    offer, ticket = _locked_offer(offer)
    if not rules.is_offered_to(actor, offer):
        raise PermissionDenied(_("This offer is meant for someone else."))
    _require_pending(offer, timezone.now())
    offer.status, offer.answered_at = OfferStatus.DECLINED, timezone.now()
    offer.save(update_fields=["status", "answered_at"])
    ticket_services.history_record(
        ticket, actor, HistoryAction.OFFER, field="offers", old=actor.display_name, reason=reason,
        data={"change": "declined", "user_id": actor.pk},
    )
    publish_on_commit(ticket_events.fleet_offer_declined(ticket, actor, user_id=actor.pk))
    return offer


@transaction.atomic
def offer_withdraw(actor, offer: TicketOffer | int) -> TicketOffer:
    offer, ticket = _locked_offer(offer)
    _require_moderator(actor, ticket, _("Only administrators and moderators withdraw offers."))
    _require_pending(offer, timezone.now())
    _withdraw_pending(ticket, users=[offer.user])
    offer.refresh_from_db()
    ticket_services.history_record(
        ticket, actor, HistoryAction.OFFER, field="offers", old=offer.user.display_name,
        data={"change": "withdrawn", "user_id": offer.user_id},
    )
    publish_on_commit(ticket_events.fleet_offer_withdrawn(ticket, actor, user_id=offer.user_id))
    return offer


def offers_expire(*, now: datetime | None = None) -> int:
    """Withdraw every offer whose time ran out (Celery beat and ``manage.py expire_offers``)."""
    now = now or timezone.now()
    expired = 0
    due = (
        TicketOffer.objects.filter(status=OfferStatus.PENDING, expires_at__lte=now)
        .order_by()
        .values_list("ticket_id", flat=True)
        .distinct()
    )
    for ticket_id in list(due):
        with transaction.atomic():
            ticket = ticket_services.lock_ticket(ticket_id)
            offers = list(
                TicketOffer.objects.filter(ticket=ticket, status=OfferStatus.PENDING, expires_at__lte=now)
                .select_related("user")
            )
            TicketOffer.objects.filter(pk__in=[o.pk for o in offers]).update(status=OfferStatus.EXPIRED, answered_at=now)
            for offer in offers:
                notify(offer.user, NotificationKind.OFFER_EXPIRED, ticket)
            ticket_services.history_record(
                ticket, None, HistoryAction.OFFER, field="offers",
                old=", ".join(o.user.display_name for o in offers),
                data={"change": "expired", "user_ids": [o.user_id for o in offers]},
            )
            publish_on_commit(ticket_events.fleet_offers_expired(ticket, user_ids=[o.user_id for o in offers]))
            expired += len(offers)
    return expired


# --- seen markers ------------------------------------------------------------------------------------


def ticket_seen(user: User, ticket: Ticket) -> bool:
    """Record the first time a staff member opens the ticket; True when this was it."""
    if not lifecycle.is_staff(user):
        return False
    _marker, created = SeenMarker.objects.get_or_create(ticket=ticket, user=user)
    if created:
        publish_on_commit(ticket_events.fleet_seen(ticket, user))
    return created


# --- reacting to the lifecycle ------------------------------------------------------------------------


def send_offers_on_open(event: events.DomainEvent) -> None:
    """Subscriber: a ticket became Offen (submitted, or released by its last assignee)."""
    if event.payload.get("to") != Status.OPEN:
        return
    try:
        offers_send(None, event.ticket_id)
    except (WrongState, ConditionUnmet):
        logger.debug("no offers for ticket %s: it moved on meanwhile", event.ticket_number)
