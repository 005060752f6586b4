"""Demo tickets for a first start: a template with custom fields, two access codes, and tickets
in every state with public and internal updates and history. Idempotent."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from fleet import services as fleet_services
from fleet.models import Assignment, Notification, SeenMarker, TicketOffer, User
from fleet.roles import Role
from messenger.models import Message
from tickets import services
from tickets.choices import FieldType, HistoryAction, OfferRecipients, Status, Visibility
from tickets.models import (
    AccessCode,
    Attachment,
    CodeUser,
    Feedback,
    TemplateField,
    Ticket,
    TicketHistory,
    TicketTemplate,
    TicketUpdate,
    stars_display,
)

TEMPLATE_NAME = "Störungsmeldung Maschine"

FIELDS = [
    ("serial_number", "Seriennummer", FieldType.TEXT, True, []),
    ("operating_hours", "Betriebsstunden", FieldType.NUMBER, False, []),
    ("area", "Bereich", FieldType.CHOICE, True, ["Halle A", "Halle B", "Außengelände"]),
    ("noticed_on", "Bemerkt am", FieldType.DATE, False, []),
    ("machine_stopped", "Maschine steht still", FieldType.CHECKBOX, False, []),
    ("details", "Beobachtungen", FieldType.LONG_TEXT, False, []),
]

CODES = [
    ("Fräsmaschine FM-200", "Halle A, Platz 4", "FM200-1187"),
    ("Kompressor K3", "Halle B, Technikraum", "K3-55102"),
]

# title, status, visibility, code index, custom values, public updates, internal updates
TICKETS = [
    ("Kühlmittelpumpe undicht", Status.DRAFT, Visibility.INTERNAL, 0, {"serial_number": "FM200-1187"}, [], []),
    ("Spindel macht Geräusche", Status.OPEN, Visibility.PUBLIC, 0,
     {"serial_number": "FM200-1187", "area": "Halle A", "operating_hours": 11250},
     ["Meldung aufgenommen, wir melden uns in Kürze."], []),
    ("Druckabfall am Kompressor", Status.ASSIGNED, Visibility.PUBLIC, 1,
     {"serial_number": "K3-55102", "area": "Halle B", "machine_stopped": True},
     ["Ein Techniker ist eingeplant."], ["Ersatzteil-Lager prüfen: Druckschalter DS-4."]),
    ("Not-Aus-Taster defekt", Status.IN_PROGRESS, Visibility.PUBLIC, 0,
     {"serial_number": "FM200-1187", "area": "Halle A", "machine_stopped": True},
     ["Techniker ist vor Ort.", "Taster wird getauscht."], ["Sicherheitsprüfung nach Tausch dokumentieren."]),
    ("Ölwechsel fällig", Status.DONE, Visibility.PUBLIC, 1,
     {"serial_number": "K3-55102", "area": "Halle B", "operating_hours": 4000},
     ["Ölwechsel durchgeführt, bitte bewerten Sie unsere Arbeit."], ["6 l Öl verbraucht."]),
    ("Filter verstopft", Status.CLOSED, Visibility.PUBLIC, 1,
     {"serial_number": "K3-55102", "area": "Außengelände"},
     ["Filter ersetzt. Vielen Dank für Ihre Geduld."], ["Filterwechselintervall verkürzen."]),
    ("Doppelte Meldung Display", Status.CANCELLED, Visibility.INTERNAL, 0,
     {"serial_number": "FM200-1187", "area": "Halle A"}, [], []),
    ("Interne Wartungsplanung Q1", Status.ASSIGNED, Visibility.INTERNAL, None,
     {"serial_number": "-", "area": "Halle A"}, [], ["Wartungsfenster mit Produktion abstimmen."]),
]


def seed_template() -> TicketTemplate:
    template, created = TicketTemplate.objects.get_or_create(
        name=TEMPLATE_NAME,
        defaults={
            "description": "Störung oder Defekt an einer Maschine melden.",
            "default_visibility": Visibility.PUBLIC,
            "offer_recipients": OfferRecipients.GROUP,
            "offer_group": Group.objects.get(name=Role.STAFF.value),
            "assignees_needed": 1,
            "offer_validity": timedelta(hours=8),
        },
    )
    for position, (key, label, field_type, required, choices) in enumerate(FIELDS):
        TemplateField.objects.get_or_create(
            template=template,
            key=key,
            defaults={"label": label, "field_type": field_type, "required": required, "choices": choices, "position": position},
        )
    TicketTemplate.objects.get_or_create(
        name="Allgemeine Anfrage",
        defaults={"description": "Fragen und Wünsche ohne Störung.", "asks_feedback": False},
    )
    return template


@transaction.atomic
def seed_tickets() -> None:
    admin = User.objects.get(username="admin")
    moderator = User.objects.get(username="moderator")
    staff = list(User.objects.filter(username__startswith="mitarbeiter").order_by("username"))
    template = seed_template()
    codes = []
    for label, location, serial in CODES:
        code = AccessCode.objects.filter(label=label).first() or services.access_code_create(
            admin, label=label, template=template, location=location, serial_number=serial
        )
        codes.append(code)
    code_users = [
        CodeUser.objects.filter(access_code=code).first()
        or services.code_user_create(code, display_name=name, email=email)
        for code, (name, email) in zip(codes, [("Petra Huber", "p.huber@kunde.example"), ("Karl Meier", "")])
    ]

    for index, (title, status, visibility, code_index, values, public, internal) in enumerate(TICKETS):
        if Ticket.objects.filter(title=title, template=template).exists():
            continue
        creator = staff[index % len(staff)]
        assignee = staff[(index + 1) % len(staff)]
        code = codes[code_index] if code_index is not None else None
        ticket = services.ticket_create(
            creator, template=template, title=title, access_code=code, visibility=visibility, custom_values=values,
            description=f"{title}. Bitte prüfen.",
        )
        if status == Status.DRAFT:
            continue
        ticket = services.ticket_update_fields(creator, ticket, complete_step="fields")
        ticket = services.ticket_update_fields(creator, ticket, complete_step="access")
        if status == Status.CANCELLED:
            services.ticket_cancel(creator, ticket, reason="Doppelt gemeldet.")
            continue
        ticket = services.ticket_submit(creator, ticket)
        if status != Status.OPEN:
            fleet_services.assignee_add(moderator, ticket, assignee)
            for name, target in (("start", Status.IN_PROGRESS), ("finish", Status.DONE), ("close", Status.CLOSED)):
                if Ticket.objects.get(pk=ticket.pk).status == status:
                    break
                services.ticket_transition(assignee, ticket, name)
        # Closed tickets keep their log; only moderators and admins still write on them.
        writer = moderator if status in (Status.OPEN, Status.CLOSED) else assignee
        for text in internal:
            services.update_post(writer, ticket, text=text, internal=True)
        for text in public:
            services.update_post(writer, ticket, text=text)
        if code is not None and visibility == Visibility.PUBLIC and status in (Status.ASSIGNED, Status.IN_PROGRESS):
            services.update_post(code_users[code_index], ticket, text="Danke, wir sind ab 7 Uhr vor Ort erreichbar.")


FEEDBACK_TICKET = "Filter verstopft"
FEEDBACK_STARS = 4
FEEDBACK_TEXT = "Schnell und sauber erledigt, der Kompressor läuft wieder ruhig. Beim nächsten Mal bitte kurz vorher anrufen."


@transaction.atomic
def seed_feedback() -> None:
    """The closed demo ticket "Filter verstopft" carries its customer's rating (idempotent).

    The demo ticket is already Geschlossen, so ``tickets.services.feedback_submit`` (which closes a
    Fertig ticket) does not apply: the row and its history entry are written directly, demo only.
    """
    ticket = (
        Ticket.objects.filter(title=FEEDBACK_TICKET, template__name=TEMPLATE_NAME, status=Status.CLOSED)
        .select_related("access_code")
        .first()
    )
    if ticket is None or Feedback.objects.filter(ticket=ticket).exists():
        return
    code_user = CodeUser.objects.filter(access_code=ticket.access_code_id).order_by("pk").first()
    feedback = Feedback.objects.create(ticket=ticket, code_user=code_user, stars=FEEDBACK_STARS, text=FEEDBACK_TEXT)
    services.history_record(
        ticket, code_user, HistoryAction.FEEDBACK, field="feedback", new=stars_display(FEEDBACK_STARS),
        data={"feedback_id": feedback.pk, "stars": FEEDBACK_STARS, "text": FEEDBACK_TEXT},
    )


# How long ago each demo ticket began (days) and at which local time; the rest of its story
# (history, updates, messages, offers, seen markers, feedback) follows at realistic intervals.
STARTED_DAYS_AGO = {
    "Kühlmittelpumpe undicht": 0,
    "Spindel macht Geräusche": 1,
    "Förderband stoppt sporadisch": 2,
    "Druckabfall am Kompressor": 3,
    "Not-Aus-Taster defekt": 5,
    "Interne Wartungsplanung Q1": 6,
    "Ölwechsel fällig": 9,
    "Doppelte Meldung Display": 12,
    "Filter verstopft": 19,
}
# Minutes between one step of a ticket's story and the next (cycled).
STEP_MINUTES = [4, 38, 95, 22, 180, 47, 310, 66, 125, 15]


def spread_over_days(now=None) -> int:
    """Give the freshly seeded demo tickets a past: their steps spread over the last weeks.

    Seeding runs in a second, so every entry would carry the same minute. Demo only: rows are
    moved with ``QuerySet.update`` (the append-only models refuse ``save``). Tickets seeded
    earlier (older than an hour) are left alone, so running the seed again changes nothing.
    Returns the number of tickets moved.
    """
    now = now or timezone.now()
    local = ZoneInfo(settings.TIME_ZONE)
    fresh = Ticket.objects.filter(title__in=STARTED_DAYS_AGO, created_at__gte=now - timedelta(hours=1)).order_by("pk")
    moved = 0
    for ticket in fresh:
        days = STARTED_DAYS_AGO[ticket.title]
        day = (now - timedelta(days=days)).astimezone(local)
        start = day.replace(hour=7, minute=50, second=0, microsecond=0)
        if days == 0:
            start = now - timedelta(hours=2)
        # Every row of the ticket's story, in the order it happened. History entries and chat
        # messages written by people are the steps; everything else (updates, system messages,
        # offers, notifications …) belongs to the step it was written with.
        rows = []
        for model, field, is_step in (
            (TicketHistory, "created_at", True), (SeenMarker, "first_seen_at", True),
            (TicketUpdate, "created_at", False), (Message, "created_at", None),
            (TicketOffer, "created_at", False), (Assignment, "created_at", False),
            (Feedback, "created_at", False), (Notification, "created_at", False),
        ):
            values = model.objects.filter(ticket=ticket)
            if model is Message:
                for pk, when, kind in values.values_list("pk", field, "kind"):
                    rows.append((when, model, pk, field, kind != "system"))
                continue
            for pk, when in values.values_list("pk", field):
                rows.append((when, model, pk, field, is_step))
        rows.sort(key=lambda row: (row[0], row[1].__name__, row[2]))
        moments, when, steps = {}, start, 0
        for original, _model, _pk, _field, is_step in rows:
            if is_step:
                if steps:
                    when = when + timedelta(minutes=STEP_MINUTES[steps % len(STEP_MINUTES)])
                steps += 1
            moments[original] = min(when, now - timedelta(minutes=1))
        # Answers to offers keep their distance from the offer (a decline two hours later stays that).
        answers = {
            pk: (created, answered)
            for pk, created, answered in TicketOffer.objects.filter(ticket=ticket, answered_at__isnull=False)
            .values_list("pk", "created_at", "answered_at")
        }
        for original, model, pk, field, _is_step in rows:
            model.objects.filter(pk=pk).update(**{field: moments[original]})
        for pk, (created, answered) in answers.items():
            later = max(answered - created, timedelta(minutes=STEP_MINUTES[pk % len(STEP_MINUTES)]))
            TicketOffer.objects.filter(pk=pk).update(answered_at=min(moments[created] + later, now))
        for update_id, when in TicketUpdate.objects.filter(ticket=ticket).values_list("pk", "created_at"):
            Attachment.objects.filter(update_id=update_id).update(created_at=when)
        first = min(moments.values(), default=start)
        last = max(moments.values(), default=start)
        last_status = (
            TicketHistory.objects.filter(ticket=ticket, field="status")
            .order_by("-created_at").values_list("created_at", flat=True).first()
        )
        Ticket.objects.filter(pk=ticket.pk).update(created_at=first, updated_at=last, status_changed_at=last_status)
        moved += 1
    return moved
