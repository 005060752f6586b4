"""Offers: who receives them, accepting and declining, withdrawal, expiry."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from common.errors import ConditionUnmet, InvalidInput, PermissionDenied, WrongState
from fleet import services
from fleet.models import Notification, NotificationKind, OfferStatus, TicketOffer
from fleet.roles import Role
from tests.factories import UserFactory, make_ticket
from tickets import services as ticket_services
from tickets.choices import OfferRecipients, Status
from tickets.models import Ticket, TicketHistory

pytestmark = pytest.mark.django_db


def _submitted(template, django_capture_on_commit_callbacks, creator):
    """A ticket submitted for real: the fleet's subscriber sends the offers after commit."""
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(Status.DRAFT, template=template, creator=creator)
        ticket = ticket_services.ticket_submit(ticket.created_by, ticket)
    return ticket


def _pending(ticket):
    return set(TicketOffer.objects.filter(ticket=ticket, status=OfferStatus.PENDING).values_list("user__username", flat=True))


def test_submitting_sends_offers_to_all_staff(crew, template, django_capture_on_commit_callbacks):
    ticket = _submitted(template, django_capture_on_commit_callbacks, crew["mia"])
    assert _pending(ticket) == {u.username for u in crew.values()}
    offer = TicketOffer.objects.filter(ticket=ticket).first()
    assert abs(offer.expires_at - (offer.created_at + template.offer_validity)) < timedelta(seconds=5)
    assert Notification.objects.filter(kind=NotificationKind.OFFER_RECEIVED, ticket=ticket).count() == 5
    assert TicketHistory.objects.filter(ticket=ticket, field="offers", data__change="sent").exists()


def test_offers_to_a_group(crew, template, django_capture_on_commit_callbacks):
    template.offer_recipients = OfferRecipients.GROUP
    template.offer_group = Group.objects.get(name=Role.MODERATOR.value)
    template.save()
    assert _pending(_submitted(template, django_capture_on_commit_callbacks, crew["mia"])) == {crew["moderator"].username}


def test_offers_to_chosen_members(crew, template, django_capture_on_commit_callbacks):
    template.offer_recipients = OfferRecipients.MEMBERS
    template.save()
    template.offer_members.set([crew["jonas"], crew["lena"]])
    ticket = _submitted(template, django_capture_on_commit_callbacks, crew["mia"])
    assert _pending(ticket) == {crew["jonas"].username, crew["lena"].username}


def test_inactive_staff_and_staff_without_role_get_no_offer(crew, template, django_capture_on_commit_callbacks):
    gone = UserFactory(is_active=False)
    roleless = UserFactory(role=None)
    pending = _pending(_submitted(template, django_capture_on_commit_callbacks, crew["mia"]))
    assert gone.username not in pending and roleless.username not in pending


def test_accepting_makes_an_assignee_and_moves_the_ticket_to_assigned(crew, template, django_capture_on_commit_callbacks):
    ticket = _submitted(template, django_capture_on_commit_callbacks, crew["mia"])
    offer = TicketOffer.objects.get(ticket=ticket, user=crew["jonas"])
    services.offer_accept(crew["jonas"], offer)
    ticket.refresh_from_db()
    assert ticket.status == Status.ASSIGNED
    assert list(ticket.assignments.values_list("user__username", flat=True)) == [crew["jonas"].username]
    assert crew["jonas"].has_perm("tickets.work_ticket", ticket)
    offer.refresh_from_db()
    assert offer.status == OfferStatus.ACCEPTED and offer.answered_at
    # The only place is taken: every other offer is withdrawn and its holder told so.
    assert _pending(ticket) == set()
    assert Notification.objects.filter(kind=NotificationKind.OFFER_WITHDRAWN, ticket=ticket).count() == 4


def test_offers_stay_open_until_every_place_is_taken(crew, template, django_capture_on_commit_callbacks):
    template.assignees_needed = 2
    template.save()
    ticket = _submitted(template, django_capture_on_commit_callbacks, crew["mia"])
    services.offer_accept(crew["mia"], TicketOffer.objects.get(ticket=ticket, user=crew["mia"]))
    assert len(_pending(ticket)) == 4
    services.offer_accept(crew["lena"], TicketOffer.objects.get(ticket=ticket, user=crew["lena"]))
    assert _pending(ticket) == set()
    assert Ticket.objects.get(pk=ticket.pk).status == Status.ASSIGNED


def test_nobody_accepts_someone_elses_offer(crew, template, django_capture_on_commit_callbacks):
    ticket = _submitted(template, django_capture_on_commit_callbacks, crew["mia"])
    offer = TicketOffer.objects.get(ticket=ticket, user=crew["jonas"])
    for actor in (crew["mia"], crew["moderator"], crew["admin"]):
        with pytest.raises(PermissionDenied):
            services.offer_accept(actor, offer)
    assert Ticket.objects.get(pk=ticket.pk).status == Status.OPEN


def test_declining(crew, template, django_capture_on_commit_callbacks):
    ticket = _submitted(template, django_capture_on_commit_callbacks, crew["mia"])
    offer = TicketOffer.objects.get(ticket=ticket, user=crew["lena"])
    services.offer_decline(crew["lena"], offer, reason="Urlaub")
    offer.refresh_from_db()
    assert offer.status == OfferStatus.DECLINED
    with pytest.raises(WrongState):
        services.offer_accept(crew["lena"], offer)
    assert TicketHistory.objects.filter(ticket=ticket, data__change="declined", reason="Urlaub").exists()


