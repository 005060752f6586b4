"""Read queries of the fleet: the Flottenmanagement tab, open offers, notifications."""

from __future__ import annotations

from dataclasses import dataclass, replace, field
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from common.errors import NotFound
from fleet import permissions as rules
from fleet.models import Assignment, Notification, OfferStatus, SeenMarker, TicketOffer, User
from fleet.roles import ROLE_ORDER
from messenger.selectors import unread_total
from tickets import lifecycle
from tickets import selectors as ticket_selectors
from tickets.choices import Status
from tickets.models import Ticket


def active_staff():
    """Every active staff member who holds a role."""
    return (
        User.objects.filter(is_active=True, groups__name__in=[role.value for role in ROLE_ORDER])
        .distinct()
        .prefetch_related("groups")
    )



def staff_members() -> QuerySet[User]:
    """Everyone with a staff account for the settings area: active first, by name."""
    return User.objects.prefetch_related("groups").order_by("-is_active", "last_name", "first_name", "username")


def staff_member(pk: int) -> User:
    member = User.objects.prefetch_related("groups").filter(pk=pk).first()
    if member is None:
        raise NotFound(_("There is no such staff member."))
    return member


def assignable_staff() -> list[User]:
    """Whom the status bar offers for "Zuweisen an", by name (the service checks the choice)."""
    return list(active_staff().order_by("last_name", "first_name", "username"))


def staff_member_or_none(pk) -> User | None:
    """The member a form names by id, or None (a missing or unknown id; the service then says so)."""
    return User.objects.filter(pk=pk).first() if pk else None


def active_staff_count() -> int:
    return User.objects.filter(is_active=True).count()


def assignments_of(ticket: Ticket) -> list[Assignment]:
    """A ticket's assignees, in the order they joined (the detail page's summary)."""
    return list(Assignment.objects.filter(ticket=ticket).select_related("user").order_by("created_at"))


@dataclass
class Member:
    user: User
    seen_at: datetime | None
    since: datetime | None = None  # assigned at / offer sent at
    expires_at: datetime | None = None
    offer_id: int | None = None
    is_me: bool = False
    actions: list[str] = field(default_factory=list)
    # The requested group: the state of the member's latest offer for this ticket, and when it got
    # there (pending: until when it is valid).
    offer_state: str | None = None
    offer_state_at: datetime | None = None

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
    can_claim: bool = False  # Übernehmen: the viewer may take the ticket now


def offer_state(offer: TicketOffer, now: datetime) -> tuple[str, datetime | None]:
    """An offer's state as the tab shows it, and since when: a pending offer past its time is
    already "expired" (the beat job marks it a little later)."""
    if offer.status == OfferStatus.PENDING:
        if offer.expires_at > now:
            return OfferStatus.PENDING, offer.expires_at
        return OfferStatus.EXPIRED, offer.expires_at
    return offer.status, offer.answered_at or offer.expires_at


def fleet_overview(viewer, ticket: Ticket) -> FleetOverview:
    """The three groups of the tab (the manual's words: assigned; requested = received an offer for
    this ticket, in whatever state it is now; available = everyone else), each member with the
    actions this viewer may take: the fleet
    rules (``fleet.permissions``) decide each button, the same rules the services check.
    A constant number of queries, whatever the fleet's size. A viewer who may not see the ticket
    (``rules.may_see_fleet``) gets ``NotFound``, like for the ticket itself."""
    if not rules.may_see_fleet(viewer, ticket):
        raise NotFound(_("There is no such ticket, or you may not see it."))
    staff = list(active_staff().order_by("last_name", "first_name", "username"))
    assignments = {a.user_id: a for a in Assignment.objects.filter(ticket=ticket)}
    # Each member's latest offer for this ticket, whatever its state: whoever received one is "requested".
    offers = {}
    for offer in TicketOffer.objects.filter(ticket=ticket).order_by("-created_at", "-id"):
        offers.setdefault(offer.user_id, offer)
    seen = dict(SeenMarker.objects.filter(ticket=ticket).values_list("user_id", "first_seen_at"))
    now = timezone.now()
    places_left = ticket.template.assignees_needed - len(assignments)

    assigned, requested, available = [], [], []
    for user in staff:
        member = Member(user=user, seen_at=seen.get(user.pk), is_me=user.pk == viewer.pk)
        is_assigned = user.pk in assignments
        if is_assigned:
            member.since = assignments[user.pk].created_at
            member.actions = [
                action for action, allowed in (
                    ("unassign", rules.may_unassign(viewer, ticket, assigned=True)),
                    ("release", rules.may_release(viewer, ticket, user, assigned=True)),
                    ("forward", rules.may_forward(viewer, ticket, user, assigned=True)),
                ) if allowed
            ]
            assigned.append(member)
        elif user.pk in offers:
            offer = offers[user.pk]
            member.since, member.expires_at, member.offer_id = offer.created_at, offer.expires_at, offer.pk
            member.offer_state, member.offer_state_at = offer_state(offer, now)
            if rules.offer_is_open(offer, now):
                answer = rules.may_answer_offer(viewer, ticket, offer, now)
                choices = (
                    ("accept", answer), ("decline", answer),
                    ("assign", rules.may_assign(viewer, ticket, assigned=False)),
                    ("withdraw", rules.may_withdraw_offer(viewer, ticket, offer, now)),
                )
            else:  # answered, withdrawn or run out: a moderator may assign them or ask again
                choices = (
                    ("assign", rules.may_assign(viewer, ticket, assigned=False)),
                    ("offer", rules.may_send_offer(viewer, ticket, places_left=places_left)),
                )
            member.actions = [action for action, allowed in choices if allowed]
            requested.append(member)
        else:
            member.actions = [
                action for action, allowed in (
                    ("assign", rules.may_assign(viewer, ticket, assigned=False)),
                    ("offer", rules.may_send_offer(viewer, ticket, places_left=places_left)),
                ) if allowed
            ]
            available.append(member)
    viewer_assigned = viewer.pk in assignments
    may_forward = any("forward" in member.actions for member in assigned)
    forward_targets = [u for u in staff if u.pk not in assignments] if may_forward else []
    can_claim = rules.may_claim(viewer, ticket, assigned=viewer_assigned, places_left=places_left)
    return FleetOverview(
        assigned, requested, available, rules.may_steer(viewer, ticket), ticket.template.assignees_needed,
        forward_targets, can_claim,
    )


