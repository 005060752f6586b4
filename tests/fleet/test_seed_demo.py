from collections import Counter
from datetime import timedelta

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from config.demo.staff import DEMO_PASSWORD
from fleet.models import User
from fleet.roles import Role

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_admin_moderator_and_three_staff(capsys):
    call_command("seed_demo")
    roles = sorted((u.username, u.role) for u in User.objects.prefetch_related("groups"))
    assert roles == [
        ("admin", Role.ADMINISTRATOR),
        ("mitarbeiter1", Role.STAFF),
        ("mitarbeiter2", Role.STAFF),
        ("mitarbeiter3", Role.STAFF),
        ("moderator", Role.MODERATOR),
    ]
    out = capsys.readouterr().out
    assert DEMO_PASSWORD in out and "mitarbeiter1" in out


def test_seed_demo_twice_changes_nothing():
    call_command("seed_demo")
    before = list(User.objects.order_by("pk").values_list("pk", "username", "password"))
    call_command("seed_demo")
    assert list(User.objects.order_by("pk").values_list("pk", "username", "password")) == before


def test_demo_logins_work_with_the_documented_password():
    call_command("seed_demo")
    for username in ("admin", "moderator", "mitarbeiter1", "mitarbeiter2", "mitarbeiter3"):
        # With the request, as the login page does (django-axes refuses password checks without one).
        request = RequestFactory().post("/login/")
        assert authenticate(request, username=username, password=DEMO_PASSWORD) is not None, username


def test_the_documented_password_is_in_the_readme():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert DEMO_PASSWORD in readme


def test_seed_demo_brings_tickets_in_every_state_with_updates_and_history():
    from tickets.choices import Status, UpdateKind
    from tickets.models import AccessCode, TemplateField, Ticket, TicketHistory, TicketUpdate

    call_command("seed_demo")
    assert set(Ticket.objects.values_list("status", flat=True)) == set(Status.values)
    assert AccessCode.objects.count() == 2
    assert TemplateField.objects.filter(template__name="Störungsmeldung Maschine").count() >= 5
    assert TicketUpdate.objects.filter(kind=UpdateKind.PUBLIC).exists()
    assert TicketUpdate.objects.filter(kind=UpdateKind.INTERNAL).exists()
    assert TicketUpdate.objects.filter(author_code_user__isnull=False).exists()
    for ticket in Ticket.objects.all():
        assert TicketHistory.objects.filter(ticket=ticket).exists()

    counts = (Ticket.objects.count(), TicketUpdate.objects.count(), TicketHistory.objects.count())
    call_command("seed_demo")
    assert (Ticket.objects.count(), TicketUpdate.objects.count(), TicketHistory.objects.count()) == counts


def test_seed_demo_has_offers_in_every_state_assignments_and_seen_markers():
    from fleet.models import Assignment, OfferStatus, SeenMarker, TicketOffer

    call_command("seed_demo")
    assert set(TicketOffer.objects.values_list("status", flat=True)) == set(OfferStatus.values)
    assert Assignment.objects.exists() and SeenMarker.objects.exists()
    counts = (TicketOffer.objects.count(), Assignment.objects.count(), SeenMarker.objects.count())
    call_command("seed_demo")
    assert (TicketOffer.objects.count(), Assignment.objects.count(), SeenMarker.objects.count()) == counts


def test_demo_history_is_spread_over_realistic_days_and_a_second_seed_keeps_it():
    from django.utils import timezone

    from messenger.models import Message
    from tickets.models import Ticket, TicketHistory

    call_command("seed_demo")
    now = timezone.now()
    entries = list(TicketHistory.objects.values_list("created_at", flat=True))
    assert min(entries) < now - timedelta(days=14)
    assert max(entries) <= now
    minutes = Counter(when.replace(second=0, microsecond=0) for when in entries)
    # A step writes a few entries at once (e.g. a status change and its reason); never dozens.
    assert max(minutes.values()) <= 4
    assert len(minutes) >= len(entries) // 3
    # Each ticket's story keeps its order: created first, nothing before it.
    for ticket in Ticket.objects.all():
        first = TicketHistory.objects.filter(ticket=ticket).order_by("created_at").first()
        assert ticket.created_at == first.created_at
        assert all(m.created_at >= ticket.created_at for m in Message.objects.filter(ticket=ticket))
    before = sorted(TicketHistory.objects.values_list("pk", "created_at"))
    call_command("seed_demo")
    assert sorted(TicketHistory.objects.values_list("pk", "created_at")) == before
