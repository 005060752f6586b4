"""The worlds of the page and socket matrices (issue 24): one crew, two access codes, the code users
of the issue's list and, per ticket variant (visibility × state), the ticket in question with
everything a row acts on. Built once per module through the real services and the portal's own
sign-in functions, never by writing rows past the rules (except where a row asks about a state no
service reaches, said so where it happens).

Actors, the columns of every row, in this order:

    anonymous   no session
    code_a      a code user of code A (the ticket's code) who takes part in the ticket
    code_b      a code user of code B (another code)
    code_link   a code user of code A who came through the personal link of another ticket of code A
                (their own; the link signs them in on this device, as ``portal.views.personal_link``)
    code_off    code_a's session after staff switched code A off (``is_active=False``, set in the case)
    staff       a Mitarbeiter who is not assigned
    assignee    a Mitarbeiter assigned to the ticket (from Zugewiesen on)
    moderator   a Moderator
    admin       an Administrator
"""

from __future__ import annotations

import itertools
from datetime import timedelta
from functools import cached_property

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from api import services as api_services
from api.models import TokenScope
from fleet import services as fleet_services
from fleet import staff_services
from fleet.models import TicketOffer
from fleet.roles import Role
from portal.sessions import personal_link_token, sign_in_code_user, unsubscribe_token
from tests.factories import (
    AccessCodeFactory,
    TemplateFieldFactory,
    TicketTemplateFactory,
    UserFactory,
    make_ticket,
    png_bytes,
)
from tickets import services as ticket_services
from tickets.choices import Status, Visibility
from tickets.models import (
    AccessCode,
    Attachment,
    TemplateField,
    Ticket,
    TicketParticipant,
    TicketTemplate,
)
from videosessions.models import SessionState, Snapshot, VideoSession
from webhooks import services as webhook_services
from webhooks.models import Delivery, DeliveryState, Endpoint

ACTORS = ("anonymous", "code_a", "code_b", "code_link", "code_off", "staff", "assignee", "moderator", "admin")
CODE_ACTORS = ("code_a", "code_b", "code_link", "code_off")
STAFF_ACTORS = ("staff", "assignee", "moderator", "admin")
STATES = ("draft", "open", "assigned", "in_progress", "done", "closed", "cancelled")
VISIBILITIES = ("public", "internal")
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]
WEBHOOK_SETTINGS = {"WEBHOOK_ALLOW_PRIVATE_NETWORKS": True, "WEBHOOK_SEND_IN_PROCESS": False}

_NUMBERS = itertools.count(1)  # names that must be unique across the module's worlds


