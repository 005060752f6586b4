"""Assign, unassign, release, forward: each action for each role, and the permissions it moves."""

import threading

import pytest
from django.db import connection
from guardian.shortcuts import get_perms

from common.errors import DomainError, InvalidInput, PermissionDenied, WrongState
from fleet import selectors, services
from fleet.models import Assignment, Notification, NotificationKind, OfferStatus, SeenMarker, TicketOffer
from tests.factories import UserFactory, make_ticket
from tickets import selectors as ticket_selectors
from tickets.choices import Status
from tickets.models import Ticket, TicketHistory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("actor", ["admin", "moderator"])
def test_admins_and_moderators_assign_and_unassign(crew, template, actor):
    ticket = make_ticket(Status.OPEN, template=template)
    services.assignee_add(crew[actor], ticket, crew["lena"])
    assert Ticket.objects.get(pk=ticket.pk).status == Status.ASSIGNED
    assert Notification.objects.filter(user=crew["lena"], kind=NotificationKind.ASSIGNED).exists()
    services.assignee_remove(crew[actor], ticket, crew["lena"])
    assert Ticket.objects.get(pk=ticket.pk).status == Status.OPEN
    assert Notification.objects.filter(user=crew["lena"], kind=NotificationKind.UNASSIGNED).exists()


@pytest.mark.parametrize("actor", ["mia", "jonas"])
def test_mitarbeiter_cannot_assign_or_unassign_others(crew, template, actor):
    ticket = make_ticket(Status.ASSIGNED, template=template, assignees=[crew["lena"]])
    with pytest.raises(PermissionDenied):
        services.assignee_add(crew[actor], ticket, crew[actor])
    with pytest.raises(PermissionDenied):
        services.assignee_remove(crew[actor], ticket, crew["lena"])
    assert list(ticket.assignments.values_list("user", flat=True)) == [crew["lena"].pk]


def test_guardian_permissions_follow_the_assignment(crew, template):
    ticket = make_ticket(Status.OPEN, template=template)
    assert get_perms(crew["mia"], ticket) == []
    services.assignee_add(crew["moderator"], ticket, crew["mia"])
    assert set(get_perms(crew["mia"], ticket)) == {"work_ticket", "change_ticket"}
    services.assignee_forward(crew["mia"], ticket, crew["jonas"])
    assert get_perms(crew["mia"], ticket) == []
    assert set(get_perms(crew["jonas"], ticket)) == {"work_ticket", "change_ticket"}
    services.assignee_release(crew["jonas"], ticket)
    assert get_perms(crew["jonas"], ticket) == []


def test_my_tickets_are_the_ones_assigned(crew, template):
    mine = make_ticket(Status.ASSIGNED, template=template, assignees=[crew["mia"]])
    make_ticket(Status.ASSIGNED, template=template, assignees=[crew["jonas"]])
    assert list(ticket_selectors.tickets_assigned_to(crew["mia"])) == [mine]
    # A moderator's role-wide right to work on every ticket does not make them "mine".
    assert list(ticket_selectors.tickets_assigned_to(crew["moderator"])) == []


def test_release_by_the_assignee(crew, template):
    ticket = make_ticket(Status.IN_PROGRESS, template=template, assignees=[crew["mia"]])
    services.assignee_release(crew["mia"], ticket, reason="Krank")
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    entry = TicketHistory.objects.filter(ticket=ticket, data__change="released").get()
    assert entry.reason == "Krank" and entry.old_value == crew["mia"].display_name


def test_a_mitarbeiter_cannot_release_a_ticket_that_is_not_theirs(crew, template):
    ticket = make_ticket(Status.IN_PROGRESS, template=template, assignees=[crew["mia"]])
    with pytest.raises(InvalidInput):
        services.assignee_release(crew["jonas"], ticket)
    assert Ticket.objects.get(pk=ticket.pk).status == Status.IN_PROGRESS


@pytest.mark.parametrize("status", [Status.DONE, Status.CLOSED])
def test_nobody_leaves_or_is_removed_from_a_finished_ticket(crew, template, status):
    """Fertig and Geschlossen keep who did the work: unassigning and releasing are not possible
    now (409), as the Flottenmanagement tab's rules say (fleet.permissions.is_staffable)."""
    ticket = make_ticket(status, template=template, assignees=[crew["mia"]])
    with pytest.raises(WrongState):
        services.assignee_remove(crew["moderator"], ticket, crew["mia"])
    with pytest.raises(WrongState):
        services.assignee_release(crew["mia"], ticket)
    assert list(ticket.assignments.values_list("user", flat=True)) == [crew["mia"].pk]
    assert set(get_perms(crew["mia"], ticket)) == {"work_ticket", "change_ticket"}
    assert Ticket.objects.get(pk=ticket.pk).status == status


def test_forward_hands_the_ticket_over_and_the_history_names_both(crew, template):
    ticket = make_ticket(Status.IN_PROGRESS, template=template, assignees=[crew["mia"]])
    services.assignee_forward(crew["mia"], ticket, crew["lena"], reason="Spezialistin")
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS  # no detour over Offen
    assert list(ticket.assignments.values_list("user", flat=True)) == [crew["lena"].pk]
    entry = TicketHistory.objects.get(ticket=ticket, data__change="forwarded")
    assert (entry.actor, entry.old_value, entry.new_value) == (crew["mia"], crew["mia"].display_name, crew["lena"].display_name)
    assert Notification.objects.filter(user=crew["lena"], kind=NotificationKind.FORWARDED_TO_YOU).exists()


