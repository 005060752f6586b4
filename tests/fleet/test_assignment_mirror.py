""""My tickets" and the unread badge read the assignment table; the rules ask guardian. Both must
say the same after every action of the fleet (issue 23: assignees ⇔ guardian permissions), and an
assignment's ``ticket_finished`` must follow its ticket through every lifecycle step."""

import pytest
from django.utils import timezone

from fleet import services
from fleet.models import Assignment, OfferStatus, TicketOffer
from tests.factories import TicketTemplateFactory, make_ticket
from tickets import services as ticket_services
from tickets.choices import FINAL_STATES, Status
from tickets.models import Ticket, TicketUserObjectPermission

pytestmark = pytest.mark.django_db


def assert_in_step():
    assignments = set(Assignment.objects.values_list("user_id", "ticket_id"))
    for codename in ("work_ticket", "change_ticket"):
        granted = set(
            TicketUserObjectPermission.objects.filter(permission__codename=codename)
            .values_list("user_id", "content_object_id")
        )
        assert granted == assignments, codename
    for assignment in Assignment.objects.select_related("ticket"):
        assert assignment.ticket_finished == (assignment.ticket.status in FINAL_STATES), assignment


def test_every_fleet_action_keeps_assignments_and_permissions_in_step(crew):
    template = TicketTemplateFactory(assignees_needed=2, allows_claiming=True)
    ticket = make_ticket(Status.OPEN, template=template)
    assert_in_step()
    services.ticket_claim(crew["lena"], ticket)
    assert_in_step()
    services.assignee_add(crew["moderator"], ticket, crew["mia"])
    assert_in_step()
    services.assignee_forward(crew["mia"], ticket, crew["jonas"])
    assert_in_step()
    services.assignee_remove(crew["moderator"], ticket, crew["lena"])
    assert_in_step()
    services.assignee_release(crew["jonas"], ticket)
    assert_in_step()
    offer = TicketOffer.objects.filter(ticket=ticket, user=crew["mia"], status=OfferStatus.PENDING).first()
    if offer is None:
        (offer,) = services.offers_send(crew["moderator"], ticket, [crew["mia"]])
    services.offer_accept(crew["mia"], offer)
    assert_in_step()
    services.assignee_add(crew["admin"], ticket, crew["jonas"])
    services.ticket_release(crew["admin"], Ticket.objects.get(pk=ticket.pk), reason="Neu verteilen.")
    assert_in_step()
    assert not Assignment.objects.filter(ticket=ticket).exists()


def test_ticket_finished_follows_the_ticket_through_close_cancel_and_reopen(crew):
    template = TicketTemplateFactory(assignees_needed=2)
    first = make_ticket(Status.IN_PROGRESS, template=template, assignees=[crew["mia"], crew["jonas"]])
    second = make_ticket(Status.ASSIGNED, template=template, assignees=[crew["mia"]])
    ticket_services.ticket_finish(crew["mia"], first)
    assert_in_step()
    ticket_services.ticket_close(crew["mia"], Ticket.objects.get(pk=first.pk))
    assert_in_step()
    ticket_services.ticket_reopen(crew["admin"], Ticket.objects.get(pk=first.pk), reason="Wieder undicht.")
    assert_in_step()
    ticket_services.ticket_close(crew["admin"], Ticket.objects.get(pk=first.pk), reason="Doch erledigt.")
    ticket_services.ticket_cancel(crew["moderator"], second)
    assert_in_step()
    assert set(Assignment.objects.values_list("ticket_finished", flat=True)) == {True}


def test_autoclose_marks_the_assignments_finished(crew, settings):
    ticket = make_ticket(Status.DONE, assignees=[crew["mia"]])
    later = timezone.now() + timezone.timedelta(days=settings.FEEDBACK_AUTOCLOSE_DAYS + 1)
    ticket_services.tickets_autoclose(now=later)
    assert Ticket.objects.get(pk=ticket.pk).status == Status.CLOSED
    assert_in_step()