def test_accepting_after_expiry_is_refused(crew, template, django_capture_on_commit_callbacks):
    ticket = _submitted(template, django_capture_on_commit_callbacks, crew["mia"])
    offer = TicketOffer.objects.get(ticket=ticket, user=crew["mia"])
    TicketOffer.objects.filter(pk=offer.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(WrongState) as error:
        services.offer_accept(crew["mia"], offer)
    assert "expired" in str(error.value)
    assert Ticket.objects.get(pk=ticket.pk).status == Status.OPEN
    assert not ticket.assignments.exists()
    services.offers_expire()
    assert TicketOffer.objects.get(pk=offer.pk).status == OfferStatus.EXPIRED


def test_expired_offers_are_withdrawn_with_a_controlled_clock(crew, template, django_capture_on_commit_callbacks):
    ticket = _submitted(template, django_capture_on_commit_callbacks, crew["mia"])
    sent = TicketOffer.objects.filter(ticket=ticket).first().created_at
    almost = sent + template.offer_validity - timedelta(seconds=1)
    assert services.offers_expire(now=almost) == 0
    assert len(_pending(ticket)) == 5
    later = sent + template.offer_validity + timedelta(seconds=1)
    assert services.offers_expire(now=later) == 5
    assert _pending(ticket) == set()
    assert Notification.objects.filter(kind=NotificationKind.OFFER_EXPIRED).count() == 5
    assert TicketHistory.objects.filter(ticket=ticket, data__change="expired").count() == 1
    assert services.offers_expire(now=later) == 0  # nothing twice


def test_expiry_runs_as_a_management_command_and_a_task(crew, template, django_capture_on_commit_callbacks, capsys):
    from fleet.tasks import expire_offers

    ticket = _submitted(template, django_capture_on_commit_callbacks, crew["mia"])
    TicketOffer.objects.filter(ticket=ticket, user=crew["mia"]).update(expires_at=timezone.now() - timedelta(seconds=1))
    call_command("expire_offers")
    assert "1 offer(s) expired." in capsys.readouterr().out
    TicketOffer.objects.filter(ticket=ticket, user=crew["lena"]).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert expire_offers.delay().get() == 1


def test_beat_schedules_the_expiry(settings):
    assert settings.CELERY_BEAT_SCHEDULE["expire-offers"]["task"] == "fleet.tasks.expire_offers"


def test_moderator_sends_and_withdraws_offers(crew, template):
    ticket = make_ticket(Status.OPEN, template=template)  # no subscriber ran: no offers yet
    services.offers_send(crew["moderator"], ticket, [crew["mia"]])
    assert _pending(ticket) == {crew["mia"].username}
    with pytest.raises(InvalidInput):
        services.offers_send(crew["moderator"], ticket, [crew["mia"]])  # already has one
    offer = TicketOffer.objects.get(ticket=ticket, user=crew["mia"])
    services.offer_withdraw(crew["admin"], offer)
    assert TicketOffer.objects.get(pk=offer.pk).status == OfferStatus.WITHDRAWN
    assert Notification.objects.filter(user=crew["mia"], kind=NotificationKind.OFFER_WITHDRAWN).exists()


def test_staff_cannot_send_or_withdraw_offers(crew, template):
    ticket = make_ticket(Status.OPEN, template=template)
    with pytest.raises(PermissionDenied):
        services.offers_send(crew["mia"], ticket, [crew["jonas"]])
    services.offers_send(crew["moderator"], ticket, [crew["jonas"]])
    with pytest.raises(PermissionDenied):
        services.offer_withdraw(crew["mia"], TicketOffer.objects.get(ticket=ticket, user=crew["jonas"]))


def test_no_offers_once_every_place_is_taken_or_the_ticket_is_done(crew, template):
    ticket = make_ticket(Status.ASSIGNED, template=template, assignees=[crew["mia"]])
    with pytest.raises(ConditionUnmet):
        services.offers_send(crew["moderator"], ticket, [crew["jonas"]])
    done = make_ticket(Status.DONE, template=template)
    with pytest.raises(WrongState):
        services.offers_send(crew["moderator"], done, [crew["jonas"]])


def test_release_of_the_last_assignee_sends_offers_again(crew, template, django_capture_on_commit_callbacks):
    ticket = make_ticket(Status.IN_PROGRESS, template=template, assignees=[crew["mia"]])
    with django_capture_on_commit_callbacks(execute=True):
        services.assignee_release(crew["mia"], ticket)
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert crew["mia"].username in _pending(ticket)


@pytest.mark.parametrize("base", ["", "https://service.example.org"])
def test_offer_email_when_the_template_announces_by_email(crew, template, django_capture_on_commit_callbacks, settings, base):
    settings.PUBLIC_BASE_URL = base
    template.announce_by_email = True
    template.save()
    crew["lena"].preferred_language = "de"
    crew["lena"].save()
    ticket = _submitted(template, django_capture_on_commit_callbacks, crew["mia"])
    to_lena = [m for m in mail.outbox if m.to == [crew["lena"].email]]
    assert len(to_lena) == 1
    assert "Neues Ticketangebot" in to_lena[0].subject
    assert f"Ihnen wurde Ticket {ticket.number} „{ticket.title}“ angeboten." in to_lena[0].body
    # An absolute link, also when PUBLIC_BASE_URL is not set (the local server's address then).
    link = f"{base or 'http://127.0.0.1:8000'}/tickets/{ticket.number}/"
    assert f"\n{link}\n" in to_lena[0].body
    assert f'href="{link}"' in to_lena[0].alternatives[0][0]
    assert to_lena[0].alternatives and "text/html" in to_lena[0].alternatives[0][1]
    assert len(mail.outbox) == 5


def test_no_offer_email_by_default(crew, template, django_capture_on_commit_callbacks):
    _submitted(template, django_capture_on_commit_callbacks, crew["mia"])
    assert mail.outbox == []
