"""Demo video sessions (idempotent): on the public ticket in progress, a call that took place (with
its record), one the customer asked for, and one planned for tomorrow."""

from datetime import timedelta

from django.utils import timezone

from fleet.models import User
from tickets.choices import Status, Visibility
from tickets.models import CodeUser, Ticket
from videosessions import services
from videosessions.models import VideoSession

DEMO_TICKET = "Not-Aus-Taster defekt"


def seed_video_sessions() -> None:
    ticket = Ticket.objects.filter(title=DEMO_TICKET, status=Status.IN_PROGRESS, visibility=Visibility.PUBLIC).first()
    if ticket is None or VideoSession.objects.filter(ticket=ticket).exists():
        return
    staff = ticket_assignee(ticket)
    customer = CodeUser.objects.filter(access_code_id=ticket.access_code_id).order_by("pk").first()
    now = timezone.now()
    started = now - timedelta(hours=3)
    done = services.session_create(staff, ticket, title="Not-Aus-Taster gemeinsam ansehen", visibility=Visibility.PUBLIC,
                                   planned_at=started, now=started - timedelta(minutes=10))
    stays = [services.session_join(staff, done, channel="demo-1", now=started)]
    if customer is not None:
        stays.append(services.session_join(customer, done, channel="demo-2", now=started + timedelta(minutes=1)))
    for minutes, stay in zip((24, 23), stays):
        services.session_leave(stay.pk, now=started + timedelta(minutes=minutes))
    services.session_transition(staff, done, "end", now=started + timedelta(minutes=24))
    if customer is not None:
        services.session_request(customer, ticket, note="Gern morgen ab 7 Uhr, dann ist die Schicht da.")
    services.session_create(staff, ticket, title="Sicherheitsprüfung nach dem Tausch", visibility=Visibility.PUBLIC,
                            planned_at=now + timedelta(days=1))


def ticket_assignee(ticket) -> User:
    user = User.objects.filter(username__startswith="mitarbeiter").order_by("username")
    return next((u for u in user if u.has_perm("tickets.work_ticket", ticket)), User.objects.get(username="moderator"))
