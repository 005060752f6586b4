"""The permission matrix of the pages (issue 24): every URL pattern of ``config.urls`` outside the
REST API (``tests/api/test_permission_matrix.py`` holds that one) × every actor (``worlds.ACTORS``)
× for the pages about one ticket its variants (state × visibility), GET for every page and POST for
every page that takes a form, with the answer the product must give. The expectations are written
out by hand, never computed from the app's rules.

An expectation is one token per actor in ``ACTORS`` order:

    L      302 to the staff login page (``/login/?next=…``)
    302    a redirect elsewhere (the action was done, or the page sends the visitor on)
    R      a redirect elsewhere that did nothing: every table as it was
    200, 400, 403, 404, 405, 409, 410 …   that status code

The pages about one ticket give one line per state; ``internal=`` gives the lines of an internal
ticket where they differ from a public one's (only code users' answers can: staff rights do not
depend on the visibility). A POST-only page's GET row names one line (405, decided before anything
is looked up) and runs once. A POST row's line is what the action answers; a refused POST (4xx, or a
redirect to the login page) must leave every table as it was (``snapshot()``).

Every case runs in the module's worlds, built once in a transaction that is rolled back at the
end; each (row, variant) is one test, and each actor's request in it runs in a savepoint of its
own that is rolled back afterwards (what the request wrote goes with it, as in the API matrix)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import translation

from api.models import ApiToken
from fleet.models import Assignment, Notification, TicketOffer, User
from messenger.models import Message
from tests.factories import PASSWORD, png_bytes
from tests.matrix.worlds import (
    ACTORS,
    FAST_HASHER,
    STATES,
    VISIBILITIES,
    WEBHOOK_SETTINGS,
    World,
)
from tickets.models import (
    AccessCode,
    Attachment,
    CodeUser,
    Feedback,
    TemplateField,
    Ticket,
    TicketHistory,
    TicketParticipant,
    TicketTemplate,
    TicketUpdate,
)
from videosessions.models import Participation, SessionFeedback, Snapshot, VideoSession
from webhooks.models import Delivery, Endpoint

pytestmark = pytest.mark.embedded_pass


def snapshot() -> dict:
    """What a refused POST must leave as it was."""
    return {
        "tickets": sorted(Ticket.objects.values_list("number", "status", "visibility", "title", "description")),
        "updates": TicketUpdate.objects.count(),
        "attachments": Attachment.objects.count(),
        "history": TicketHistory.objects.count(),
        "messages": Message.objects.count(),
        "assignments": sorted(Assignment.objects.values_list("ticket_id", "user_id")),
        "offers": sorted(TicketOffer.objects.values_list("pk", "status")),
        "notifications": sorted(Notification.objects.values_list("pk", "read_at")),
        "templates": sorted(TicketTemplate.objects.values_list("pk", "name", "is_active")),
        "fields": sorted(TemplateField.objects.values_list("pk", "label", "position")),
        "access_codes": sorted(AccessCode.objects.values_list("pk", "label", "is_active", "links_version")),
        "code_users": sorted(CodeUser.objects.values_list("pk", "display_name", "preferred_language")),
        "participants": sorted(TicketParticipant.objects.values_list("pk", "unsubscribed_at")),
        "feedback": Feedback.objects.count(),
        "users": sorted(User.objects.values_list("pk", "is_active", "first_name", "preferred_language")),
        "tokens": sorted(ApiToken.objects.values_list("pk", "revoked_at")),
        "endpoints": sorted(Endpoint.objects.values_list("pk", "url", "is_active", "secret")),
        "deliveries": sorted(Delivery.objects.values_list("pk", "state")),
        "video_sessions": sorted(VideoSession.objects.values_list("pk", "state", "title")),
        "participations": Participation.objects.count(),
        "snapshots": Snapshot.objects.count(),
        "session_feedback": SessionFeedback.objects.count(),
    }


# --- the rows ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    name: str  # the URL pattern, "namespace:name" (admin rows: one per door of the admin site)
    method: str
    url: Callable[[World], str]
    # One line per actor: a string for the pages about no ticket, {state: line} for the others.
    expect: str | dict[str, str] | None
    body: Callable[[World], dict] | None = None
    internal: dict[str, str] = field(default_factory=dict)  # an internal ticket's lines where they differ
    ticket: bool = False  # about one ticket (a row whose expect is a dict is)

    @property
    def per_ticket(self) -> bool:
        return self.ticket or isinstance(self.expect, dict)

    def line(self, state: str | None, visibility: str | None) -> list[str] | None:
        if self.expect is None:
            return None
        if not self.per_ticket or isinstance(self.expect, str):
            text = self.expect
        elif visibility == "internal" and state in self.internal:
            text = self.internal[state]
        else:
            text = self.expect[state]
        return text.split()


def per_state(**lines: str) -> dict[str, str]:
    """{state: line}; ``rest=`` fills every state not named."""
    rest = lines.pop("rest", None)
    out = {state: lines.get(state, rest) for state in STATES}
    assert None not in out.values(), lines
    return out


def _t(world: World, tail: str = "") -> str:
    return f"/tickets/{world.ticket.number}/{tail}"


def _c(world: World, tail: str = "") -> str:
    """The code user's address of the ticket (through code A, whose user the ticket belongs to)."""
    return f"/c/{world.code_a.token}/tickets/{world.ticket.number}/{tail}"


