import io

import factory
import segno
from django.contrib.auth.models import Group

from fleet.models import User
from fleet.roles import Role

PASSWORD = "correct-horse-battery"


def png_bytes(text: str = "Leitstand") -> bytes:
    """A real, decodable PNG image (segno draws a QR code)."""
    buffer = io.BytesIO()
    segno.make(text).save(buffer, kind="png", scale=4)
    return buffer.getvalue()


class UserFactory(factory.django.DjangoModelFactory):
    """A staff member; `role=` picks the group (Mitarbeiter by default, None for no role)."""

    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"staff{n}")
    first_name = factory.Faker("first_name", locale="de_DE")
    last_name = factory.Faker("last_name", locale="de_DE")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password(PASSWORD)

    @classmethod
    def _create(cls, model_class, *args, role=Role.STAFF, **kwargs):
        user = super()._create(model_class, *args, **kwargs)
        if role is not None:
            user.groups.add(Group.objects.get(name=Role(role).value))
        return user


from tickets import services as ticket_services  # noqa: E402
from tickets.choices import FieldType, Status, Visibility  # noqa: E402
from tickets.models import AccessCode, CodeUser, TemplateField, TicketTemplate  # noqa: E402


class TicketTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TicketTemplate

    name = factory.Sequence(lambda n: f"Vorlage {n}")
    default_visibility = Visibility.INTERNAL


class TemplateFieldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TemplateField

    template = factory.SubFactory(TicketTemplateFactory)
    key = factory.Sequence(lambda n: f"field_{n}")
    label = factory.Sequence(lambda n: f"Feld {n}")
    field_type = FieldType.TEXT


class AccessCodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccessCode

    label = factory.Sequence(lambda n: f"Maschine {n}")
    template = factory.SubFactory(TicketTemplateFactory)


class CodeUserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CodeUser

    access_code = factory.SubFactory(AccessCodeFactory)
    display_name = factory.Faker("name", locale="de_DE")


# The states a ticket passes on its way, and the step that leads into each.
_PATH = {
    Status.OPEN: "submit",
    Status.ASSIGNED: "assign",
    Status.IN_PROGRESS: "start",
    Status.DONE: "finish",
    Status.CLOSED: "close",
}


def make_ticket(
    status=Status.DRAFT,
    *,
    creator=None,
    assignees=None,
    template=None,
    access_code=None,
    visibility=Visibility.PUBLIC,
    code_user=None,
    title="Pumpe 3 verliert Öl",
):
    """A ticket brought into ``status`` through the real services (no shortcut past the rules).

    ``assignees`` defaults to one new staff member once the ticket is past Offen; a moderator
    assigns them and moves the ticket on.
    """
    from fleet import services as fleet_services

    if code_user is not None:
        creator = code_user
        ticket = ticket_services.ticket_create(code_user, template=code_user.access_code.template, title=title)
    else:
        creator = creator or UserFactory()
        template = template or (access_code.template if access_code else TicketTemplateFactory())
        ticket = ticket_services.ticket_create(
            creator, template=template, title=title, access_code=access_code, visibility=visibility
        )
        ticket = ticket_services.ticket_update_fields(creator, ticket, complete_step="fields")
        ticket = ticket_services.ticket_update_fields(creator, ticket, complete_step="access")
    if status == Status.DRAFT:
        return ticket
    if status == Status.CANCELLED:
        return ticket_services.ticket_cancel(creator, ticket)
    ticket = ticket_services.ticket_submit(creator, ticket)
    if status == Status.OPEN:
        return ticket
    moderator = UserFactory(role="Moderator")
    for user in assignees if assignees is not None else [UserFactory()]:
        fleet_services.assignee_add(moderator, ticket, user)
    ticket.refresh_from_db()
    for target in (Status.IN_PROGRESS, Status.DONE, Status.CLOSED):
        if ticket.status == status:
            break
        ticket = ticket_services.ticket_transition(moderator, ticket, _PATH[target])
    assert ticket.status == status
    return ticket


def historical_status(i: int) -> str:
    """The status of the i-th ticket of a desk with a history, for tests that need one in bulk:
    72 % closed, 8 % cancelled, the rest spread over the active states (like a desk's years)."""
    if i % 25 < 18:
        return Status.CLOSED
    if i % 25 < 20:
        return Status.CANCELLED
    return [Status.OPEN, Status.ASSIGNED, Status.IN_PROGRESS, Status.DONE, Status.IN_PROGRESS][i % 25 - 20]