def test_forward_is_refused_for_non_assignees_and_bad_targets(crew, template):
    ticket = make_ticket(Status.IN_PROGRESS, template=template, assignees=[crew["mia"]])
    with pytest.raises(PermissionDenied):
        services.assignee_forward(crew["jonas"], ticket, crew["lena"])
    with pytest.raises(InvalidInput):
        services.assignee_forward(crew["mia"], ticket, crew["mia"])
    with pytest.raises(InvalidInput):
        services.assignee_forward(crew["mia"], ticket, UserFactory(role=None))
    assert list(ticket.assignments.values_list("user", flat=True)) == [crew["mia"].pk]


def test_moderator_forwards_on_behalf_of_an_assignee(crew, template):
    ticket = make_ticket(Status.ASSIGNED, template=template, assignees=[crew["mia"]])
    services.assignee_forward(crew["moderator"], ticket, crew["jonas"], from_user=crew["mia"])
    assert list(ticket.assignments.values_list("user", flat=True)) == [crew["jonas"].pk]


def test_admins_close_any_ticket_a_mitarbeiter_only_their_own(crew, template):
    from tickets import services as ticket_services

    ticket = make_ticket(Status.IN_PROGRESS, template=template, assignees=[crew["mia"]])
    with pytest.raises(PermissionDenied):
        ticket_services.ticket_close(crew["jonas"], ticket)
    assert ticket_services.ticket_close(crew["admin"], ticket, reason="Doppelt gemeldet").status == Status.CLOSED
    done = make_ticket(Status.DONE, template=template, assignees=[crew["mia"]])
    assert ticket_services.ticket_close(crew["mia"], done).status == Status.CLOSED


def test_nobody_joins_a_closed_ticket(crew, template):
    ticket = make_ticket(Status.CLOSED, template=template)
    with pytest.raises(WrongState):
        services.assignee_add(crew["admin"], ticket, crew["mia"])


def test_direct_assignment_answers_the_persons_open_offer(crew, template):
    ticket = make_ticket(Status.OPEN, template=template)
    services.offers_send(crew["moderator"], ticket, [crew["mia"], crew["jonas"]])
    services.assignee_add(crew["moderator"], ticket, crew["mia"])
    assert not TicketOffer.objects.filter(ticket=ticket, status=OfferStatus.PENDING).exists()


def test_seen_is_recorded_once_on_the_first_view(crew, template, client):
    ticket = make_ticket(Status.OPEN, template=template)
    client.force_login(crew["jonas"])
    assert not SeenMarker.objects.filter(ticket=ticket).exists()
    client.get(ticket.get_absolute_url())
    first = SeenMarker.objects.get(ticket=ticket, user=crew["jonas"]).first_seen_at
    client.get(ticket.get_absolute_url())
    assert SeenMarker.objects.get(ticket=ticket, user=crew["jonas"]).first_seen_at == first
    overview = selectors.fleet_overview(crew["admin"], ticket)
    seen = {m.user.username: m.seen for m in overview.available}
    assert seen[crew["jonas"].username] is True and seen[crew["lena"].username] is False


def test_fleet_overview_groups_and_actions(crew, template):
    ticket = make_ticket(Status.ASSIGNED, template=template, assignees=[crew["mia"]])
    template.assignees_needed = 2
    template.save()
    services.offers_send(crew["moderator"], ticket, [crew["jonas"]])
    ticket.refresh_from_db()

    as_moderator = selectors.fleet_overview(crew["moderator"], ticket)
    assert [m.user for m in as_moderator.assigned] == [crew["mia"]]
    assert [m.user for m in as_moderator.requested] == [crew["jonas"]]
    available = {m.user for m in as_moderator.available}
    assert {crew["admin"], crew["moderator"], crew["lena"]} <= available
    assert not {crew["mia"], crew["jonas"]} & available
    assert as_moderator.assigned[0].actions == ["unassign", "forward"]
    assert as_moderator.requested[0].actions == ["assign", "withdraw"]
    assert all(m.actions == ["assign", "offer"] for m in as_moderator.available)

    as_jonas = selectors.fleet_overview(crew["jonas"], ticket)
    assert as_jonas.requested[0].actions == ["accept", "decline"]
    assert all(m.actions == [] for m in as_jonas.assigned + as_jonas.available)
    as_mia = selectors.fleet_overview(crew["mia"], ticket)
    assert as_mia.assigned[0].actions == ["release", "forward"]


@pytest.mark.django_db(transaction=True)
def test_two_accepting_the_last_place_at_once_exactly_one_wins(crew, template):
    ticket = make_ticket(Status.OPEN, template=template)  # committed: the offers went out to all staff
    offers = {o.user_id: o.pk for o in TicketOffer.objects.filter(ticket=ticket, status=OfferStatus.PENDING)}
    assert {crew["mia"].pk, crew["jonas"].pk} <= set(offers)
    barrier = threading.Barrier(2)
    results = {}

    def accept(user):
        try:
            barrier.wait(timeout=10)
            results[user.username] = services.offer_accept(user, offers[user.pk])
        except Exception as error:  # noqa: BLE001 - inspected below
            results[user.username] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=(crew[name],)) for name in ("mia", "jonas")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(t.is_alive() for t in threads)

    winners = [r for r in results.values() if isinstance(r, Assignment)]
    losers = [r for r in results.values() if isinstance(r, DomainError)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert losers[0].code == "condition_unmet"  # "Someone else was quicker …"
    ticket.refresh_from_db()
    assert ticket.status == Status.ASSIGNED
    assert ticket.assignments.count() == 1
    assert TicketOffer.objects.filter(ticket=ticket, status=OfferStatus.ACCEPTED).count() == 1
    assert not TicketOffer.objects.filter(ticket=ticket, status=OfferStatus.PENDING).exists()
