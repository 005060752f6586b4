"""The permission matrix of the REST API (issue 21): every operation × every actor × (for the
operations under /tickets/{number}/) every ticket variant, with the status code the product must
answer. The expectations are written out by hand, never computed from the app's rules.

Actors (the columns of every row, in this order):

    anonymous    no credentials
    expired      an administrator's token past its expiry
    revoked      an administrator's revoked token
    read_only    an administrator's read-only token (only the scope may refuse)
    admin        an Administrator's read-write token
    moderator    a Moderator's read-write token
    assignee     a Mitarbeiter assigned to the ticket (from Zugewiesen on; the offer's recipient)
    other_staff  a Mitarbeiter who is not assigned

Ticket variants: visibility Intern/Öffentlich × state (another person's Entwurf, Offen,
Zugewiesen, In Bearbeitung, Fertig, Geschlossen). Staff rights do not depend on the visibility,
so one expectation per state holds for both visibilities.

Every case runs against the module's worlds, one per ticket variant and one for the rest, built
once with everything any row acts on. Each case runs in pytest-django's own atomic block nested in
the module's transaction (a savepoint) and rolled back afterwards, so it starts from the world as
built (checked for the writes) and what it changes goes with it; a refused write (4xx) must leave
everything as it was."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property
from typing import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import override_settings
from django.urls import URLPattern, URLResolver
from django.utils import timezone

from api import services as api_services
from api.models import TokenScope
from fleet import services as fleet_services
from fleet.models import Assignment, TicketOffer
from fleet.roles import Role
from messenger import services as messenger_services
from messenger.models import Message, ReadCursor
from tests.api.conftest import client_with
from tests.factories import AccessCodeFactory, TemplateFieldFactory, TicketTemplateFactory, UserFactory, make_ticket, png_bytes
from tickets import services as ticket_services
from tickets.choices import Status, Visibility
from tickets.models import AccessCode, Attachment, TemplateField, Ticket, TicketHistory, TicketTemplate, TicketUpdate
from videosessions.models import Participation, VideoSession
from webhooks import services as webhook_services
from webhooks.models import Delivery, DeliveryState, Endpoint

pytestmark = pytest.mark.services_pass

ACTORS = ("anonymous", "expired", "revoked", "read_only", "admin", "moderator", "assignee", "other_staff")
STATES = ("draft", "open", "assigned", "in_progress", "done", "closed")
VISIBILITIES = ("internal", "public")
GLOBAL = "-"  # the variant of the operations that are not about one ticket

_NUMBERS = itertools.count(1)  # template names are unique; other modules' data may hold the factory's names
WEBHOOK_SETTINGS = {"WEBHOOK_ALLOW_PRIVATE_NETWORKS": True, "WEBHOOK_SEND_IN_PROCESS": False}


# --- the world -----------------------------------------------------------------------------------


class World:
    """The crew and, built when first used, the objects an operation acts on. ``state`` and
    ``visibility`` choose the ticket in question (None for the operations not about a ticket)."""

    def __init__(self, state: str | None = None, visibility: str | None = None):
        self.state, self.visibility = state, visibility
        self.users = {
            "admin": UserFactory(role=Role.ADMINISTRATOR, first_name="Anna", last_name="Adler"),
            "moderator": UserFactory(role=Role.MODERATOR, first_name="Moritz", last_name="Berger"),
            "assignee": UserFactory(first_name="Mia", last_name="Schneider"),
            "other_staff": UserFactory(first_name="Jonas", last_name="Fischer"),
        }
        self.creator = UserFactory(first_name="Erika", last_name="Ersteller")  # "another person"

    @cached_property
    def template(self) -> TicketTemplate:
        return TicketTemplateFactory(name=f"Matrix-Vorlage {next(_NUMBERS)}", assignees_needed=2, allows_claiming=True)

    @cached_property
    def ticket(self) -> Ticket:
        """The ticket in question, made by another person; from Zugewiesen on the assignee works on it."""
        ticket = make_ticket(
            Status(self.state), creator=self.creator, template=self.template, visibility=Visibility(self.visibility),
            assignees=[self.users["assignee"]],
        )
        return ticket

    @cached_property
    def attachment(self) -> Attachment:
        """A photo in an internal update of the ticket."""
        update = ticket_services.update_post(
            self.users["moderator"], self.ticket, text="Foto der Dichtung", internal=True,
            attachments=[SimpleUploadedFile("dichtung.png", png_bytes(), content_type="image/png")],
        )
        return update.attachments.get()

    @cached_property
    def last_message_id(self) -> int:
        """A message in the conversation (a draft has none: 0)."""
        if self.ticket.status == Status.DRAFT:
            return 0
        message, _created = messenger_services.message_post(self.users["moderator"], self.ticket, text="Wir kommen morgen.")
        return message.pk

    @cached_property
    def video_session(self) -> VideoSession:
        """A session staff planned for tomorrow (Angefragt). Stored directly: no service plans one on a
        draft or a closed ticket, and the matrix asks what the API answers about it there too."""
        return VideoSession.objects.create(
            ticket=self.ticket, title="Dichtung ansehen", planned_at=timezone.now() + timedelta(days=1),
            room=f"matrix-{next(_NUMBERS)}", created_by=self.users["moderator"],
        )

    @cached_property
    def offer(self) -> TicketOffer:
        """An open offer to the assignee on an Offen ticket."""
        ticket = make_ticket(Status.OPEN, creator=self.creator, template=self.template)
        fleet_services.offers_send(self.users["moderator"], ticket, [self.users["assignee"]])
        return TicketOffer.objects.get(ticket=ticket, user=self.users["assignee"])

    @cached_property
    def settings_template(self) -> TicketTemplate:
        """A template no ticket uses, with one field."""
        template = TicketTemplateFactory(name=f"Wartung Presse {next(_NUMBERS)}")
        TemplateFieldFactory(template=template, key="seriennummer", label="Seriennummer")
        return template

    @cached_property
    def field(self) -> TemplateField:
        return self.settings_template.fields.get()

    @cached_property
    def access_code(self) -> AccessCode:
        return AccessCodeFactory(template=self.template, label="Presse 7")

    @cached_property
    def endpoint(self) -> Endpoint:
        with override_settings(**WEBHOOK_SETTINGS):
            endpoint, _secret = webhook_services.endpoint_create(
                self.users["admin"], url="http://127.0.0.1:9/leitstand", event_types=["ticket.created"],
            )
        return endpoint

    @cached_property
    def delivery(self) -> Delivery:
        """A delivered test message (resending needs a delivery that is not being tried)."""
        with override_settings(**WEBHOOK_SETTINGS):
            delivery = webhook_services.endpoint_send_test(self.users["admin"], self.endpoint)
        Delivery.objects.filter(pk=delivery.pk).update(state=DeliveryState.SUCCEEDED)
        return delivery

    def build_all(self) -> None:
        """Everything at once (the shared worlds), and every actor's token."""
        if self.state is not None:
            _ = self.attachment, self.last_message_id, self.video_session
        else:
            _ = self.offer, self.field, self.access_code, self.delivery
        _ = self.tokens

    @cached_property
    def tokens(self) -> dict[str, str | None]:
        """Each actor's raw token (none for the anonymous)."""
        tokens: dict[str, str | None] = {"anonymous": None}
        for actor in ACTORS[1:]:
            user = self.users["admin"] if actor in ("expired", "revoked", "read_only") else self.users[actor]
            scope = TokenScope.READ if actor == "read_only" else TokenScope.WRITE
            token, raw = api_services.token_create(
                user, name=f"matrix {actor}", scope=scope, expires_at=timezone.now() + timedelta(days=30)
            )
            if actor == "expired":
                type(token).objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
            elif actor == "revoked":
                api_services.token_revoke(user, token.pk)
            tokens[actor] = raw
        return tokens

    def client(self, actor: str):
        return client_with(self.tokens[actor])


