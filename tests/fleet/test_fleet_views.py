"""The Flottenmanagement tab, the offers page and notifications over HTTP (German UI)."""

import pytest
from django.urls import reverse
from django.utils import translation

from fleet import services
from fleet.models import Notification, OfferStatus, TicketOffer
from tests.factories import make_ticket
from tickets.choices import Status
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _german():
    with translation.override("de"):
        yield


def _fleet_tab(client, ticket):
    return client.get(reverse("tickets:tab", args=[ticket.number, "fleet"])).content.decode()


def test_tab_shows_the_three_groups_with_seen_markers(client, crew, template):
    ticket = make_ticket(Status.ASSIGNED, template=template, assignees=[crew["mia"]])
    client.force_login(crew["moderator"])
    html = _fleet_tab(client, ticket)
    for heading in ("Zugewiesene Mitarbeiter", "Angefragte Mitarbeiter", "Verfügbare Mitarbeiter"):
        assert heading in html
    assert "GESEHEN" in html and "UNGESEHEN" in html
    assert "Zuweisen" in html and "Entfernen" in html


def test_mitarbeiter_sees_the_tab_read_only(client, crew, template):
    ticket = make_ticket(Status.ASSIGNED, template=template, assignees=[crew["mia"]])
    client.force_login(crew["jonas"])
    html = _fleet_tab(client, ticket)
    assert "Zugewiesene Mitarbeiter" in html
    assert ">\n              Zuweisen" not in html and "Entfernen" not in html and "Angebot senden" not in html


def test_moderator_assigns_and_unassigns_from_the_tab(client, crew, template):
    ticket = make_ticket(Status.OPEN, template=template)
    client.force_login(crew["moderator"])
    response = client.post(reverse("fleet:assign", args=[ticket.number]), {"user": crew["lena"].pk})
    assert response.status_code == 302
    assert Ticket.objects.get(pk=ticket.pk).status == Status.ASSIGNED
    assert "Lena Wagner ist jetzt zugewiesen." in client.get(response["Location"]).content.decode()
    client.post(reverse("fleet:unassign", args=[ticket.number]), {"user": crew["lena"].pk})
    assert Ticket.objects.get(pk=ticket.pk).status == Status.OPEN


def test_forbidden_fleet_action_is_403_with_a_message(client, crew, template):
    ticket = make_ticket(Status.OPEN, template=template)
    client.force_login(crew["jonas"])
    response = client.post(reverse("fleet:assign", args=[ticket.number]), {"user": crew["jonas"].pk})
    assert response.status_code == 403
    assert "Nur Administratoren und Moderatoren" in response.content.decode()
    assert not ticket.assignments.exists()


def test_bad_staff_id_is_400(client, crew, template):
    ticket = make_ticket(Status.OPEN, template=template)
    client.force_login(crew["admin"])
    for value in ("", "abc", "999999"):
        response = client.post(reverse("fleet:assign", args=[ticket.number]), {"user": value})
        assert response.status_code == 400
    assert not ticket.assignments.exists()


def test_offers_page_accept_and_decline(client, crew, template):
    first = make_ticket(Status.OPEN, template=template, title="Pumpe")
    second = make_ticket(Status.OPEN, template=template, title="Tor")
    services.offers_send(crew["moderator"], first, [crew["mia"]])
    services.offers_send(crew["moderator"], second, [crew["mia"]])
    client.force_login(crew["mia"])
    html = client.get(reverse("fleet:offers")).content.decode()
    assert "Pumpe" in html and "Tor" in html
    assert '<span class="badge"' in html  # the count in the side menu

    offer = TicketOffer.objects.get(ticket=first, user=crew["mia"])
    response = client.post(reverse("fleet:offer-accept", args=[offer.pk]), {"next": "offers"})
    assert response["Location"] == first.get_absolute_url()
    assert Ticket.objects.get(pk=first.pk).status == Status.ASSIGNED
    decline = TicketOffer.objects.get(ticket=second, user=crew["mia"])
    client.post(reverse("fleet:offer-decline", args=[decline.pk]), {"next": "offers"})
    assert TicketOffer.objects.get(pk=decline.pk).status == OfferStatus.DECLINED
    assert "Zurzeit keine offenen Angebote." in client.get(reverse("fleet:offers")).content.decode()


def test_accepting_someone_elses_offer_is_403(client, crew, template):
    ticket = make_ticket(Status.OPEN, template=template)
    services.offers_send(crew["moderator"], ticket, [crew["mia"]])
    offer = TicketOffer.objects.get(ticket=ticket, user=crew["mia"])
    client.force_login(crew["jonas"])
    response = client.post(reverse("fleet:offer-accept", args=[offer.pk]))
    assert response.status_code == 403
    assert Ticket.objects.get(pk=ticket.pk).status == Status.OPEN


