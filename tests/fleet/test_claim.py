"""Übernehmen (the ticket bot: "Übernimmt ein Supporter ein Ticket …"): a staff member takes an
Offen ticket without an offer when its template allows it; the customer reads who took it."""

import threading

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import translation

from common.errors import ConditionUnmet, DomainError, InvalidInput, PermissionDenied, WrongState
from fleet import selectors, services
from fleet.models import Assignment, OfferStatus, TicketOffer
from messenger.models import Message, MessageKind
from messenger.services import render_system_text
from tests.factories import AccessCodeFactory, TicketTemplateFactory, make_ticket
from tickets.choices import HistoryAction, OfferRecipients, Status
from tickets.models import Ticket, TicketHistory


def _conversation(ticket) -> list[str]:
    with translation.override("de"):
        return [
            render_system_text(m) for m in Message.objects.filter(ticket=ticket, kind=MessageKind.SYSTEM).order_by("id")
        ]


@pytest.fixture
def public_ticket(crew, django_capture_on_commit_callbacks):
    """An Offen public ticket on an access code; offers went to all staff (the template's default)."""
    code = AccessCodeFactory(template=TicketTemplateFactory(assignees_needed=1))
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(Status.OPEN, access_code=code)
    return ticket


@pytest.mark.django_db
def test_a_mitarbeiter_takes_an_open_ticket_like_an_accepted_offer(crew, public_ticket, django_capture_on_commit_callbacks):
    ticket = public_ticket
    assert TicketOffer.objects.filter(ticket=ticket, status=OfferStatus.PENDING).count() >= 3
    TicketOffer.objects.filter(ticket=ticket, user=crew["mia"]).delete()  # Mia takes it without an offer
    with django_capture_on_commit_callbacks(execute=True):
        assignment = services.ticket_claim(crew["mia"], ticket)
    ticket.refresh_from_db()
    assert (ticket.status, assignment.user) == (Status.ASSIGNED, crew["mia"])
    assert [a.user for a in Assignment.objects.filter(ticket=ticket)] == [crew["mia"]]
    # The only place is taken: every other open offer is withdrawn.
    assert not TicketOffer.objects.filter(ticket=ticket, status=OfferStatus.PENDING).exists()
    entry = TicketHistory.objects.filter(ticket=ticket, action=HistoryAction.ASSIGNMENT).get()
    assert (entry.actor, entry.new_value, entry.data) == (
        crew["mia"], "Mia Schneider", {"user_id": crew["mia"].pk, "change": "added", "how": "claim"},
    )
    assert _conversation(ticket)[-2:] == [
        "Mia Schneider hat das Ticket übernommen.",
        "Status geändert: Offen → Zugewiesen",
    ]


@pytest.mark.django_db
def test_an_open_offer_of_the_claimer_counts_as_accepted(crew, public_ticket):
    services.ticket_claim(crew["jonas"], public_ticket)
    assert TicketOffer.objects.get(ticket=public_ticket, user=crew["jonas"]).status == OfferStatus.ACCEPTED


@pytest.mark.django_db
def test_taking_is_refused_where_the_rules_say_so(crew, template):
    offers_only = TicketTemplateFactory(offer_recipients=OfferRecipients.MEMBERS, allows_claiming=False)
    ticket = make_ticket(Status.OPEN, template=offers_only)
    with pytest.raises(PermissionDenied, match="assigned by offers only"):
        services.ticket_claim(crew["mia"], ticket)
    draft = make_ticket(Status.DRAFT, template=template, creator=crew["mia"])
    with pytest.raises(WrongState, match="Only an Offen ticket can be taken"):
        services.ticket_claim(crew["mia"], draft)
    taken = make_ticket(Status.IN_PROGRESS, template=template, assignees=[crew["jonas"]])
    with pytest.raises(ConditionUnmet, match="Someone else was quicker"):
        services.ticket_claim(crew["mia"], taken)
    # Two places, one taken: it is Zugewiesen now, so a second one joins by offer or assignment.
    pair = make_ticket(Status.OPEN, template=TicketTemplateFactory(assignees_needed=2))
    services.ticket_claim(crew["jonas"], pair)
    with pytest.raises(WrongState, match="Only an Offen ticket can be taken; this one is Assigned"):
        services.ticket_claim(crew["mia"], pair)
    open_ticket = make_ticket(Status.OPEN, template=template)
    services.ticket_claim(crew["lena"], open_ticket)
    with pytest.raises(InvalidInput, match="already assigned"):
        services.ticket_claim(crew["lena"], open_ticket)
    for refused in (ticket, draft):
        refused.refresh_from_db()
        assert not Assignment.objects.filter(ticket=refused).exists()
    assert ticket.status == Status.OPEN


