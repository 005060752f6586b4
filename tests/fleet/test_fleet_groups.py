"""The Flottenmanagement tab's groups in the manual's words: "Angefragte Mitarbeiter: haben ein
Ticketangebot erhalten" (whatever became of the offer), "Verfügbare Mitarbeiter: verbleibende
Mitarbeiter, die kein Angebot erhalten haben"; and the GESEHEN / UNGESEHEN markers."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from fleet import selectors, services
from fleet.models import OfferStatus, TicketOffer
from tests.factories import TicketTemplateFactory, UserFactory, make_ticket
from tickets.choices import OfferRecipients, Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def offered(crew):
    """An Offen ticket (offers only to chosen members: none went out by themselves) whose offers
    are in every state: Mia's open, Jonas declined, Lena's withdrawn, Paul's expired (marked by the
    beat job), Rita's run out but not yet marked; Sven accepted and released again."""
    template = TicketTemplateFactory(offer_recipients=OfferRecipients.MEMBERS, assignees_needed=2)
    ticket = make_ticket(Status.OPEN, template=template)
    paul = UserFactory(first_name="Paul", last_name="Roth")
    rita = UserFactory(first_name="Rita", last_name="Vogel")
    sven = UserFactory(first_name="Sven", last_name="Zander")
    moderator = crew["moderator"]
    services.offers_send(moderator, ticket, [crew["mia"], crew["jonas"], crew["lena"], paul, rita, sven])
    offer = {o.user_id: o for o in TicketOffer.objects.filter(ticket=ticket)}
    services.offer_decline(crew["jonas"], offer[crew["jonas"].pk])
    services.offer_withdraw(moderator, offer[crew["lena"].pk])
    services.offer_accept(sven, offer[sven.pk])
    services.assignee_release(sven, ticket)
    past = timezone.now() - timedelta(minutes=5)
    TicketOffer.objects.filter(pk__in=[offer[paul.pk].pk, offer[rita.pk].pk]).update(expires_at=past)
    services.offers_expire(now=timezone.now())  # marks Paul's and Rita's …
    TicketOffer.objects.filter(pk=offer[rita.pk].pk).update(status=OfferStatus.PENDING, answered_at=None)  # … Rita's not yet
    ticket.refresh_from_db()
    return ticket, {o.user_id: TicketOffer.objects.get(pk=o.pk) for o in offer.values()}, paul, rita, sven


def test_requested_is_everyone_who_received_an_offer_with_its_state_and_when(crew, offered):
    ticket, offers, paul, rita, sven = offered
    overview = selectors.fleet_overview(crew["moderator"], ticket)
    requested = {m.user.display_name: (m.offer_state, m.offer_state_at) for m in overview.requested}
    mia, jonas, lena = crew["mia"], crew["jonas"], crew["lena"]
    assert requested == {
        "Mia Schneider": (OfferStatus.PENDING, offers[mia.pk].expires_at),
        "Jonas Fischer": (OfferStatus.DECLINED, offers[jonas.pk].answered_at),
        "Lena Wagner": (OfferStatus.WITHDRAWN, offers[lena.pk].answered_at),
        "Paul Roth": (OfferStatus.EXPIRED, offers[paul.pk].answered_at),
        "Rita Vogel": (OfferStatus.EXPIRED, offers[rita.pk].expires_at),
        "Sven Zander": (OfferStatus.ACCEPTED, offers[sven.pk].answered_at),
    }
    assert {m.user.display_name for m in overview.available} == {"Anna Adler", "Moritz Berger", ticket.created_by.display_name}
    assert overview.assigned == []
    # An open offer can be answered or withdrawn; an answered one can be sent again.
    actions = {m.user.display_name: m.actions for m in overview.requested}
    assert actions["Mia Schneider"] == ["assign", "withdraw"]
    assert actions["Jonas Fischer"] == ["assign", "offer"]
    assert actions["Rita Vogel"] == ["assign", "offer"]
    as_mia = {m.user.display_name: m.actions for m in selectors.fleet_overview(mia, ticket).requested}
    assert as_mia["Mia Schneider"] == ["accept", "decline"]
    assert as_mia["Jonas Fischer"] == []


def test_a_declined_member_is_asked_again_and_shows_the_new_offer(crew, offered):
    ticket, _offers, *_ = offered
    services.offers_send(crew["moderator"], ticket, [crew["jonas"]])
    row = next(m for m in selectors.fleet_overview(crew["moderator"], ticket).requested if m.user == crew["jonas"])
    assert row.offer_state == OfferStatus.PENDING
    assert row.offer_state_at == TicketOffer.objects.get(ticket=ticket, user=crew["jonas"], status=OfferStatus.PENDING).expires_at


def test_the_tab_reads_as_the_manual_in_german(client, crew, offered):
    ticket, offers, paul, rita, sven = offered
    services.ticket_seen(crew["mia"], ticket)
    client.force_login(crew["moderator"])
    with translation.override("de"):
        html = client.get(reverse("tickets:tab", args=[ticket.number, "fleet"])).content.decode()

        def when(moment):
            return date_format(timezone.localtime(moment), "DATETIME_FORMAT")

        mia, jonas, lena = crew["mia"], crew["jonas"], crew["lena"]
        expected = [
            f"Angebot offen bis {when(offers[mia.pk].expires_at)}",
            f"abgelehnt am {when(offers[jonas.pk].answered_at)}",
            f"zurückgezogen am {when(offers[lena.pk].answered_at)}",
            f"abgelaufen am {when(offers[paul.pk].answered_at)}",
            f"abgelaufen am {when(offers[rita.pk].expires_at)}",
            f"angenommen am {when(offers[sven.pk].answered_at)}",
        ]
    for text in expected:
        assert text in html
    assert "Angefragte Mitarbeiter" in html and "Verfügbare Mitarbeiter" in html
    assert "NICHT GESEHEN" not in html
    assert '<span aria-hidden="true">GESEHEN</span>' in html
    assert '<span aria-hidden="true">UNGESEHEN</span>' in html
    assert "Mia Schneider hat das Ticket gesehen (zuerst geöffnet am" in html
    assert "Jonas Fischer hat das Ticket noch nicht geöffnet." in html