def staff_session(user) -> str:
    """A logged-in staff session, as ``django.contrib.auth.login`` stores it."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return session.session_key


def code_session(code_user, *, link_version: int | None = None) -> str:
    """A code user's session, signed in by the portal's own function (the identity form's path)."""
    session = SessionStore()
    sign_in_code_user(session, code_user, link_version=link_version)
    session.save()
    return session.session_key


class World:
    """The crew, the codes and their code users, and, for a ticket variant, the ticket in question
    (on code A, made by another staff member; from Zugewiesen on the assignee works on it) with an
    attachment, a running video session with a snapshot, and the code user A taking part."""

    def __init__(self, state: str | None = None, visibility: str | None = None):
        self.state, self.visibility = state, visibility
        self.users = {
            "staff": UserFactory(first_name="Jonas", last_name="Fischer"),
            "assignee": UserFactory(first_name="Mia", last_name="Schneider"),
            "moderator": UserFactory(role=Role.MODERATOR, first_name="Moritz", last_name="Berger"),
            "admin": UserFactory(role=Role.ADMINISTRATOR, first_name="Anna", last_name="Adler"),
        }
        self.creator = UserFactory(first_name="Erika", last_name="Ersteller")
        self.template = TicketTemplateFactory(
            name=f"Matrix-Vorlage {next(_NUMBERS)}", assignees_needed=2, allows_claiming=True, asks_feedback=True,
        )
        self.code_a = AccessCodeFactory(template=self.template, label="Presse 7")
        self.code_b = AccessCodeFactory(template=self.template, label="Kran 2")
        self.code_users = {
            "code_a": ticket_services.code_user_create(self.code_a, display_name="Petra Huber", email="petra@example.org"),
            "code_b": ticket_services.code_user_create(self.code_b, display_name="Bernd Fremd"),
            "code_link": ticket_services.code_user_create(self.code_a, display_name="Lena Link"),
        }
        self.code_users["code_off"] = self.code_users["code_a"]

    # --- the ticket in question -------------------------------------------------------------------

    @cached_property
    def ticket(self) -> Ticket:
        ticket = make_ticket(
            Status(self.state), creator=self.creator, template=self.template, access_code=self.code_a,
            visibility=Visibility(self.visibility), assignees=[self.users["assignee"]],
        )
        # Code user A took part (a code user's own report is public; this one followed it). Stored
        # directly for the drafts and internal tickets too, where no door lets them follow: the
        # matrix asks whether taking part ever opens what seeing does not.
        TicketParticipant.objects.create(ticket=ticket, code_user=self.code_users["code_a"], kind="followed")
        return ticket

    @cached_property
    def attachment(self) -> Attachment:
        """A photo in a public update of the ticket (an internal ticket's updates are internal)."""
        update = ticket_services.update_post(
            self.users["moderator"], self.ticket, text="Foto der Dichtung", internal=self.visibility == "internal",
            attachments=[SimpleUploadedFile("dichtung.png", png_bytes(), content_type="image/png")],
        )
        return update.attachments.get()

    @cached_property
    def video_session(self) -> VideoSession:
        """A running session of the ticket's visibility. Stored directly (and its state set): no
        service starts one on a draft or a closed ticket, and the matrix asks about those too."""
        session = VideoSession.objects.create(
            ticket=self.ticket, title="Dichtung ansehen", visibility=self.visibility, planned_at=timezone.now(),
            room=f"matrix-{next(_NUMBERS)}", created_by=self.users["moderator"],
        )
        VideoSession.objects.filter(pk=session.pk).update(state=SessionState.RUNNING, started_at=timezone.now())
        session.refresh_from_db()
        return session

    @cached_property
    def snapshot(self) -> Snapshot:
        """A snapshot of the session, its picture in an update of the ticket's visibility."""
        update = ticket_services.update_post(
            self.users["moderator"], self.ticket, text="Schnappschuss", internal=self.visibility == "internal",
            attachments=[SimpleUploadedFile("schnappschuss.png", png_bytes("snap"), content_type="image/png")],
        )
        return Snapshot.objects.create(session=self.video_session, update=update)

    # --- what the rows about no ticket act on -------------------------------------------------------

    @cached_property
    def own_ticket(self) -> Ticket:
        """The code_link user's own public ticket on code A: their personal link leads there."""
        return make_ticket(Status.OPEN, creator=self.creator, template=self.template, access_code=self.code_a)

    @cached_property
    def personal_link(self) -> str:
        return reverse("portal:link", args=[personal_link_token(self.code_users["code_link"], self.own_ticket)])

    @cached_property
    def unsubscribe_link(self) -> str:
        participant = TicketParticipant.objects.create(
            ticket=self.own_ticket, code_user=self.code_users["code_a"], kind="followed",
        )
        return reverse("portal:unsubscribe", args=[unsubscribe_token(participant)])

    @cached_property
    def offer(self) -> TicketOffer:
        """An open offer to the assignee on an Offen ticket."""
        ticket = make_ticket(Status.OPEN, creator=self.creator, template=self.template)
        fleet_services.offers_send(self.users["moderator"], ticket, [self.users["assignee"]])
        return TicketOffer.objects.get(ticket=ticket, user=self.users["assignee"])

    @cached_property
    def settings_template(self) -> TicketTemplate:
        template = TicketTemplateFactory(name=f"Wartung Presse {next(_NUMBERS)}")
        TemplateFieldFactory(template=template, key="seriennummer", label="Seriennummer")
        TemplateFieldFactory(template=template, key="baujahr", label="Baujahr")
        return template

    @cached_property
    def field(self) -> TemplateField:
        return self.settings_template.fields.order_by("position", "pk").last()

    @cached_property
    def member(self):
        """A staff member the staff pages act on: invited, the password not chosen yet (the link
        works, the invitation can be sent again)."""
        member = UserFactory(first_name="Theo", last_name="Ziel")
        member.set_unusable_password()
        member.save(update_fields=["password"])
        return member

    @cached_property
    def today(self):
        return timezone.localdate()

    @cached_property
    def inactive_member(self):
        member = UserFactory(first_name="Ina", last_name="Aktiv", is_active=False)
        return member

    @cached_property
    def password_set_url(self) -> str:
        return staff_services.set_password_url(self.member)

    @cached_property
    def endpoint(self) -> Endpoint:
        with override_settings(**WEBHOOK_SETTINGS):
            endpoint, _secret = webhook_services.endpoint_create(
                self.users["admin"], url="http://127.0.0.1:9/leitstand", event_types=["ticket.created"],
            )
        return endpoint

    @cached_property
    def delivery(self) -> Delivery:
        with override_settings(**WEBHOOK_SETTINGS):
            delivery = webhook_services.endpoint_send_test(self.users["admin"], self.endpoint)
        Delivery.objects.filter(pk=delivery.pk).update(state=DeliveryState.SUCCEEDED)
        return delivery

    @cached_property
    def assignee_token_id(self) -> int:
        """The assignee's own API token (the token pages act on it)."""
        token, _raw = api_services.token_create(
            self.users["assignee"], name="Werkstatt", scope=TokenScope.READ, expires_at=timezone.now() + timedelta(days=30),
        )
        return token.pk

    # --- sessions -------------------------------------------------------------------------------------

    @cached_property
    def sessions(self) -> dict[str, str | None]:
        """Each actor's session key (none for the anonymous). code_link signs in through the real
        personal-link page; code_off shares code_a's session (the case switches code A off)."""
        sessions: dict[str, str | None] = {"anonymous": None}
        sessions["code_a"] = code_session(self.code_users["code_a"])
        sessions["code_b"] = code_session(self.code_users["code_b"])
        client = Client()
        response = client.get(self.personal_link)
        assert response.status_code == 302, response.content[:300]
        sessions["code_link"] = client.cookies[settings.SESSION_COOKIE_NAME].value
        sessions["code_off"] = sessions["code_a"]
        for actor in STAFF_ACTORS:
            sessions[actor] = staff_session(self.users[actor])
        return sessions

    def build_all(self) -> None:
        if self.state is not None:
            _ = self.ticket, self.attachment, self.video_session, self.snapshot
        else:
            _ = (self.own_ticket, self.personal_link, self.unsubscribe_link, self.offer, self.field, self.member,
                 self.inactive_member, self.password_set_url, self.delivery, self.assignee_token_id)
        _ = self.sessions

    def client(self, actor: str) -> Client:
        """A fresh browser of the actor (German, like the product's default)."""
        client = Client(HTTP_ACCEPT_LANGUAGE="de")
        key = self.sessions[actor]
        if key is not None:
            client.cookies[settings.SESSION_COOKIE_NAME] = key
        return client

    def prepare(self, actor: str) -> None:
        """What the actor's case sets up inside its savepoint: code_off's code is switched off."""
        if actor == "code_off":
            AccessCode.objects.filter(pk=self.code_a.pk).update(is_active=False)