@pytest.mark.django_db
def test_new_templates_allow_taking_when_offers_go_to_everyone(crew):
    from tickets import services as ticket_services

    everyone = ticket_services.template_create(crew["admin"], name="Alle", offer_recipients=OfferRecipients.ALL_STAFF)
    members = ticket_services.template_create(
        crew["admin"], name="Gezielt", offer_recipients=OfferRecipients.MEMBERS, offer_members=[crew["mia"]]
    )
    assert (everyone.allows_claiming, members.allows_claiming) == (True, False)


@pytest.mark.django_db
def test_the_fleet_tab_offers_the_button_exactly_when_taking_is_allowed(client, crew, template):
    ticket = make_ticket(Status.OPEN, template=template)
    assert selectors.fleet_overview(crew["mia"], ticket).can_claim is True
    client.force_login(crew["mia"])
    with translation.override("de"):
        html = client.get(reverse("tickets:tab", args=[ticket.number, "fleet"])).content.decode()
        assert reverse("fleet:claim", args=[ticket.number]) in html and ">Übernehmen</button>" in html
        response = client.post(reverse("fleet:claim", args=[ticket.number]))
        assert response.status_code == 302
        page = client.get(response["Location"]).content.decode()
    assert "Sie haben das Ticket übernommen" in page
    assert ">Übernehmen</button>" not in page
    assert selectors.fleet_overview(crew["jonas"], Ticket.objects.get(pk=ticket.pk)).can_claim is False
    # Too late: a 409 with the reason, nothing changed.
    client.force_login(crew["jonas"])
    with translation.override("de"):
        response = client.post(reverse("fleet:claim", args=[ticket.number]))
    assert response.status_code == 409
    assert "Jemand anderes war schneller" in response.content.decode()
    assert [a.user for a in Assignment.objects.filter(ticket=ticket)] == [crew["mia"]]


@pytest.mark.django_db
def test_release_and_forward_are_announced_with_names(crew, public_ticket, django_capture_on_commit_callbacks):
    ticket = public_ticket
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_claim(crew["mia"], ticket)
    with django_capture_on_commit_callbacks(execute=True):
        services.assignee_forward(crew["mia"], ticket, crew["jonas"])
    with django_capture_on_commit_callbacks(execute=True):
        services.assignee_release(crew["jonas"], ticket, reason="Urlaub")
    assert _conversation(ticket)[-5:] == [
        "Mia Schneider hat das Ticket übernommen.",
        "Status geändert: Offen → Zugewiesen",
        "Mia Schneider hat das Ticket an Jonas Fischer weitergeleitet.",
        "Jonas Fischer hat das Ticket freigegeben.",
        "Status geändert: Zugewiesen → Offen. Grund: Urlaub",
    ]


@pytest.mark.django_db(transaction=True)
def test_two_taking_the_ticket_at_once_exactly_one_wins(crew, template):
    ticket = make_ticket(Status.OPEN, template=template)
    barrier = threading.Barrier(2)
    results = {}

    def claim(user):
        try:
            barrier.wait(timeout=10)
            results[user.username] = services.ticket_claim(user, ticket.pk)
        except Exception as error:  # noqa: BLE001 - inspected below
            results[user.username] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(crew[name],)) for name in ("mia", "jonas")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(t.is_alive() for t in threads)
    winners = [r for r in results.values() if isinstance(r, Assignment)]
    losers = [r for r in results.values() if isinstance(r, DomainError)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert losers[0].code == "condition_unmet"
    ticket.refresh_from_db()
    assert ticket.status == Status.ASSIGNED
    assert list(Assignment.objects.filter(ticket=ticket).values_list("user_id", flat=True)) == [winners[0].user_id]