def _staff_url(tail: str) -> Callable[[World], str]:
    return lambda w: _t(w, tail)


def _portal_url(tail: str) -> Callable[[World], str]:
    return lambda w: _c(w, tail)


def _member_url(member: str, tail: str) -> Callable[[World], str]:
    return lambda w: f"/settings/staff/{getattr(w, member).pk}/{tail}"


def _webhook_url(tail: str) -> Callable[[World], str]:
    return lambda w: f"/settings/webhooks/{w.endpoint.pk}/{tail}"


def _png(name="foto.png"):
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


# Lines used by many rows.                   anon code_a code_b link off  staff assignee moderator admin
STAFF_PAGE = "L L L L L 200 200 200 200"
SETTINGS_PAGE = "L L L L L 403 403 200 200"
ADMIN_PAGE = "L L L L L 403 403 403 200"
ONLY_POST = "405 405 405 405 405 405 405 405 405"
PUBLIC_PAGE = "200 200 200 200 200 200 200 200 200"

ROWS: list[Row] = []

def R(name, method, url, expect, body=None, internal=None, ticket=False):
    ROWS.append(Row(name, method, url, expect, body, internal or {}, ticket))


G = lambda path: (lambda w: path)
T = True

#                                                                anon code_a code_b link off  staff assignee moderator admin
# --- home, health, language, login ---
R("home", "GET", G("/"),                                           "L    L    L    L    L    200  200  200  200")
R("health", "GET", G("/health/"),                                  PUBLIC_PAGE)
R("set_language", "GET", G("/i18n/setlang/"),                     "302  302  302  302  302  302  302  302  302")
R("set_language", "POST", G("/i18n/setlang/"),                    "302  302  302  302  302  302  302  302  302",
  body=lambda w: {"language": "de"})
# Signed-in staff are sent on from the login page; whoever posts the right password is signed in.
R("login", "GET", G("/login/"),                                    "200  200  200  200  200  302  302  302  302")
R("login", "POST", G("/login/"),                                   "302  302  302  302  302  302  302  302  302",
  body=lambda w: {"username": w.users["staff"].username, "password": PASSWORD})
R("logout", "GET", G("/logout/"), ONLY_POST)
R("logout", "POST", G("/logout/"),                                 PUBLIC_PAGE)
# The invitation's link: anyone holding it reaches the form (the token in it is the key).
R("password-set", "GET", lambda w: w.password_set_url,             "302  302  302  302  302  302  302  302  302")
R("password-set-done", "GET", G("/password/set/done/"),            PUBLIC_PAGE)
# --- fleet: offers (an open offer to the assignee), notifications, profile ---
R("fleet:offers", "GET", G("/offers/"),                            STAFF_PAGE)
R("fleet:offer-accept", "GET", lambda w: f"/offers/{w.offer.pk}/accept/", ONLY_POST)
R("fleet:offer-accept", "POST", lambda w: f"/offers/{w.offer.pk}/accept/",
                                                                   "L    L    L    L    L    403  302  403  403")
R("fleet:offer-decline", "GET", lambda w: f"/offers/{w.offer.pk}/decline/", ONLY_POST)
R("fleet:offer-decline", "POST", lambda w: f"/offers/{w.offer.pk}/decline/",
                                                                   "L    L    L    L    L    403  302  403  403",
  body=lambda w: {"reason": "Urlaub"})
R("fleet:offer-withdraw", "GET", lambda w: f"/offers/{w.offer.pk}/withdraw/", ONLY_POST)
R("fleet:offer-withdraw", "POST", lambda w: f"/offers/{w.offer.pk}/withdraw/",
                                                                   "L    L    L    L    L    403  403  302  302")
R("fleet:notifications", "GET", G("/notifications/"),              STAFF_PAGE)
R("fleet:notifications", "POST", G("/notifications/"),             "L    L    L    L    L    302  302  302  302")
R("fleet:profile", "GET", G("/profile/"),                          STAFF_PAGE)
R("fleet:profile", "POST", G("/profile/"),                         "L    L    L    L    L    302  302  302  302",
  body=lambda w: {"preferred_language": "en", "time_zone": "Europe/Berlin"})
# --- API token pages (one's own tokens: the token is the assignee's) ---
R("api-tokens:list", "GET", G("/profile/tokens/"),                 STAFF_PAGE)
R("api-tokens:list", "POST", G("/profile/tokens/"),                STAFF_PAGE,  # the new token is shown on the page, once
  body=lambda w: {"name": "ERP", "scope": "read", "expires_at": (w.today + timedelta(days=30)).isoformat()})
R("api-tokens:revoke", "GET", lambda w: f"/profile/tokens/{w.assignee_token_id}/revoke/", ONLY_POST)
R("api-tokens:revoke", "POST", lambda w: f"/profile/tokens/{w.assignee_token_id}/revoke/",
                                                                   "L    L    L    L    L    404  302  404  404")
