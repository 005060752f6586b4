"""Demo staff for a first start. Passwords are documented in the README; never use in production."""

from datetime import timedelta

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from fleet import services
from fleet.models import OfferStatus, SeenMarker, TicketOffer, User
from fleet.roles import Role
from tickets import services as ticket_services
from tickets.choices import Status
from tickets.models import Ticket, TicketTemplate

DEMO_PASSWORD = "leitstand-demo"

DEMO_STAFF = [
    # username, first name, last name, role, e-mail
    ("admin", "Anna", "Adler", Role.ADMINISTRATOR),
    ("moderator", "Moritz", "Berger", Role.MODERATOR),
    ("mitarbeiter1", "Mia", "Schneider", Role.STAFF),
    ("mitarbeiter2", "Jonas", "Fischer", Role.STAFF),
    ("mitarbeiter3", "Lena", "Wagner", Role.STAFF),
]


@transaction.atomic
def seed_staff() -> dict[str, User]:
    """Create (or refresh) the demo staff; idempotent."""
    users = {}
    for username, first_name, last_name, role in DEMO_STAFF:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first_name,
                "last_name": last_name,
                "email": f"{username}@leitstand.example",
                # The demo administrator is also a superuser: the Django admin stays for superusers.
                "is_staff": role == Role.ADMINISTRATOR,
                "is_superuser": role == Role.ADMINISTRATOR,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        user.groups.add(Group.objects.get(name=role.value))
        users[username] = user
    return users


def seed_fleet() -> None:
    """Offers in every state, assignments and seen markers on the demo tickets; idempotent."""
    if TicketOffer.objects.filter(status__in=[OfferStatus.DECLINED, OfferStatus.EXPIRED]).exists():
        return
    staff = {u.username: u for u in User.objects.filter(username__in=[s[0] for s in DEMO_STAFF])}
    template = TicketTemplate.objects.get(name="Störungsmeldung Maschine")

    # Offen: offers to all Mitarbeiter; one declined, one expired, the rest pending.
    open_ticket = Ticket.objects.get(title="Spindel macht Geräusche")
    if not TicketOffer.objects.filter(ticket=open_ticket).exists():
        services.offers_send(None, open_ticket)
    services.offer_decline(staff["mitarbeiter3"], TicketOffer.objects.get(ticket=open_ticket, user=staff["mitarbeiter3"], status=OfferStatus.PENDING), reason="Heute im Außeneinsatz.")
    services.offers_send(staff["moderator"], open_ticket, [staff["admin"]])
    TicketOffer.objects.filter(ticket=open_ticket, user=staff["admin"]).update(expires_at=timezone.now() - timedelta(minutes=5))
    services.offers_expire()

    # Accepted through an offer: the place is taken, the other offers are withdrawn.
    with transaction.atomic():
        ticket = ticket_services.ticket_create(
            staff["mitarbeiter2"], template=template, title="Förderband stoppt sporadisch",
            description="Band 2 bleibt alle paar Minuten stehen.",
            custom_values={"serial_number": "FB2-3300", "area": "Halle B"},
        )
        for step in ("fields", "access"):
            ticket = ticket_services.ticket_update_fields(staff["mitarbeiter2"], ticket, complete_step=step)
        ticket = ticket_services.ticket_submit(staff["mitarbeiter2"], ticket)
    if not TicketOffer.objects.filter(ticket=ticket, status=OfferStatus.PENDING).exists():
        services.offers_send(None, ticket)
    services.offer_accept(staff["mitarbeiter1"], TicketOffer.objects.get(ticket=ticket, user=staff["mitarbeiter1"], status=OfferStatus.PENDING))

    # Seen markers: the assignees opened their tickets, the moderator looked at everything active.
    for assignment in ticket.assignments.model.objects.select_related("ticket", "user"):
        SeenMarker.objects.get_or_create(ticket=assignment.ticket, user=assignment.user)
    for active in Ticket.objects.exclude(status__in=[Status.DRAFT, Status.CLOSED, Status.CANCELLED]):
        SeenMarker.objects.get_or_create(ticket=active, user=staff["moderator"])
