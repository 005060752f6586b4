"""fleet.permissions: the Flottenmanagement tab shows a button exactly when the service would
allow its action (both ask the same rules)."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from common.errors import DomainError, NotFound
from fleet import selectors, services
from fleet.models import OfferStatus, TicketOffer
from tests.factories import TicketTemplateFactory, UserFactory, make_ticket
from tickets.choices import Status

pytestmark = pytest.mark.django_db


class _Rollback(Exception):
    pass


def _allowed(call) -> bool:
    """Does the service accept the call? Whatever it changes is rolled back."""
    try:
        with transaction.atomic():
            call()
            raise _Rollback
    except _Rollback:
        return True
    except DomainError:
        return False


@pytest.fixture
def fleet(crew):
    template = TicketTemplateFactory(assignees_needed=2, offer_recipients="members")
    ticket = make_ticket(Status.ASSIGNED, template=template, assignees=[crew["mia"]])
    services.offers_send(crew["moderator"], ticket, [crew["jonas"], crew["lena"]])
    # Lena's offer ran out but the periodic expiry has not marked it yet.
    TicketOffer.objects.filter(ticket=ticket, user=crew["lena"]).update(expires_at=timezone.now() - timedelta(minutes=1))
    return ticket


def _calls(viewer, ticket, member, offer, free):
    return {
        "unassign": lambda: services.assignee_remove(viewer, ticket, member),
        "release": lambda: services.assignee_release(viewer, ticket),
        "forward": lambda: services.assignee_forward(viewer, ticket, free, from_user=member),
        "accept": lambda: services.offer_accept(viewer, offer),
        "decline": lambda: services.offer_decline(viewer, offer),
        "assign": lambda: services.assignee_add(viewer, ticket, member),
        "withdraw": lambda: services.offer_withdraw(viewer, offer),
        "offer": lambda: services.offers_send(viewer, ticket, [member]),
    }


GROUP_ACTIONS = {
    "assigned": ["unassign", "release", "forward"],
    "requested": ["accept", "decline", "assign", "withdraw"],
    "available": ["assign", "offer"],
}


@pytest.mark.parametrize("viewer_name", ["admin", "moderator", "mia", "jonas", "lena"])
def test_every_button_is_an_allowed_action_and_every_allowed_action_has_its_button(crew, fleet, viewer_name):
    viewer = crew[viewer_name]
    overview = selectors.fleet_overview(viewer, fleet)
    free = UserFactory(first_name="Frei")
    for group in ("assigned", "requested", "available"):
        for member in getattr(overview, group):
            offer = TicketOffer.objects.filter(pk=member.offer_id).first()
            calls = _calls(viewer, fleet, member.user, offer, free)
            for action in GROUP_ACTIONS[group]:
                shown = action in member.actions
                if action == "unassign" and member.user == viewer:
                    continue  # leaving oneself is "release"
                if action == "release" and member.user != viewer:
                    continue  # one releases only oneself
                fleet.refresh_from_db()
                assert _allowed(calls[action]) is shown, (viewer_name, group, member.user.first_name, action)


def test_an_offer_that_ran_out_has_no_buttons_and_is_refused(crew, fleet):
    lena_offer = TicketOffer.objects.get(ticket=fleet, user=crew["lena"])
    for viewer in (crew["lena"], crew["moderator"]):
        row = next(m for m in selectors.fleet_overview(viewer, fleet).requested if m.user == crew["lena"])
        assert "accept" not in row.actions and "withdraw" not in row.actions
    assert not _allowed(lambda: services.offer_accept(crew["lena"], lena_offer))
    assert TicketOffer.objects.get(pk=lena_offer.pk).status == OfferStatus.PENDING


def test_offers_are_fetched_only_on_tickets_the_viewer_may_see(crew, fleet):
    offer = TicketOffer.objects.get(ticket=fleet, user=crew["jonas"])
    assert selectors.access_offer(crew["jonas"], offer.pk) == offer
    outsider = UserFactory(role=None)
    with pytest.raises(NotFound):
        selectors.access_offer(outsider, offer.pk)
    with pytest.raises(NotFound):
        selectors.access_offer(crew["jonas"], 999999)


def test_the_fleet_is_for_staff_who_see_the_ticket(crew, fleet):
    draft = make_ticket(Status.DRAFT, creator=crew["jonas"], template=fleet.template)
    assert selectors.fleet_overview(crew["jonas"], draft).places_needed == 2
    assert selectors.fleet_overview(crew["moderator"], draft).can_steer is True
    for viewer in (crew["mia"], UserFactory(role=None, is_active=False)):
        with pytest.raises(NotFound):
            selectors.fleet_overview(viewer, draft)


def test_acting_on_an_offer_by_id_needs_it_to_be_yours_or_a_ticket_you_steer(crew, fleet):
    offer = TicketOffer.objects.get(ticket=fleet, user=crew["jonas"])
    assert selectors.access_offer(crew["mia"], offer.pk) == offer  # the tab shows it to her
    with pytest.raises(NotFound):
        selectors.access_offer(crew["mia"], offer.pk, acting=True)
    for actor in (crew["jonas"], crew["moderator"], crew["admin"]):
        assert selectors.access_offer(actor, offer.pk, acting=True) == offer
    for pk in (0, -1, 2**63, 10**20, True):
        with pytest.raises(NotFound):
            selectors.access_offer(crew["jonas"], pk, acting=True)