# --- tickets: lists, the wizard's start, the QR code of an access code ---
R("tickets:list", "GET", G("/tickets/"),                           STAFF_PAGE)
R("tickets:archive", "GET", G("/tickets/archive/"),                STAFF_PAGE)
R("tickets:create", "GET", G("/tickets/new/"),                     STAFF_PAGE)
R("tickets:create", "POST", G("/tickets/new/"),                    "L    L    L    L    L    302  302  302  302",
  body=lambda w: {"template": w.template.pk, "title": "Tor klemmt"})
# The QR code carries the code's address: those who keep the codes in the settings (as the API).
R("tickets:access-code-qr", "GET", lambda w: f"/codes/{w.code_a.pk}/qr.svg", SETTINGS_PAGE)
# --- help (the staff manual behind the login; the code users' page open) ---
R("guide:index", "GET", G("/help/"),                               STAFF_PAGE)
R("guide:article", "GET", G("/help/fleet/"),                       STAFF_PAGE)
R("guide:portal", "GET", G("/c/help/"),                            PUBLIC_PAGE)
# --- the portal's doors about no ticket (code A; code_off: code A switched off) ---
R("portal:start", "GET", G("/c/"),                                 PUBLIC_PAGE)
R("portal:start", "POST", G("/c/"),                                "302  302  302  302  404  302  302  302  302",
  body=lambda w: {"code": w.code_a.entry_code})
R("portal:language", "GET", G("/c/language/"), ONLY_POST)
R("portal:language", "POST", G("/c/language/"),                    "302  302  302  302  302  302  302  302  302",
  body=lambda w: {"language": "en"})
# code_link's own link: it signs anyone holding it in (it is the key), until the code is off.
R("portal:link", "GET", lambda w: w.personal_link,                 "302  302  302  302  404  302  302  302  302")
R("portal:unsubscribe", "GET", lambda w: w.unsubscribe_link,       PUBLIC_PAGE)
R("portal:unsubscribe", "POST", lambda w: w.unsubscribe_link,      PUBLIC_PAGE)
# Code A's page: the name form for whoever has no identity of code A yet, the list for those who have.
R("portal:code", "GET", lambda w: f"/c/{w.code_a.token}/",         "200  200  200  200  404  200  200  200  200")
R("portal:code", "POST", lambda w: f"/c/{w.code_a.token}/",        "302  200  302  200  404  302  302  302  302",
  body=lambda w: {"display_name": "Neu Kunde", "preferred_language": "de"})
# Reporting needs an identity of code A: the others are sent to the code's page (R: nothing stored).
R("portal:new-ticket", "GET", lambda w: f"/c/{w.code_a.token}/new/", "302  200  302  200  404  302  302  302  302")
R("portal:new-ticket", "POST", lambda w: f"/c/{w.code_a.token}/new/", "R    302  R    302  404  R    R    R    R",
  body=lambda w: {"title": "Tor klemmt", "description": "Seit heute"})

# --- the staff ticket page and its actions (the ticket: code A's, made by another Mitarbeiter) ---
# Code users are no staff: every staff page sends them to the login page, whatever the ticket.
# A Mitarbeiter never sees another person's draft (404); from Zugewiesen on the assignee works on it.
SEES = per_state(draft="L L L L L 404 404 200 200", rest=STAFF_PAGE)
R("tickets:detail", "GET", lambda w: _t(w), SEES)
R("tickets:tab", "GET", lambda w: _t(w, "internal/"), SEES)
R("tickets:status-bar", "GET", lambda w: _t(w, "status-bar/"), SEES)
R("tickets:attachment", "GET", lambda w: _t(w, f"attachments/{w.attachment.pk}/"), SEES)
# The wizard is a draft's: a submitted ticket's wizard sends on to the ticket.
R("tickets:wizard", "GET", lambda w: _t(w, "wizard/general/"),
  per_state(draft="L L L L L 404 404 200 200", rest="L L L L L 302 302 302 302"))
R("tickets:wizard", "POST", lambda w: _t(w, "wizard/general/"),
  per_state(draft="L L L L L 404 404 302 302", rest="L L L L L R R R R"),
  body=lambda w: {"title": "Tor klemmt", "description": ""})
R("tickets:change-status", "GET", lambda w: _t(w, "status/"), ONLY_POST, ticket=T)
# SPEICHERN (the fields edited, state and visibility kept): who works on the ticket; closed and
# cancelled tickets are final (409).
R("tickets:change-status", "POST", lambda w: _t(w, "status/"), per_state(
    draft=      "L L L L L 404 404 302 302",
    open=       "L L L L L 403 403 302 302",
    assigned=   "L L L L L 403 302 302 302",
    in_progress="L L L L L 403 302 302 302",
    done=       "L L L L L 403 302 302 302",
    closed=     "L L L L L 409 409 409 409",
    cancelled=  "L L L L L 409 409 409 409",
), body=lambda w: {"target_status": w.ticket.status, "visibility": w.ticket.visibility, "expected_status": w.ticket.status,
                   "edit_fields": "1", "edit-title": "Pumpe 3 verliert viel Öl", "edit-description": ""})