def with_staffing(viewer, ticket: Ticket, options: list) -> list:
    """The lifecycle's transition options (``tickets.services.ticket_transition_options``) as the
    status bar and the API offer them: ``assign`` from Offen and ``release`` from Zugewiesen or In
    Bearbeitung follow the fleet's rules (``staffing_steps``: choosing an assignee, releasing the
    whole ticket or one's own place) instead of the lifecycle's bare conditions."""
    steps = staffing_steps(viewer, ticket)
    shown = []
    for option in options:
        if option.name in ("assign", "release") and option.target in steps:
            allowed, reason = steps[option.target]
            option = replace(option, allowed=allowed, reason=reason)
        shown.append(option)
    return shown


def staffing_steps(viewer, ticket: Ticket) -> dict[str, tuple[bool, str]]:
    """What the status bar may offer beyond the lifecycle's own transitions: Zugewiesen from Offen
    (choosing an assignee) and Offen from Zugewiesen or In Bearbeitung (releasing); for each,
    whether this viewer may, and if not why (the fleet rules)."""
    if ticket.status == Status.OPEN:
        if rules.may_assign(viewer, ticket, assigned=False):
            return {Status.ASSIGNED: (True, "")}
        return {Status.ASSIGNED: (False, str(_("Administrators and moderators assign; you can take the ticket in the Flottenmanagement tab.")))}
    if ticket.status in (Status.ASSIGNED, Status.IN_PROGRESS):
        assignee_ids = list(Assignment.objects.filter(ticket=ticket).values_list("user_id", flat=True))
        if rules.may_reopen_for_offers(viewer, ticket, assignee_ids):
            return {Status.OPEN: (True, "")}
        return {Status.OPEN: (False, str(_("Only administrators release a whole ticket; an assignee releases their own place in the Flottenmanagement tab.")))}
    return {}


# The largest id a lookup takes (ids beyond the database's integer range name nothing).
MAX_ID = 2**63 - 1


def access_offer(actor, pk: int, *, acting: bool = False) -> TicketOffer:
    """Fetch *and* authorise an offer: one on a ticket the actor may see, or ``NotFound``. Whether
    the actor may answer or withdraw it is the service's rule (``fleet.permissions``).
    ``acting=True`` (the API's offer actions) also hides offers the actor has nothing to do with
    (``rules.may_act_on_offer``: neither theirs nor on a ticket they steer)."""
    if isinstance(pk, bool) or not isinstance(pk, int) or not 0 < pk <= MAX_ID:
        raise NotFound(_("There is no such offer."))
    offer = TicketOffer.objects.select_related("ticket", "user").filter(pk=pk).first()
    if offer is None:
        raise NotFound(_("There is no such offer."))
    ticket = ticket_selectors.access_ticket(actor, offer.ticket.number)
    if acting and not rules.may_act_on_offer(actor, ticket, offer):
        raise NotFound(_("There is no such offer."))
    return offer


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
    return {
        "open_offers": open_offers(user).count(),
        "unread_notifications": Notification.objects.filter(user=user, read_at__isnull=True).count(),
        "unread_messages": unread_total(user),
    }
