"""Release and close rights (the ticket bot: "Administratoren können ein Ticket jederzeit
freigeben oder schließen. Supporter können das nur, wenn sie auch der Bearbeiter des Tickets
sind."), and the status bar offering exactly that, Zugewiesen included."""

import pytest
from django.urls import reverse
from django.utils import translation

from common.errors import InvalidInput, PermissionDenied, StaleState, WrongState
from fleet import selectors, services
from fleet.models import Assignment, Notification, NotificationKind, OfferStatus, TicketOffer
from messenger.models import Message, MessageKind
from messenger.services import render_system_text
from tests.factories import AccessCodeFactory, TicketTemplateFactory, make_ticket
from tickets import pages
from tickets import services as ticket_services
from tickets.choices import HistoryAction, Status, Visibility
from tickets.models import Ticket, TicketHistory

pytestmark = pytest.mark.django_db


def _reachable(user, ticket) -> dict[str, bool]:
    return {step.value: step.reachable for step in pages.status_steps(user, ticket)}


def test_an_administrator_releases_the_whole_ticket_and_offers_go_out_again(
    crew, django_capture_on_commit_callbacks
):
    template = TicketTemplateFactory(assignees_needed=2)
    ticket = make_ticket(Status.IN_PROGRESS, template=template, assignees=[crew["mia"], crew["jonas"]])
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_release(crew["admin"], ticket, reason="Falsch eingeplant")
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert not Assignment.objects.filter(ticket=ticket).exists()
    assert not crew["mia"].has_perm("tickets.work_ticket", ticket)
    removed = TicketHistory.objects.filter(ticket=ticket, action=HistoryAction.ASSIGNMENT, data__change="removed")
    assert sorted(removed.values_list("old_value", flat=True)) == ["Jonas Fischer", "Mia Schneider"]
    assert set(removed.values_list("reason", flat=True)) == {"Falsch eingeplant"}
    back = TicketHistory.objects.filter(ticket=ticket, action=HistoryAction.TRANSITION).latest("pk")
    assert (back.old_value, back.new_value, back.reason) == (Status.IN_PROGRESS, Status.OPEN, "Falsch eingeplant")
    for name in ("mia", "jonas"):
        assert Notification.objects.filter(user=crew[name], ticket=ticket, kind=NotificationKind.UNASSIGNED).count() == 1
    # Offen again: the template's offers went out again, to everyone (the former assignees too).
    offered = set(TicketOffer.objects.filter(ticket=ticket, status=OfferStatus.PENDING).values_list("user_id", flat=True))
    assert {crew["mia"].pk, crew["jonas"].pk, crew["lena"].pk} <= offered


def test_only_administrators_release_a_whole_ticket(crew, template):
    ticket = make_ticket(Status.ASSIGNED, template=template, assignees=[crew["mia"]])
    for name in ("moderator", "mia", "jonas"):
        with pytest.raises(PermissionDenied, match="Only administrators release a whole ticket"):
            services.ticket_release(crew[name], ticket)
    with pytest.raises(WrongState, match="can be released"):
        services.ticket_release(crew["admin"], make_ticket(Status.OPEN, template=template))
    ticket.refresh_from_db()
    assert ticket.status == Status.ASSIGNED
    assert [a.user for a in Assignment.objects.filter(ticket=ticket)] == [crew["mia"]]


@pytest.mark.parametrize("status", [Status.ASSIGNED, Status.IN_PROGRESS])
def test_an_assignee_closes_their_own_ticket_early_with_a_reason(crew, template, status):
    ticket = make_ticket(status, template=template, assignees=[crew["mia"]])
    with pytest.raises(InvalidInput, match="needs a reason") as refused:
        ticket_services.ticket_close(crew["mia"], ticket)
    assert refused.value.errors == {"reason": ["required"]}
    with pytest.raises(PermissionDenied):
        ticket_services.ticket_close(crew["jonas"], ticket, reason="Nicht meins")
    ticket.refresh_from_db()
    assert ticket.status == status
    closed = ticket_services.ticket_close(crew["mia"], ticket, reason="Kunde hat selbst repariert")
    assert closed.status == Status.CLOSED
    entry = TicketHistory.objects.filter(ticket=ticket, action=HistoryAction.TRANSITION).latest("pk")
    assert (entry.actor, entry.old_value, entry.reason) == (crew["mia"], status, "Kunde hat selbst repariert")


def test_moderators_close_early_like_assignees_and_only_administrators_close_offen_tickets(crew, template):
    working = make_ticket(Status.IN_PROGRESS, template=template, assignees=[crew["mia"]])
    assert ticket_services.ticket_close(crew["moderator"], working, reason="Erledigt vor Ort").status == Status.CLOSED
    waiting = make_ticket(Status.OPEN, template=template)
    with pytest.raises(PermissionDenied):
        ticket_services.ticket_close(crew["moderator"], waiting, reason="Doppelt")
    assert ticket_services.ticket_close(crew["admin"], waiting, reason="Doppelt").status == Status.CLOSED