def test_accepting_a_taken_offer_says_someone_was_quicker(client, crew, template):
    ticket = make_ticket(Status.OPEN, template=template)
    services.offers_send(crew["moderator"], ticket, [crew["mia"], crew["jonas"]])
    services.offer_accept(crew["jonas"], TicketOffer.objects.get(ticket=ticket, user=crew["jonas"]))
    client.force_login(crew["mia"])
    offer = TicketOffer.objects.get(ticket=ticket, user=crew["mia"])
    response = client.post(reverse("fleet:offer-accept", args=[offer.pk]), {"next": "offers"})
    assert response.status_code == 409
    assert "Jemand anderes war schneller" in response.content.decode()


def test_release_and_forward_from_the_tab(client, crew, template):
    ticket = make_ticket(Status.IN_PROGRESS, template=template, assignees=[crew["mia"]])
    client.force_login(crew["mia"])
    html = _fleet_tab(client, ticket)
    assert "Freigeben" in html and "Weiterleiten" in html
    client.post(reverse("fleet:forward", args=[ticket.number]), {"user": crew["jonas"].pk})
    assert list(ticket.assignments.values_list("user", flat=True)) == [crew["jonas"].pk]
    client.force_login(crew["jonas"])
    client.post(reverse("fleet:release", args=[ticket.number]))
    assert Ticket.objects.get(pk=ticket.pk).status == Status.OPEN


def test_notifications_page_and_badge(client, crew, template):
    ticket = make_ticket(Status.OPEN, template=template, title="Heizung")
    services.assignee_add(crew["moderator"], ticket, crew["lena"])
    client.force_login(crew["lena"])
    html = client.get(reverse("fleet:notifications")).content.decode()
    assert "hat Sie Ticket" in html and "Heizung" in html
    client.post(reverse("fleet:notifications"))
    assert not Notification.objects.filter(user=crew["lena"], read_at__isnull=True).exists()


def test_fleet_tab_costs_constant_queries(client, crew, template, django_assert_max_num_queries):
    from tests.factories import UserFactory

    ticket = make_ticket(Status.ASSIGNED, template=template, assignees=[crew["mia"]])
    client.force_login(crew["moderator"])
    _fleet_tab(client, ticket)
    with django_assert_max_num_queries(60) as few:
        _fleet_tab(client, ticket)
    for _ in range(20):
        UserFactory()
    with django_assert_max_num_queries(len(few.captured_queries)):
        _fleet_tab(client, ticket)


@pytest.mark.parametrize("steerer", ["moderator", "admin"])
def test_moderators_and_administrators_forward_on_behalf_of_an_assignee_from_the_tab(client, crew, template, steerer):
    ticket = make_ticket(Status.IN_PROGRESS, template=template, assignees=[crew["mia"]])
    client.force_login(crew[steerer])
    html = _fleet_tab(client, ticket)
    # Mia's row offers forwarding her place: the form names her as the one whose place moves.
    assert f'<input type="hidden" name="from_user" value="{crew["mia"].pk}">' in html
    assert f'id="forward-to-{crew["mia"].pk}"' in html
    assert "Weiterleiten: Mia Schneider" in html
    response = client.post(
        reverse("fleet:forward", args=[ticket.number]),
        {"user": crew["jonas"].pk, "from_user": crew["mia"].pk, "reason": "Urlaub"},
    )
    assert response.status_code == 302
    assert list(ticket.assignments.values_list("user", flat=True)) == [crew["jonas"].pk]
    assert "Ticket an Jonas Fischer weitergeleitet." in client.get(response["Location"]).content.decode()


def test_a_mitarbeiter_sees_no_forward_on_a_colleagues_row_and_is_refused(client, crew, template):
    ticket = make_ticket(Status.IN_PROGRESS, template=template, assignees=[crew["mia"]])
    client.force_login(crew["jonas"])
    html = _fleet_tab(client, ticket)
    assert 'name="from_user"' not in html and "forward-form" not in html
    response = client.post(
        reverse("fleet:forward", args=[ticket.number]), {"user": crew["lena"].pk, "from_user": crew["mia"].pk},
    )
    assert response.status_code == 403
    assert list(ticket.assignments.values_list("user", flat=True)) == [crew["mia"].pk]


def test_forwarding_for_someone_who_is_not_assigned_is_400_and_changes_nothing(client, crew, template):
    ticket = make_ticket(Status.IN_PROGRESS, template=template, assignees=[crew["mia"]])
    client.force_login(crew["moderator"])
    for from_user in (crew["lena"].pk, "abc", 999999):
        response = client.post(
            reverse("fleet:forward", args=[ticket.number]), {"user": crew["jonas"].pk, "from_user": from_user},
        )
        assert response.status_code == 400
    assert list(ticket.assignments.values_list("user", flat=True)) == [crew["mia"].pk]