R("tickets:post-update", "GET", lambda w: _t(w, "updates/new/"), ONLY_POST, ticket=T)
# An internal update: who works on it (the assignee still after closing), moderators and administrators.
R("tickets:post-update", "POST", lambda w: _t(w, "updates/new/"), per_state(
    draft=      "L L L L L 404 404 302 302",
    open=       "L L L L L 403 403 302 302",
    assigned=   "L L L L L 403 302 302 302",
    in_progress="L L L L L 403 302 302 302",
    done=       "L L L L L 403 302 302 302",
    closed=     "L L L L L 403 302 302 302",
    cancelled=  "L L L L L 403 403 302 302",
), body=lambda w: {"text": "Dichtung bestellt.", "internal": "1"})
# --- the Flottenmanagement tab's actions ---
for _name, _tail in [("fleet:assign", "fleet/assign/"), ("fleet:unassign", "fleet/unassign/"), ("fleet:send-offer", "fleet/offer/"),
                     ("fleet:forward", "fleet/forward/"), ("fleet:release", "fleet/release/"), ("fleet:claim", "fleet/claim/")]:
    R(_name, "GET", _staff_url(_tail), ONLY_POST, ticket=T)
# Assigning the unassigned Mitarbeiter, offering to them: moderators and administrators, while the
# ticket is open for work (two places: one is still free).
STEER = per_state(
    draft=      "L L L L L 404 404 409 409",
    open=       "L L L L L 403 403 302 302",
    assigned=   "L L L L L 403 403 302 302",
    in_progress="L L L L L 403 403 302 302",
    done=       "L L L L L 403 403 409 409",
    closed=     "L L L L L 403 403 409 409",
    cancelled=  "L L L L L 403 403 409 409",
)
R("fleet:assign", "POST", lambda w: _t(w, "fleet/assign/"), STEER, body=lambda w: {"user": w.users["staff"].pk})
R("fleet:send-offer", "POST", lambda w: _t(w, "fleet/offer/"), STEER, body=lambda w: {"user": w.users["staff"].pk})
# Taking the assignee off: moderators, administrators and the assignee themself (not assigned on Offen: 400).
R("fleet:unassign", "POST", lambda w: _t(w, "fleet/unassign/"), per_state(
    draft=      "L L L L L 404 404 409 409",
    open=       "L L L L L 403 400 400 400",
    assigned=   "L L L L L 403 302 302 302",
    in_progress="L L L L L 403 302 302 302",
    done=       "L L L L L 403 409 409 409",
    closed=     "L L L L L 403 409 409 409",
    cancelled=  "L L L L L 403 409 409 409",
), body=lambda w: {"user": w.users["assignee"].pk, "reason": "Krank"})
# Forwarding the assignee's place to the other Mitarbeiter: the assignee, or moderators and
# administrators on their behalf (issue 24, finding 9).
R("fleet:forward", "POST", lambda w: _t(w, "fleet/forward/"), per_state(
    draft=      "L L L L L 404 404 409 409",
    open=       "L L L L L 403 403 400 400",
    assigned=   "L L L L L 403 302 302 302",
    in_progress="L L L L L 403 302 302 302",
    done=       "L L L L L 403 409 409 409",
    closed=     "L L L L L 403 409 409 409",
    cancelled=  "L L L L L 403 403 409 409",
), body=lambda w: {"user": w.users["staff"].pk, "from_user": w.users["assignee"].pk, "reason": "Kennt die Anlage"})
# Leaving one's own place: only who has one (the others: 400, they are not assigned).
R("fleet:release", "POST", lambda w: _t(w, "fleet/release/"), per_state(
    draft=      "L L L L L 404 404 409 409",
    open=       "L L L L L 400 400 400 400",
    assigned=   "L L L L L 400 302 400 400",
    in_progress="L L L L L 400 302 400 400",
    done=       "L L L L L 409 409 409 409",
    closed=     "L L L L L 409 409 409 409",
    cancelled=  "L L L L L 409 409 409 409",
), body=lambda w: {"reason": "Ersatzteil fehlt"})
# Übernehmen: on an Offen ticket of a template that allows it, any staff member.
R("fleet:claim", "POST", lambda w: _t(w, "fleet/claim/"), per_state(
    draft=      "L L L L L 404 404 409 409",
    open=       "L L L L L 302 302 302 302",
    assigned=   "L L L L L 409 400 409 409",
    in_progress="L L L L L 409 400 409 409",
    done=       "L L L L L 409 400 409 409",
    closed=     "L L L L L 409 400 409 409",
    cancelled=  "L L L L L 409 409 409 409",
))
# --- video sessions (staff who see the ticket plan and steer; none on drafts, closed or cancelled) ---
R("videosessions:create", "GET", lambda w: _t(w, "video/new/"), ONLY_POST, ticket=T)
R("videosessions:start-now", "GET", lambda w: _t(w, "video/start-now/"), ONLY_POST, ticket=T)
R("videosessions:transition", "GET", lambda w: _t(w, f"video/{w.video_session.pk}/end/"), ONLY_POST, ticket=T)
R("videosessions:snapshot-upload", "GET", lambda w: f"/video/{w.video_session.pk}/snapshots/", ONLY_POST, ticket=T)
NEW_SESSION = per_state(draft="L L L L L 404 404 409 409", closed="L L L L L 409 409 409 409",
                        cancelled="L L L L L 409 409 409 409", rest="L L L L L 302 302 302 302")