def snapshot() -> dict:
    """What a refused write must leave as it was."""
    return {
        "tickets": sorted(Ticket.objects.values_list("number", "status", "visibility", "title", "description")),
        "updates": TicketUpdate.objects.count(),
        "attachments": Attachment.objects.count(),
        "history": TicketHistory.objects.count(),
        "messages": Message.objects.count(),
        "read_cursors": sorted(ReadCursor.objects.values_list("pk", "last_read_id")),
        "assignments": sorted(Assignment.objects.values_list("ticket_id", "user_id")),
        "offers": sorted(TicketOffer.objects.values_list("pk", "status")),
        "templates": sorted(TicketTemplate.objects.values_list("pk", "name")),
        "fields": sorted(TemplateField.objects.values_list("pk", "label")),
        "access_codes": sorted(AccessCode.objects.values_list("pk", "label", "is_active")),
        "endpoints": sorted(Endpoint.objects.values_list("pk", "url", "is_active", "secret")),
        "deliveries": sorted(Delivery.objects.values_list("pk", "state")),
        "video_sessions": sorted(VideoSession.objects.values_list("pk", "state", "title", "planned_at", "started_at")),
        "participations": Participation.objects.count(),
    }


# --- the rows ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    method: str
    path: str  # the OpenAPI path
    url: Callable[[World], str]
    # One code per actor (ACTORS' order); for the operations about one ticket, per state.
    expect: tuple[int, ...] | dict[str, tuple[int, ...]]
    body: Callable[[World], dict] | None = None

    @property
    def per_ticket(self) -> bool:
        return isinstance(self.expect, dict)

    @property
    def key(self) -> tuple[str, str]:
        return self.method, self.path


