"""The fleet's rules: who may assign, offer, answer, forward and release; and the per-ticket
permissions of assignees (django-guardian object permissions: becoming an assignee grants them;
releasing, forwarding or unassigning revokes them)."""

from guardian.shortcuts import assign_perm, remove_perm

from fleet.models import OfferStatus
from tickets import lifecycle, permissions
from tickets.choices import Status

ASSIGNEE_TICKET_PERMISSIONS = ["tickets.work_ticket", "tickets.change_ticket"]


def grant_assignee_permissions(user, ticket) -> None:
    for perm in ASSIGNEE_TICKET_PERMISSIONS:
        assign_perm(perm, user, ticket)


def revoke_assignee_permissions(user, ticket) -> None:
    for perm in ASSIGNEE_TICKET_PERMISSIONS:
        remove_perm(perm, user, ticket)


# --- who may do what in the fleet: the services check these, the Flottenmanagement tab's buttons
# come from them (fleet.selectors.fleet_overview), so a button is shown exactly when its action
# would be allowed. Pure predicates over facts the caller already holds (no queries).

STAFFABLE = (Status.OPEN, Status.ASSIGNED, Status.IN_PROGRESS)


def is_staffable(ticket) -> bool:
    """Staff join, leave and are offered a ticket only while it is open or being worked on."""
    return ticket.status in STAFFABLE


def may_see_fleet(actor, ticket) -> bool:
    """The Flottenmanagement tab (who works on the ticket, who was asked, who saw it): every staff
    member who sees the ticket; never code users."""
    return permissions.staff_can_see(actor, ticket)


def may_steer(actor, ticket) -> bool:
    """Administrators and moderators assign, unassign, send and withdraw offers on every ticket."""
    return lifecycle.is_moderator(ticket, actor)


def may_assign(actor, ticket, *, assigned: bool) -> bool:
    return is_staffable(ticket) and may_steer(actor, ticket) and not assigned


def may_unassign(actor, ticket, *, assigned: bool) -> bool:
    return is_staffable(ticket) and may_steer(actor, ticket) and assigned


def may_release(actor, ticket, member, *, assigned: bool) -> bool:
    """Freigeben: an assignee leaves the ticket themselves."""
    return is_staffable(ticket) and assigned and getattr(actor, "pk", None) == member.pk


def may_release_all(actor, ticket) -> bool:
    """An administrator gives a whole ticket back: every assignee leaves, it is Offen again and
    offers go out (the ticket bot: "Administratoren können ein Ticket jederzeit freigeben")."""
    return ticket.status in (Status.ASSIGNED, Status.IN_PROGRESS) and lifecycle.is_administrator(ticket, actor)


def may_reopen_for_offers(actor, ticket, assignee_ids) -> bool:
    """The status bar's "Offen" from Zugewiesen or In Bearbeitung: an administrator releases the
    whole ticket, or the last assignee releases their own place."""
    if ticket.status not in (Status.ASSIGNED, Status.IN_PROGRESS):
        return False
    return may_release_all(actor, ticket) or list(assignee_ids) == [getattr(actor, "pk", None)]


def may_forward_for(actor, ticket, from_user) -> bool:
    """Whose place an actor may hand on: their own, and (administrators and moderators, who steer
    every ticket) any assignee's. The README's role table: "an assignee forwards; administrators and
    moderators assign, unassign and forward on behalf of an assignee"."""
    return getattr(actor, "pk", None) == getattr(from_user, "pk", None) or may_steer(actor, ticket)


def may_forward(actor, ticket, from_user, *, assigned: bool) -> bool:
    """Weiterleiten: the assignee hands their place on, or a moderator/administrator does it for
    them, while the ticket is being staffed. The tab's button and the service both ask this."""
    return is_staffable(ticket) and assigned and may_forward_for(actor, ticket, from_user)


def may_claim(actor, ticket, *, assigned: bool, places_left: int) -> bool:
    """Übernehmen: a staff member with a role takes an Offen ticket they may see, without an offer,
    when its template allows it and a place is free (as if they had accepted an offer)."""
    return (
        ticket.status == Status.OPEN
        and ticket.template.allows_claiming
        and permissions.staff_can_see(actor, ticket)
        and getattr(actor, "role", None) is not None
        and not assigned
        and places_left > 0
    )


def may_send_offer(actor, ticket, *, places_left: int) -> bool:
    return is_staffable(ticket) and may_steer(actor, ticket) and places_left > 0


def offer_is_open(offer, now) -> bool:
    return offer.status == OfferStatus.PENDING and offer.expires_at > now


def may_withdraw_offer(actor, ticket, offer, now) -> bool:
    return is_staffable(ticket) and may_steer(actor, ticket) and offer_is_open(offer, now)


def is_offered_to(actor, offer) -> bool:
    return offer.user_id == getattr(actor, "pk", None)


def may_act_on_offer(actor, ticket, offer) -> bool:
    """Whom an offer concerns enough to act on it by its id: the member it is meant for (accept,
    decline) and those who steer the ticket (withdraw). Everyone else does not learn it exists."""
    return is_offered_to(actor, offer) or may_steer(actor, ticket)


def may_answer_offer(actor, ticket, offer, now) -> bool:
    """Accept or decline: only the member the offer is meant for, while it is open."""
    return is_staffable(ticket) and is_offered_to(actor, offer) and offer_is_open(offer, now)