R("videosessions:create", "POST", lambda w: _t(w, "video/new/"), NEW_SESSION,
  body=lambda w: {"title": "Pumpe ansehen", "when": "now", "visibility": "internal"})
R("videosessions:start-now", "POST", lambda w: _t(w, "video/start-now/"), NEW_SESSION)
# Ending the running session: whoever sees the ticket (a closed ticket's sessions are wound down).
R("videosessions:transition", "POST", lambda w: _t(w, f"video/{w.video_session.pk}/end/"),
  per_state(draft="L L L L L 404 404 302 302", rest="L L L L L 302 302 302 302"))
R("videosessions:call", "GET", lambda w: f"/video/{w.video_session.pk}/", SEES)
R("videosessions:snapshot", "GET", lambda w: f"/video/{w.video_session.pk}/snapshots/{w.snapshot.pk}/", SEES)
# A snapshot becomes an internal update: who may post one (as tickets:post-update).
R("videosessions:snapshot-upload", "POST", lambda w: f"/video/{w.video_session.pk}/snapshots/", per_state(
    draft=      "L L L L L 404 404 201 201",
    open=       "L L L L L 403 403 201 201",
    assigned=   "L L L L L 403 201 201 201",
    in_progress="L L L L L 403 201 201 201",
    done=       "L L L L L 403 201 201 201",
    closed=     "L L L L L 403 201 201 201",
    cancelled=  "L L L L L 403 403 201 201",
), body=lambda w: {"image": _png("schnappschuss.png"), "text": "Hier"})

# --- the portal's ticket pages (code A's address of the ticket) ---
# A code user sees a ticket of their own, active code that is public and no draft: code_a and
# code_link (code A's users) see it; code B's user, a switched-off code and staff without a code
# identity get the portal's friendly 404, and so does everyone for a draft or an internal ticket.
NOBODY = "404  404  404  404  404  404  404  404  404"
CODE_A_SEES = "404 200 404 200 404 404 404 404 404"
PORTAL_SEES = per_state(draft=NOBODY, rest=CODE_A_SEES)
INTERNAL = {state: NOBODY for state in STATES}
R("portal:ticket", "GET", lambda w: _c(w), PORTAL_SEES, internal=INTERNAL)
R("portal:attachment", "GET", lambda w: _c(w, f"attachments/{w.attachment.pk}/"), PORTAL_SEES, internal=INTERNAL)
R("portal:video-call", "GET", lambda w: _c(w, f"video/{w.video_session.pk}/"), PORTAL_SEES, internal=INTERNAL)
R("portal:video-snapshot", "GET", lambda w: _c(w, f"video/{w.video_session.pk}/snapshots/{w.snapshot.pk}/"), PORTAL_SEES,
  internal=INTERNAL)
for _name, _tail in [("portal:post-update", "updates/"), ("portal:cancel", "cancel/"), ("portal:feedback", "feedback/"),
                     ("portal:problem", "problem/"), ("portal:video-request", "video/")]:
    R(_name, "GET", _portal_url(_tail), ONLY_POST, ticket=T)
R("portal:video-rate", "GET", lambda w: _c(w, f"video/{w.video_session.pk}/rate/"), ONLY_POST, ticket=T)
R("portal:video-snapshot-upload", "GET", lambda w: _c(w, f"video/{w.video_session.pk}/snapshots/"), ONLY_POST, ticket=T)
R("portal:video-transition", "GET", lambda w: _c(w, f"video/{w.video_session.pk}/end/"), ONLY_POST, ticket=T)
# Writing in a ticket they see, until it is closed or cancelled (409).
OPEN_TO_CODE_A = per_state(draft=NOBODY, closed="404 409 404 409 404 404 404 404 404",
                           cancelled="404 409 404 409 404 404 404 404 404", rest="404 302 404 302 404 404 404 404 404")
R("portal:post-update", "POST", lambda w: _c(w, "updates/"), OPEN_TO_CODE_A, internal=INTERNAL,
  body=lambda w: {"text": "Es tropft wieder."})
R("portal:video-request", "POST", lambda w: _c(w, "video/"), OPEN_TO_CODE_A, internal=INTERNAL,
  body=lambda w: {"note": "Am Vormittag"})
# Cancelling is the reporter's, while nobody works on it: the ticket is staff's report, so no code
# user may (403); closed and cancelled tickets are final (409).
R("portal:cancel", "POST", lambda w: _c(w, "cancel/"), per_state(
    draft=NOBODY, closed="404 409 404 409 404 404 404 404 404", cancelled="404 409 404 409 404 404 404 404 404",
    rest="404 403 404 403 404 404 404 404 404"), internal=INTERNAL)
# Rating and "the problem persists": the customers who take part (code_a; code_link does not: 403),
# when the ticket is Fertig (else 409).
ANSWER = per_state(draft=NOBODY, done="404 302 404 403 404 404 404 404 404", rest="404 409 404 403 404 404 404 404 404")
R("portal:feedback", "POST", lambda w: _c(w, "feedback/"), ANSWER, internal=INTERNAL,
  body=lambda w: {"stars": "5", "text": "Schnell gelöst"})