def _t(world: World, tail: str = "") -> str:
    return f"/api/v1/tickets/{world.ticket.number}/{tail}"


# The transition a ticket in each state naturally takes next (POST …/transitions/{name}/).
NEXT_STEP = {"draft": "submit", "open": "cancel", "assigned": "start", "in_progress": "finish", "done": "close", "closed": "reopen"}

#                    anonymous  expired  revoked  read_only  admin  moderator  assignee  other_staff
SEES_TICKET = {
    "draft":         (401,       401,     401,     200,       200,   200,       404,      404),
    "open":          (401,       401,     401,     200,       200,   200,       200,      200),
    "assigned":      (401,       401,     401,     200,       200,   200,       200,      200),
    "in_progress":   (401,       401,     401,     200,       200,   200,       200,      200),
    "done":          (401,       401,     401,     200,       200,   200,       200,      200),
    "closed":        (401,       401,     401,     200,       200,   200,       200,      200),
}
ANY_STAFF_READS = (401, 401, 401, 200, 200, 200, 200, 200)
SETTINGS_CODES_READ = (401, 401, 401, 200, 200, 200, 403, 403)
ADMIN_READS = (401, 401, 401, 200, 200, 403, 403, 403)

ROWS = [
    # --- tickets ---
    Row("GET", "/api/v1/tickets/", lambda w: "/api/v1/tickets/", ANY_STAFF_READS),
    Row("POST", "/api/v1/tickets/", lambda w: "/api/v1/tickets/",
        (401, 401, 401, 403, 201, 201, 201, 201),
        body=lambda w: {"template": w.template.pk, "title": "Tor klemmt", "visibility": "internal"}),
    Row("GET", "/api/v1/tickets/{number}/", lambda w: _t(w), SEES_TICKET),
    Row("PATCH", "/api/v1/tickets/{number}/", lambda w: _t(w), {
        "draft":         (401, 401, 401, 403, 200, 200, 404, 404),
        "open":          (401, 401, 401, 403, 200, 200, 403, 403),
        "assigned":      (401, 401, 401, 403, 200, 200, 200, 403),
        "in_progress":   (401, 401, 401, 403, 200, 200, 200, 403),
        "done":          (401, 401, 401, 403, 200, 200, 200, 403),
        "closed":        (401, 401, 401, 403, 409, 409, 409, 409),
    }, body=lambda w: {"title": "Pumpe 3 verliert viel Öl"}),
    Row("GET", "/api/v1/tickets/{number}/transitions/", lambda w: _t(w, "transitions/"), SEES_TICKET),
    # NEXT_STEP: submit (only the creator), cancel, start, finish, close, reopen (only administrators).
    Row("POST", "/api/v1/tickets/{number}/transitions/{name}/", lambda w: _t(w, f"transitions/{NEXT_STEP[w.state]}/"), {
        "draft":         (401, 401, 401, 403, 403, 403, 404, 404),
        "open":          (401, 401, 401, 403, 200, 200, 403, 403),
        "assigned":      (401, 401, 401, 403, 200, 200, 200, 403),
        "in_progress":   (401, 401, 401, 403, 200, 200, 200, 403),
        "done":          (401, 401, 401, 403, 200, 200, 200, 403),
        "closed":        (401, 401, 401, 403, 200, 403, 403, 403),
    }, body=lambda w: {"expected_status": w.state, "reason": "Matrix"}),
    # --- updates, attachments, history, rating ---
    Row("GET", "/api/v1/tickets/{number}/updates/", lambda w: _t(w, "updates/"), SEES_TICKET),
    Row("POST", "/api/v1/tickets/{number}/updates/", lambda w: _t(w, "updates/"), {
        "draft":         (401, 401, 401, 403, 201, 201, 404, 404),
        "open":          (401, 401, 401, 403, 201, 201, 403, 403),
        "assigned":      (401, 401, 401, 403, 201, 201, 201, 403),
        "in_progress":   (401, 401, 401, 403, 201, 201, 201, 403),
        "done":          (401, 401, 401, 403, 201, 201, 201, 403),
        "closed":        (401, 401, 401, 403, 201, 201, 201, 403),
    }, body=lambda w: {"text": "Dichtung bestellt.", "internal": True}),
    Row("GET", "/api/v1/tickets/{number}/attachments/{id}/", lambda w: _t(w, f"attachments/{w.attachment.pk}/"), SEES_TICKET),
    Row("GET", "/api/v1/tickets/{number}/history/", lambda w: _t(w, "history/"), SEES_TICKET),
    Row("GET", "/api/v1/tickets/{number}/feedback/", lambda w: _t(w, "feedback/"), SEES_TICKET),
    # --- the conversation ---
    Row("GET", "/api/v1/tickets/{number}/messages/", lambda w: _t(w, "messages/"), SEES_TICKET),
    Row("POST", "/api/v1/tickets/{number}/messages/", lambda w: _t(w, "messages/"), {
        "draft":         (401, 401, 401, 403, 409, 409, 404, 404),
        "open":          (401, 401, 401, 403, 201, 201, 201, 201),
        "assigned":      (401, 401, 401, 403, 201, 201, 201, 201),
        "in_progress":   (401, 401, 401, 403, 201, 201, 201, 201),
        "done":          (401, 401, 401, 403, 201, 201, 201, 201),
        "closed":        (401, 401, 401, 403, 201, 201, 201, 201),
    }, body=lambda w: {"text": "Bin unterwegs.", "client_id": "matrix-1"}),
    Row("POST", "/api/v1/tickets/{number}/messages/read/", lambda w: _t(w, "messages/read/"), {
        "draft":         (401, 401, 401, 403, 200, 200, 404, 404),
        "open":          (401, 401, 401, 403, 200, 200, 200, 200),
        "assigned":      (401, 401, 401, 403, 200, 200, 200, 200),
        "in_progress":   (401, 401, 401, 403, 200, 200, 200, 200),
        "done":          (401, 401, 401, 403, 200, 200, 200, 200),
        "closed":        (401, 401, 401, 403, 200, 200, 200, 200),
    }, body=lambda w: {"up_to_id": w.last_message_id}),
    # --- the fleet ---
    Row("GET", "/api/v1/tickets/{number}/fleet/", lambda w: _t(w, "fleet/"), SEES_TICKET),
    Row("POST", "/api/v1/tickets/{number}/claim/", lambda w: _t(w, "claim/"), {
        "draft":         (401, 401, 401, 403, 409, 409, 404, 404),
        "open":          (401, 401, 401, 403, 200, 200, 200, 200),
        "assigned":      (401, 401, 401, 403, 409, 409, 400, 409),
        "in_progress":   (401, 401, 401, 403, 409, 409, 400, 409),
        "done":          (401, 401, 401, 403, 409, 409, 400, 409),
        "closed":        (401, 401, 401, 403, 409, 409, 400, 409),
    }),
    Row("POST", "/api/v1/tickets/{number}/fleet/assign/", lambda w: _t(w, "fleet/assign/"), {
        "draft":         (401, 401, 401, 403, 409, 409, 404, 404),
        "open":          (401, 401, 401, 403, 200, 200, 403, 403),
        "assigned":      (401, 401, 401, 403, 200, 200, 403, 403),
        "in_progress":   (401, 401, 401, 403, 200, 200, 403, 403),
        "done":          (401, 401, 401, 403, 409, 409, 403, 403),
        "closed":        (401, 401, 401, 403, 409, 409, 403, 403),
    }, body=lambda w: {"user": w.users["other_staff"].pk}),
    # Removing the assignee (in Offen nobody is assigned: the body names a non-assignee). The
    # assignee removing themselves is leaving the ticket, like …/fleet/release/.
    Row("POST", "/api/v1/tickets/{number}/fleet/unassign/", lambda w: _t(w, "fleet/unassign/"), {
        "draft":         (401, 401, 401, 403, 409, 409, 404, 404),
        "open":          (401, 401, 401, 403, 400, 400, 400, 403),
        "assigned":      (401, 401, 401, 403, 200, 200, 200, 403),
        "in_progress":   (401, 401, 401, 403, 200, 200, 200, 403),
        "done":          (401, 401, 401, 403, 409, 409, 409, 403),
        "closed":        (401, 401, 401, 403, 409, 409, 409, 403),
    }, body=lambda w: {"user": w.users["assignee"].pk, "reason": "Krankmeldung"}),
    # The assignee hands their place to the other staff member (moderators may do it for them).
    Row("POST", "/api/v1/tickets/{number}/fleet/forward/", lambda w: _t(w, "fleet/forward/"), {
        "draft":         (401, 401, 401, 403, 409, 409, 404, 404),
        "open":          (401, 401, 401, 403, 400, 400, 403, 403),
        "assigned":      (401, 401, 401, 403, 200, 200, 200, 403),
        "in_progress":   (401, 401, 401, 403, 200, 200, 200, 403),
        "done":          (401, 401, 401, 403, 409, 409, 409, 403),
        "closed":        (401, 401, 401, 403, 409, 409, 409, 403),
    }, body=lambda w: {"to_user": w.users["other_staff"].pk, "from_user": w.users["assignee"].pk, "reason": "Kennt die Anlage"}),
    # The caller leaves their place (who has none: 400, the caller is not assigned).
    Row("POST", "/api/v1/tickets/{number}/fleet/release/", lambda w: _t(w, "fleet/release/"), {
        "draft":         (401, 401, 401, 403, 409, 409, 404, 404),
        "open":          (401, 401, 401, 403, 400, 400, 400, 400),
        "assigned":      (401, 401, 401, 403, 400, 400, 200, 400),
        "in_progress":   (401, 401, 401, 403, 400, 400, 200, 400),
        "done":          (401, 401, 401, 403, 409, 409, 409, 409),
        "closed":        (401, 401, 401, 403, 409, 409, 409, 409),
    }, body=lambda w: {"reason": "Ersatzteil fehlt"}),
    # Offers to the other staff member (two places: one is still free once the assignee works on it).
    Row("POST", "/api/v1/tickets/{number}/offers/", lambda w: _t(w, "offers/"), {
        "draft":         (401, 401, 401, 403, 409, 409, 404, 404),
        "open":          (401, 401, 401, 403, 200, 200, 403, 403),
        "assigned":      (401, 401, 401, 403, 200, 200, 403, 403),
        "in_progress":   (401, 401, 401, 403, 200, 200, 403, 403),
        "done":          (401, 401, 401, 403, 409, 409, 403, 403),
        "closed":        (401, 401, 401, 403, 409, 409, 403, 403),
    }, body=lambda w: {"users": [w.users["other_staff"].pk]}),
    # --- video sessions (staff who see the ticket plan and steer; none on a draft, closed: wound down only) ---
    Row("GET", "/api/v1/tickets/{number}/video-sessions/", lambda w: _t(w, "video-sessions/"), SEES_TICKET),
    Row("POST", "/api/v1/tickets/{number}/video-sessions/", lambda w: _t(w, "video-sessions/"), {
        "draft":         (401, 401, 401, 403, 409, 409, 404, 404),
        "open":          (401, 401, 401, 403, 201, 201, 201, 201),
        "assigned":      (401, 401, 401, 403, 201, 201, 201, 201),
        "in_progress":   (401, 401, 401, 403, 201, 201, 201, 201),
        "done":          (401, 401, 401, 403, 201, 201, 201, 201),
        "closed":        (401, 401, 401, 403, 409, 409, 409, 409),
    }, body=lambda w: {"title": "Pumpe gemeinsam ansehen", "visibility": "internal"}),
    Row("GET", "/api/v1/tickets/{number}/video-sessions/{id}/",
        lambda w: _t(w, f"video-sessions/{w.video_session.pk}/"), SEES_TICKET),
    # Starting the planned session (a closed ticket's sessions are only called off or ended: 409).
    Row("POST", "/api/v1/tickets/{number}/video-sessions/{id}/transitions/{name}/",
        lambda w: _t(w, f"video-sessions/{w.video_session.pk}/transitions/start/"), {
        "draft":         (401, 401, 401, 403, 409, 409, 404, 404),
        "open":          (401, 401, 401, 403, 200, 200, 200, 200),
        "assigned":      (401, 401, 401, 403, 200, 200, 200, 200),
        "in_progress":   (401, 401, 401, 403, 200, 200, 200, 200),
        "done":          (401, 401, 401, 403, 200, 200, 200, 200),
        "closed":        (401, 401, 401, 403, 409, 409, 409, 409),
    }, body=lambda w: {"expected_state": "requested", "reason": "Matrix"}),
    # --- my offers (an open offer to the assignee on an Offen ticket) ---
    Row("GET", "/api/v1/offers/", lambda w: "/api/v1/offers/", ANY_STAFF_READS),
    Row("POST", "/api/v1/offers/{id}/accept/", lambda w: f"/api/v1/offers/{w.offer.pk}/accept/",
        (401, 401, 401, 403, 403, 403, 200, 404)),
    Row("POST", "/api/v1/offers/{id}/decline/", lambda w: f"/api/v1/offers/{w.offer.pk}/decline/",
        (401, 401, 401, 403, 403, 403, 200, 404), body=lambda w: {"reason": "Urlaub"}),
    Row("POST", "/api/v1/offers/{id}/withdraw/", lambda w: f"/api/v1/offers/{w.offer.pk}/withdraw/",
        (401, 401, 401, 403, 200, 200, 403, 404)),
    # --- templates (administrators write) ---
    Row("GET", "/api/v1/templates/", lambda w: "/api/v1/templates/", ANY_STAFF_READS),
    Row("POST", "/api/v1/templates/", lambda w: "/api/v1/templates/",
        (401, 401, 401, 403, 201, 403, 403, 403), body=lambda w: {"name": f"Inspektion Kran {next(_NUMBERS)}"}),
    Row("GET", "/api/v1/templates/{id}/", lambda w: f"/api/v1/templates/{w.settings_template.pk}/", ANY_STAFF_READS),
    Row("PATCH", "/api/v1/templates/{id}/", lambda w: f"/api/v1/templates/{w.settings_template.pk}/",
        (401, 401, 401, 403, 200, 403, 403, 403), body=lambda w: {"name": f"Wartung Presse (neu) {next(_NUMBERS)}"}),
    Row("POST", "/api/v1/templates/{id}/fields/", lambda w: f"/api/v1/templates/{w.settings_template.pk}/fields/",
        (401, 401, 401, 403, 201, 403, 403, 403), body=lambda w: {"key": "baujahr", "label": "Baujahr"}),
    Row("PATCH", "/api/v1/templates/{id}/fields/{field_id}/",
        lambda w: f"/api/v1/templates/{w.settings_template.pk}/fields/{w.field.pk}/",
        (401, 401, 401, 403, 200, 403, 403, 403), body=lambda w: {"label": "Seriennr."}),
    Row("DELETE", "/api/v1/templates/{id}/fields/{field_id}/",
        lambda w: f"/api/v1/templates/{w.settings_template.pk}/fields/{w.field.pk}/",
        (401, 401, 401, 403, 204, 403, 403, 403)),
    # --- access codes (who may see them in the settings: administrators and moderators) ---
    Row("GET", "/api/v1/access-codes/", lambda w: "/api/v1/access-codes/", SETTINGS_CODES_READ),
    Row("POST", "/api/v1/access-codes/", lambda w: "/api/v1/access-codes/",
        (401, 401, 401, 403, 201, 201, 403, 403), body=lambda w: {"label": "Presse 8", "template": w.template.pk}),
    Row("GET", "/api/v1/access-codes/{id}/", lambda w: f"/api/v1/access-codes/{w.access_code.pk}/", SETTINGS_CODES_READ),
    Row("PATCH", "/api/v1/access-codes/{id}/", lambda w: f"/api/v1/access-codes/{w.access_code.pk}/",
        (401, 401, 401, 403, 200, 200, 403, 403), body=lambda w: {"label": "Presse 7 (Halle 2)"}),
    Row("GET", "/api/v1/access-codes/{id}/qr.png/", lambda w: f"/api/v1/access-codes/{w.access_code.pk}/qr.png/", SETTINGS_CODES_READ),
    Row("GET", "/api/v1/access-codes/{id}/qr.svg/", lambda w: f"/api/v1/access-codes/{w.access_code.pk}/qr.svg/", SETTINGS_CODES_READ),
    # --- webhooks (administrators only) ---
    Row("GET", "/api/v1/webhooks/", lambda w: "/api/v1/webhooks/", ADMIN_READS),
    Row("POST", "/api/v1/webhooks/", lambda w: "/api/v1/webhooks/",
        (401, 401, 401, 403, 201, 403, 403, 403),
        body=lambda w: {"url": "http://127.0.0.1:9/erp", "event_types": ["ticket.created"]}),
    Row("GET", "/api/v1/webhooks/event-types/", lambda w: "/api/v1/webhooks/event-types/", ADMIN_READS),
    Row("GET", "/api/v1/webhooks/{id}/", lambda w: f"/api/v1/webhooks/{w.endpoint.pk}/", ADMIN_READS),
    Row("PATCH", "/api/v1/webhooks/{id}/", lambda w: f"/api/v1/webhooks/{w.endpoint.pk}/",
        (401, 401, 401, 403, 200, 403, 403, 403), body=lambda w: {"is_active": False}),
    Row("DELETE", "/api/v1/webhooks/{id}/", lambda w: f"/api/v1/webhooks/{w.endpoint.pk}/",
        (401, 401, 401, 403, 204, 403, 403, 403)),
    Row("POST", "/api/v1/webhooks/{id}/rotate-secret/", lambda w: f"/api/v1/webhooks/{w.endpoint.pk}/rotate-secret/",
        (401, 401, 401, 403, 200, 403, 403, 403)),
    Row("POST", "/api/v1/webhooks/{id}/test/", lambda w: f"/api/v1/webhooks/{w.endpoint.pk}/test/",
        (401, 401, 401, 403, 202, 403, 403, 403)),
    Row("GET", "/api/v1/webhooks/{id}/deliveries/", lambda w: f"/api/v1/webhooks/{w.endpoint.pk}/deliveries/", ADMIN_READS),
    Row("POST", "/api/v1/webhooks/{id}/deliveries/{delivery_id}/resend/",
        lambda w: f"/api/v1/webhooks/{w.endpoint.pk}/deliveries/{w.delivery.pk}/resend/",
        (401, 401, 401, 403, 202, 403, 403, 403)),
]