def test_the_customer_reads_why_a_public_ticket_was_closed(crew, django_capture_on_commit_callbacks):
    code = AccessCodeFactory(template=TicketTemplateFactory())
    ticket = make_ticket(Status.IN_PROGRESS, access_code=code, assignees=[crew["mia"]])
    with django_capture_on_commit_callbacks(execute=True):
        ticket_services.ticket_close(crew["mia"], ticket, reason="Gerät wird ausgetauscht")
    last = Message.objects.filter(ticket=ticket, kind=MessageKind.SYSTEM).latest("id")
    with translation.override("de"):
        assert render_system_text(last) == "Status geändert: In Bearbeitung → Geschlossen. Grund: Gerät wird ausgetauscht"


def test_the_status_bar_offers_exactly_what_the_rules_allow(crew, template):
    waiting = make_ticket(Status.OPEN, template=template)
    assert _reachable(crew["moderator"], waiting)[Status.ASSIGNED] is True
    assert _reachable(crew["admin"], waiting)[Status.ASSIGNED] is True
    assert _reachable(crew["mia"], waiting)[Status.ASSIGNED] is False
    working = make_ticket(Status.IN_PROGRESS, template=template, assignees=[crew["mia"]])
    assert _reachable(crew["admin"], working) == {
        Status.DRAFT: False, Status.OPEN: True, Status.ASSIGNED: False, Status.IN_PROGRESS: False,
        Status.DONE: True, Status.CLOSED: True, Status.CANCELLED: True,
    }
    assert _reachable(crew["mia"], working)[Status.OPEN] is True  # the last assignee releases their place
    assert _reachable(crew["moderator"], working)[Status.OPEN] is False
    assert _reachable(crew["jonas"], working) == {state: False for state in _reachable(crew["jonas"], working)}
    two = make_ticket(Status.ASSIGNED, template=TicketTemplateFactory(assignees_needed=2), assignees=[crew["mia"], crew["jonas"]])
    assert _reachable(crew["mia"], two)[Status.OPEN] is False  # Jonas still works on it
    reasons = {step.value: step.reason for step in pages.status_steps(crew["moderator"], working)}
    assert reasons[Status.OPEN] == (
        "Only administrators release a whole ticket; an assignee releases their own place in the Flottenmanagement tab."
    )


def test_saving_zugewiesen_in_the_status_bar_assigns_the_chosen_member(client, crew, template):
    ticket = make_ticket(Status.OPEN, template=template)
    client.force_login(crew["moderator"])
    url = reverse("tickets:change-status", args=[ticket.number])
    with translation.override("de"):
        page = client.get(reverse("tickets:detail", args=[ticket.number]), {"edit": "1"}).content.decode()
        assert 'name="assignee"' in page and f'<option value="{crew["lena"].pk}">Lena Wagner</option>' in page
        missing = client.post(url, {"target_status": Status.ASSIGNED, "expected_status": Status.OPEN})
        assert missing.status_code == 400
        assert "Wählen Sie, wer das Ticket bearbeitet." in missing.content.decode()
        assert Ticket.objects.get(pk=ticket.pk).status == Status.OPEN
        response = client.post(
            url, {"target_status": Status.ASSIGNED, "expected_status": Status.OPEN, "assignee": crew["lena"].pk}
        )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.ASSIGNED
    assert [a.user for a in Assignment.objects.filter(ticket=ticket)] == [crew["lena"]]


def test_saving_offen_in_the_status_bar_releases(client, crew, template):
    ticket = make_ticket(Status.IN_PROGRESS, template=template, assignees=[crew["mia"]])
    client.force_login(crew["admin"])
    response = client.post(
        reverse("tickets:change-status", args=[ticket.number]),
        {"target_status": Status.OPEN, "expected_status": Status.IN_PROGRESS, "reason": "Neu planen"},
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN and not Assignment.objects.filter(ticket=ticket).exists()


def test_status_bar_save_is_all_or_nothing(crew, template):
    ticket = make_ticket(Status.OPEN, template=template, visibility=Visibility.INTERNAL)
    with pytest.raises(StaleState):
        services.status_bar_save(crew["moderator"], ticket, target=Status.ASSIGNED, assignee=crew["mia"],
                                 expected_status=Status.ASSIGNED)
    # Assigning works, the visibility is refused (unknown value): the assignment is undone too.
    with pytest.raises(InvalidInput):
        services.status_bar_save(crew["moderator"], ticket, target=Status.ASSIGNED, assignee=crew["mia"],
                                 visibility="geheim", fields={"title": "Neuer Titel"})
    ticket.refresh_from_db()
    assert (ticket.status, ticket.title, ticket.visibility) == (Status.OPEN, "Pumpe 3 verliert Öl", Visibility.INTERNAL)
    assert not Assignment.objects.filter(ticket=ticket).exists()
    assert selectors.fleet_overview(crew["moderator"], ticket).assigned == []