R("portal:problem", "POST", lambda w: _c(w, "problem/"), ANSWER, internal=INTERNAL, body=lambda w: {"text": "Tropft wieder"})
# Rating a session is for an ended one (this one runs: 409).
R("portal:video-rate", "POST", lambda w: _c(w, f"video/{w.video_session.pk}/rate/"),
  per_state(draft=NOBODY, rest="404 409 404 409 404 404 404 404 404"), internal=INTERNAL, body=lambda w: {"stars": "5"})
# A code user's snapshot is a public update: while the ticket takes updates (closed, cancelled: 403).
R("portal:video-snapshot-upload", "POST", lambda w: _c(w, f"video/{w.video_session.pk}/snapshots/"), per_state(
    draft=NOBODY, closed="404 403 404 403 404 404 404 404 404", cancelled="404 403 404 403 404 404 404 404 404",
    rest="404 201 404 201 404 404 404 404 404"), internal=INTERNAL,
  body=lambda w: {"image": _png("schnappschuss.png"), "text": "Hier"})
# Ending a session is staff's: a code user who sees it is refused (403).
R("portal:video-transition", "POST", lambda w: _c(w, f"video/{w.video_session.pk}/end/"),
  per_state(draft=NOBODY, rest="404 403 404 403 404 404 404 404 404"), internal=INTERNAL)

# --- settings (administration): Mitarbeiter never enter; moderators read, and keep the codes ---
_TPL = lambda w: f"/settings/templates/{w.settings_template.pk}/"
_FLD = lambda w: f"/settings/templates/{w.settings_template.pk}/fields/{w.field.pk}/"
_TEMPLATE_BODY = lambda w: {"name": "Wartung Presse (neu)", "default_visibility": "internal", "offer_recipients": "all",
                            "assignees_needed": "1", "offer_validity": "24", "creation_steps": ["fields", "access"]}
ADMIN_DOES = "L    L    L    L    L    403  403  403  302"
CODES_DOES = "L    L    L    L    L    403  403  302  302"
R("administration:overview", "GET", G("/settings/"), SETTINGS_PAGE)
R("administration:templates", "GET", G("/settings/templates/"), SETTINGS_PAGE)
R("administration:template-create", "GET", G("/settings/templates/new/"), ADMIN_PAGE)
R("administration:template-create", "POST", G("/settings/templates/new/"), ADMIN_DOES, body=_TEMPLATE_BODY)
R("administration:template-edit", "GET", _TPL, SETTINGS_PAGE)
R("administration:template-edit", "POST", _TPL, ADMIN_DOES, body=_TEMPLATE_BODY)
R("administration:template-field-add", "GET", lambda w: _TPL(w) + "fields/new/", ONLY_POST)
R("administration:template-field-add", "POST", lambda w: _TPL(w) + "fields/new/", ADMIN_DOES,
  body=lambda w: {"new-key": "halle", "new-label": "Halle", "new-field_type": "text"})
R("administration:template-field-edit", "GET", _FLD, ADMIN_PAGE)
R("administration:template-field-edit", "POST", _FLD, ADMIN_DOES,
  body=lambda w: {"key": "baujahr", "label": "Baujahr (neu)", "field_type": "text"})
R("administration:template-field-remove", "GET", lambda w: _FLD(w) + "remove/", ONLY_POST)
R("administration:template-field-remove", "POST", lambda w: _FLD(w) + "remove/", ADMIN_DOES)
R("administration:template-field-move", "GET", lambda w: _FLD(w) + "move/", ONLY_POST)
R("administration:template-field-move", "POST", lambda w: _FLD(w) + "move/", ADMIN_DOES, body=lambda w: {"direction": "up"})
R("administration:codes", "GET", G("/settings/codes/"), SETTINGS_PAGE)
R("administration:code-create", "GET", G("/settings/codes/new/"), SETTINGS_PAGE)
R("administration:code-create", "POST", G("/settings/codes/new/"), CODES_DOES,
  body=lambda w: {"label": "Presse 8", "template": w.template.pk})
R("administration:code-labels", "GET", G("/settings/codes/labels/"), "L L L L L 403 403 302 302")  # no codes chosen: back to the list
R("administration:code-edit", "GET", lambda w: f"/settings/codes/{w.code_b.pk}/", SETTINGS_PAGE)
R("administration:code-edit", "POST", lambda w: f"/settings/codes/{w.code_b.pk}/", CODES_DOES,
  body=lambda w: {"label": "Kran 2 (Halle 3)", "template": w.template.pk, "is_active": "on"})
R("administration:code-set-active", "GET", lambda w: f"/settings/codes/{w.code_b.pk}/active/", ONLY_POST)
R("administration:code-set-active", "POST", lambda w: f"/settings/codes/{w.code_b.pk}/active/", CODES_DOES,
  body=lambda w: {"is_active": "0"})