# --- completeness: a row for every operation, no row for one that does not exist ----------------


def _schema_operations() -> set[tuple[str, str]]:
    from drf_spectacular.generators import SchemaGenerator

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    return {(method.upper(), path) for path, item in paths.items() for method in item if method in ("get", "post", "put", "patch", "delete")}


_GROUP = re.compile(r"\(\?P<(\w+)>[^()]*\)")


def _pattern_operations() -> set[tuple[str, str]]:
    """Every (method, path) the ``api`` namespace routes, from its URL patterns."""
    import api.urls

    operations = set()

    def walk(patterns, prefix):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
                continue
            assert isinstance(pattern, URLPattern)
            regex = (prefix + str(pattern.pattern)).replace("^", "").replace("$", "")
            path = "/api/v1/" + _GROUP.sub(lambda m: "{id}" if m[1] == "pk" else "{%s}" % m[1], regex)
            actions = getattr(pattern.callback, "actions", None)
            if actions is not None:  # (DRF adds "head" to a served viewset's actions: not an operation of ours)
                methods = set(actions) & {"get", "post", "put", "patch", "delete"}
            else:
                view = pattern.callback.cls
                methods = {m for m in ("get", "post", "put", "patch", "delete") if hasattr(view, m)}
            operations.update((m.upper(), path.replace("\\", "")) for m in methods)

    walk(api.urls.urlpatterns, "")
    return operations


