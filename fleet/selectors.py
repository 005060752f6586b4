"""Read queries of the fleet: the Flottenmanagement tab, open offers, notifications."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from fleet.models import Assignment, Notification, OfferStatus, SeenMarker, TicketOffer, User
from fleet.services import STAFFABLE, active_staff
from tickets import lifecycle
from tickets.models import Ticket


@dataclass
class Member:
    user: User
    seen_at: datetime | None
    since: datetime | None = None  # assigned at / offer sent at
    expires_at: datetime | None = None
    offer_id: int | None = None
    is_me: bool = False
    actions: list[str] = field(default_factory=list)

    @property
    def seen(self) -> bool:
        return self.seen_at is not None


@dataclass
class FleetOverview:
    assigned: list[Member]
    requested: list[Member]
    available: list[Member]
    can_steer: bool
    places_needed: int
    forward_targets: list[User]


def fleet_overview(viewer, ticket: Ticket) -> FleetOverview:
    """The three groups of the tab, each member with the actions this viewer may take.
    A constant number of queries, whatever the fleet's size."""
    staff = list(active_staff().order_by("last_name", "first_name", "username"))
    assignments = {a.user_id: a for a in Assignment.objects.filter(ticket=ticket)}
    offers = {o.user_id: o for o in TicketOffer.objects.filter(ticket=ticket, status=OfferStatus.PENDING)}
    seen = dict(SeenMarker.objects.filter(ticket=ticket).values_list("user_id", "first_seen_at"))
    can_steer = lifecycle.is_moderator(ticket, viewer)
    open_for_staff = ticket.status in STAFFABLE
    places_left = ticket.template.assignees_needed - len(assignments)
    viewer_assigned = viewer.pk in assignments

    assigned, requested, available = [], [], []
    for user in staff:
        member = Member(user=user, seen_at=seen.get(user.pk), is_me=user.pk == viewer.pk)
        if user.pk in assignments:
            member.since = assignments[user.pk].created_at
            if open_for_staff and can_steer:
                member.actions.append("unassign")
            if open_for_staff and member.is_me:
                member.actions += ["release", "forward"]
            assigned.append(member)
        elif user.pk in offers:
            offer = offers[user.pk]
            member.since, member.expires_at, member.offer_id = offer.created_at, offer.expires_at, offer.pk
            if open_for_staff and member.is_me and offer.expires_at > timezone.now():
                member.actions += ["accept", "decline"]
            if open_for_staff and can_steer:
                member.actions += ["assign", "withdraw"]
            requested.append(member)
        else:
            if open_for_staff and can_steer:
                member.actions.append("assign")
                if places_left > 0:
                    member.actions.append("offer")
            available.append(member)
    forward_targets = [u for u in staff if u.pk not in assignments] if viewer_assigned and open_for_staff else []
    return FleetOverview(assigned, requested, available, can_steer, ticket.template.assignees_needed, forward_targets)


def open_offers(user: User) -> QuerySet[TicketOffer]:
    return (
        TicketOffer.objects.filter(user=user, status=OfferStatus.PENDING, expires_at__gt=timezone.now())
        .select_related("ticket", "ticket__template", "ticket__access_code", "sent_by")
        .order_by("expires_at", "id")
    )


def notifications_for(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).select_related("ticket")


def badge_counts(user: User) -> dict[str, int]:
    if not lifecycle.is_staff(user):
        return {"open_offers": 0, "unread_notifications": 0, "unread_messages": 0}
    from messenger.services import unread_total

    return {
        "open_offers": open_offers(user).count(),
        "unread_notifications": Notification.objects.filter(user=user, read_at__isnull=True).count(),
        "unread_messages": unread_total(user),
    }