R("administration:code-revoke-links", "GET", lambda w: f"/settings/codes/{w.code_b.pk}/links/revoke/", ONLY_POST)
R("administration:code-revoke-links", "POST", lambda w: f"/settings/codes/{w.code_b.pk}/links/revoke/", CODES_DOES)
R("administration:staff", "GET", G("/settings/staff/"), SETTINGS_PAGE)
R("administration:staff-invite", "GET", G("/settings/staff/invite/"), ADMIN_PAGE)
R("administration:staff-invite", "POST", G("/settings/staff/invite/"), ADMIN_DOES,
  body=lambda w: {"username": "neu.kollege", "first_name": "Nele", "last_name": "Neu", "email": "neu@example.org",
                  "role": "Mitarbeiter", "preferred_language": "de", "time_zone": "Europe/Berlin"})
R("administration:staff-edit", "GET", lambda w: f"/settings/staff/{w.member.pk}/", SETTINGS_PAGE)
R("administration:staff-edit", "POST", lambda w: f"/settings/staff/{w.member.pk}/", ADMIN_DOES,
  body=lambda w: {"first_name": "Theodor", "last_name": "Ziel", "email": w.member.email, "role": "Mitarbeiter",
                  "preferred_language": "de", "time_zone": "Europe/Berlin"})
for _name, _member, _tail in [("administration:staff-deactivate", "member", "deactivate/"),
                              ("administration:staff-reactivate", "inactive_member", "reactivate/"),
                              ("administration:staff-resend-invitation", "member", "invitation/")]:
    _url = _member_url(_member, _tail)
    R(_name, "GET", _url, ONLY_POST)
    R(_name, "POST", _url, ADMIN_DOES)
R("administration:webhooks", "GET", G("/settings/webhooks/"), ADMIN_PAGE)
R("administration:webhook-create", "GET", G("/settings/webhooks/new/"), ADMIN_PAGE)
R("administration:webhook-create", "POST", G("/settings/webhooks/new/"), ADMIN_DOES,
  body=lambda w: {"url": "http://127.0.0.1:9/erp", "event_types": ["ticket.created"]})
R("administration:webhook-edit", "GET", lambda w: f"/settings/webhooks/{w.endpoint.pk}/", ADMIN_PAGE)
R("administration:webhook-edit", "POST", lambda w: f"/settings/webhooks/{w.endpoint.pk}/", ADMIN_DOES,
  body=lambda w: {"url": "http://127.0.0.1:9/erp2", "event_types": ["ticket.created"]})
for _name, _tail, _body in [
    ("administration:webhook-set-active", "active/", lambda w: {"is_active": "0"}),
    ("administration:webhook-rotate-secret", "secret/", None),
    ("administration:webhook-send-test", "test/", None),
    ("administration:webhook-delete", "delete/", None),
]:
    _url = _webhook_url(_tail)
    R(_name, "GET", _url, ONLY_POST)
    R(_name, "POST", _url, ADMIN_DOES, body=_body)
R("administration:webhook-resend", "GET", lambda w: f"/settings/webhooks/{w.endpoint.pk}/deliveries/{w.delivery.pk}/resend/", ONLY_POST)
R("administration:webhook-resend", "POST", lambda w: f"/settings/webhooks/{w.endpoint.pk}/deliveries/{w.delivery.pk}/resend/", ADMIN_DOES)
# --- the admin site: one row per door. No role is Django staff (is_staff): every visitor, an
# Administrator too, is sent to the admin's own login (302); only a superuser enters. ---
R("admin:index", "GET", G("/admin/"),                                "302  302  302  302  302  302  302  302  302")
R("admin:login", "GET", G("/admin/login/"),                          PUBLIC_PAGE)
R("admin:tickets_ticket_changelist", "GET", G("/admin/tickets/ticket/"), "302  302  302  302  302  302  302  302  302")
# --- the API's reference (staff only: the schema like an API endpoint, the page like a staff page) ---
R("api-schema", "GET", G("/api/schema/"),                            "401  401  401  401  401  200  200  200  200")
R("api-docs", "GET", G("/api/docs/"),                                STAFF_PAGE)
R("^api/", "GET", G("/api/nirgendwo/"),                              NOBODY)


# --- completeness: a row for every page, no row for a page that does not exist ------------------

ADMIN_DOORS = {"admin:index", "admin:login", "admin:tickets_ticket_changelist"}


def url_patterns() -> dict[str, str]:
    """Every page's pattern outside the REST API: {"namespace:name" (or the route, unnamed): route}."""
    found: dict[str, str] = {}

    def walk(patterns, prefix: str, namespace: str | None):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                inner = ":".join(filter(None, [namespace, pattern.namespace])) or None
                walk(pattern.url_patterns, route, inner)
                continue
            assert isinstance(pattern, URLPattern)
            if route.startswith("api/v1/"):
                continue  # tests/api/test_permission_matrix.py
            key = f"{namespace}:{pattern.name}" if namespace and pattern.name else (pattern.name or route)
            found.setdefault(key, route)

    walk(get_resolver().url_patterns, "", None)
    return found


def test_the_matrix_has_a_row_for_every_page_and_only_for_those():
    patterns = url_patterns()
    rows = {row.name for row in ROWS}
    keys = [(row.name, row.method) for row in ROWS]
    assert len(keys) == len(set(keys)), "a page and method have two rows"
    # The admin site is Django's own: one row per door (its index, its login, one model's
    # changelist) stands for all its patterns, which answer alike (staff with is_staff only).
    needed = {name for name, route in patterns.items() if not route.startswith("admin/")} | ADMIN_DOORS
    missing = sorted(needed - rows)
    assert not missing, f"pages without a row in the permission matrix: {missing}"
    extra = sorted(rows - set(patterns))
    assert not extra, f"rows for pages that do not exist: {extra}"
    assert any(name.endswith("_changelist") for name in rows & set(patterns))
    assert len(needed) >= 90, len(needed)