def test_the_matrix_has_a_row_for_every_operation_and_only_for_those():
    rows = [row.key for row in ROWS]
    assert len(rows) == len(set(rows)), "an operation has two rows"
    schema, patterns = _schema_operations(), _pattern_operations()
    assert schema == patterns, f"the schema and the URL patterns differ: {sorted(schema ^ patterns)}"
    missing = sorted(schema - set(rows))
    assert not missing, f"operations without a row in the permission matrix: {missing}"
    extra = sorted(set(rows) - schema)
    assert not extra, f"rows for operations that do not exist: {extra}"


def test_every_row_names_a_code_for_every_actor_and_state():
    for row in ROWS:
        tables = row.expect.values() if row.per_ticket else [row.expect]
        assert all(len(codes) == len(ACTORS) for codes in tables), row.key
        if row.per_ticket:
            assert tuple(row.expect) == STATES, row.key


# --- the generated cases -------------------------------------------------------------------------


def _cases(reads: bool):
    for row in ROWS:
        if (row.method == "GET") != reads:
            continue
        variants = [(s, v) for s in STATES for v in VISIBILITIES] if row.per_ticket else [(None, None)]
        for state, visibility in variants:
            codes = row.expect[state] if row.per_ticket else row.expect
            for actor, code in zip(ACTORS, codes):
                variant = f"{state}-{visibility}" if state else GLOBAL
                yield pytest.param(row, actor, state, visibility, code, id=f"{row.method} {row.path} | {actor} | {variant}")


@pytest.fixture(autouse=True)
def _webhook_settings(settings):
    for name, value in WEBHOOK_SETTINGS.items():
        setattr(settings, name, value)


FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media_in_tmp():
    """Instead of tests/conftest.py's folder per test: the cases set the worlds' folder."""


@dataclass
class Worlds:
    by_variant: dict[tuple[str | None, str | None], World]
    media: object  # the attachments' folder
    built: dict  # snapshot() of the worlds as built: where every case starts


@pytest.fixture(scope="module")
def worlds(django_db_setup, django_db_blocker, tmp_path_factory):
    """Every world, built once in a transaction rolled back at the end of the module, with all that
    any row reads or acts on (each row's address and body are made once here, so no case builds
    anything: a lazily built object would vanish with the first case's rollback).

    Each case then runs in a savepoint of its own (pytest-django's atomic block inside this
    transaction), rolled back after the case: its token, what a read touches (a token's last use)
    and what a write changes go with it. What that keeps equal to a fresh world per case:
    on_commit callbacks never run in either (the outermost transaction never commits, a rolled-back
    savepoint drops its callbacks); counter rows (ticket numbers, message numbers) roll back with
    the savepoint; the cache (throttle counts) is cleared around every test (tests/api/conftest.py);
    database sequences (ids) are not rolled back on PostgreSQL, and no expectation names an id."""
    media = tmp_path_factory.mktemp("matrix-media")
    with django_db_blocker.unblock(), transaction.atomic():
        with override_settings(PASSWORD_HASHERS=FAST_HASHER, MEDIA_ROOT=media, **WEBHOOK_SETTINGS):
            by_variant = {(None, None): World()}
            by_variant.update({(s, v): World(s, v) for s in STATES for v in VISIBILITIES})
            for world in by_variant.values():
                world.build_all()
            for row in ROWS:
                for key, world in by_variant.items():
                    if row.per_ticket == (key != (None, None)):
                        row.url(world)
                        if row.body:
                            row.body(world)
        yield Worlds(by_variant, media, snapshot())
        transaction.set_rollback(True)


def _send(world: World, row: Row, actor: str):
    body = row.body(world) if row.body else None
    return getattr(world.client(actor), row.method.lower())(row.url(world), body, format="json")


def _check(response, code: int):
    assert response.status_code == code, response.content[:500]
    if code == 401:
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'
        assert response.json()["code"] == "not_authenticated"
    elif code == 404:
        assert response.json()["code"] == "not_found"


@pytest.mark.django_db
@pytest.mark.parametrize(("row", "actor", "state", "visibility", "code"), list(_cases(reads=True)))
def test_read(worlds, settings, row, actor, state, visibility, code):
    settings.MEDIA_ROOT = worlds.media  # the attachments' files
    _check(_send(worlds.by_variant[state, visibility], row, actor), code)


@pytest.mark.django_db
@pytest.mark.parametrize(("row", "actor", "state", "visibility", "code"), list(_cases(reads=False)))
def test_write(worlds, settings, row, actor, state, visibility, code):
    settings.MEDIA_ROOT = worlds.media
    response = _send(worlds.by_variant[state, visibility], row, actor)
    _check(response, code)
    if code >= 400:  # as it was: each case starts from the world as built (its savepoint)
        assert snapshot() == worlds.built