def test_every_row_names_an_answer_for_every_actor_and_state():
    for row in ROWS:
        assert row.method in ("GET", "POST"), row.name
        for state, visibility in _variants(row):
            line = row.line(state, visibility)
            assert line is not None and len(line) == len(ACTORS), (row.name, row.method, state, visibility, line)
        if isinstance(row.expect, dict):
            assert set(row.expect) == set(STATES), row.name
            assert set(row.internal) <= set(STATES), row.name


def test_every_post_row_has_a_get_row():
    """GET for every page (a POST-only page answers it with 405)."""
    gets = {row.name for row in ROWS if row.method == "GET"}
    assert {row.name for row in ROWS if row.method == "POST"} <= gets


# --- the generated cases -------------------------------------------------------------------------


ONE_VARIANT = [("in_progress", "public")]


def _variants(row: Row):
    """The ticket variants a row runs in: where the answer can differ. A staff page answers staff
    alike for both visibilities (staff rights do not depend on it) and sends code users to the
    login page before it looks at the ticket: its states, on a public ticket. The portal's pages
    (``internal=`` lines) run on both visibilities."""
    if not row.per_ticket:
        return [(None, None)]
    if isinstance(row.expect, str):
        return ONE_VARIANT
    visibilities = VISIBILITIES if row.internal else ("public",)
    return [(state, visibility) for visibility in visibilities for state in STATES]


def _cases():
    for row in ROWS:
        for state, visibility in _variants(row):
            variant = f"{state}-{visibility}" if state else "-"
            yield pytest.param(row, state, visibility, id=f"{row.method} {row.name} | {variant}")


@pytest.fixture(autouse=True)
def _media_in_tmp():
    """Instead of tests/conftest.py's folder per test: the cases use the worlds' folder."""


@dataclass
class Worlds:
    by_variant: dict[tuple[str | None, str | None], World]
    media: object
    built: dict  # snapshot() of the worlds as built: where every request starts


@pytest.fixture(scope="module")
def worlds(django_db_setup, django_db_blocker, tmp_path_factory):
    """Every world, built once in a transaction rolled back at the end of the module (as in the API
    matrix: see there for what a savepoint per request keeps equal to a fresh world)."""
    media = tmp_path_factory.mktemp("page-matrix-media")
    with django_db_blocker.unblock(), transaction.atomic():
        with override_settings(PASSWORD_HASHERS=FAST_HASHER, MEDIA_ROOT=media, **WEBHOOK_SETTINGS):
            by_variant = {(None, None): World()}
            by_variant.update({(s, v): World(s, v) for s in STATES for v in VISIBILITIES})
            for world in by_variant.values():
                world.build_all()
            for row in ROWS:
                for state, visibility in _variants(row):
                    row.url(by_variant[state, visibility])
        yield Worlds(by_variant, media, snapshot())
        transaction.set_rollback(True)


def _answer(response) -> str:
    if response.status_code == 302 and response["Location"].startswith("/login/"):
        return "L"
    return str(response.status_code)


def _refused(answer: str) -> bool:
    """What must leave the data as it was: a refusal, the login page, a redirect that did nothing."""
    return answer in ("L", "R") or int(answer) >= 400


def _send(world: World, row: Row, actor: str):
    client = world.client(actor)
    if row.method == "GET":
        return client.get(row.url(world))
    return client.post(row.url(world), row.body(world) if row.body else {})


@pytest.mark.django_db
@pytest.mark.parametrize(("row", "state", "visibility"), list(_cases()))
def test_page(worlds, settings, row, state, visibility):
    from django.core.cache import cache

    settings.MEDIA_ROOT = worlds.media
    for name, value in WEBHOOK_SETTINGS.items():
        setattr(settings, name, value)
    world = worlds.by_variant[state, visibility]
    expected = row.line(state, visibility)
    answers, unchanged = [], []
    for index, actor in enumerate(ACTORS):
        cache.clear()  # throttle counts (portal code entry, logins) start afresh for every actor
        with translation.override("de"), transaction.atomic():
            world.prepare(actor)
            checks = row.method == "POST" and expected is not None and _refused(expected[index])
            # Where the request starts: the world as built (code_off's code switched off first).
            before = snapshot() if checks and actor == "code_off" else worlds.built
            answer = _answer(_send(world, row, actor))
            if checks:
                same = snapshot() == before
                unchanged.append((actor, same))
                if expected[index] == "R" and answer == "302" and same:
                    answer = "R"
            answers.append(answer)
            transaction.set_rollback(True)
    assert expected is not None, f"no expectation yet; the product answers: {' '.join(answers)}"
    assert dict(zip(ACTORS, answers)) == dict(zip(ACTORS, expected))
    changed = [actor for actor, same in unchanged if not same]
    assert not changed, f"a refused POST changed data: {changed}"
