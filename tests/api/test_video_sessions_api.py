"""The REST API's video sessions: a ticket's list, planning or starting one, one session with its
record (who was in the call, the snapshots, where to join) and steering it, each refusal in the one
error body and with nothing stored."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from api.models import TokenScope
from tests.api.conftest import client_with, token_for
from tests.factories import AccessCodeFactory, CodeUserFactory, make_ticket, png_bytes
from tickets import services as ticket_services
from tickets.choices import HistoryAction, Status, Visibility
from tickets.models import TicketHistory, TicketUpdate
from videosessions import services
from videosessions.models import Participation, VideoSession

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(crew, template):
    """A public ticket In Bearbeitung on an access code, Mia works on it."""
    return make_ticket(
        Status.IN_PROGRESS, template=template, access_code=AccessCodeFactory(template=template),
        visibility=Visibility.PUBLIC, assignees=[crew["mia"]],
    )


def _url(ticket, tail: str = "") -> str:
    return f"/api/v1/tickets/{ticket.number}/video-sessions/{tail}"


def _state() -> list:
    """What a refused request must leave as it was."""
    return [
        sorted(VideoSession.objects.values_list("pk", "state", "title", "planned_at", "started_at", "ended_at")),
        TicketHistory.objects.count(),
        Participation.objects.count(),
    ]


def _held_session(ticket, staff, customer):
    """A public call that took place: staff and the customer were in it, two snapshots were kept."""
    session = services.session_create(staff, ticket, title="Pumpe gemeinsam ansehen", visibility=Visibility.PUBLIC)
    stay = services.session_join(staff, session, channel="c1")
    services.session_join(customer, session, channel="c2")
    internal = services.snapshot_store(staff, session, image=SimpleUploadedFile("a.png", png_bytes(), content_type="image/png"), text="Ventil")
    public = services.snapshot_store(customer, session, image=SimpleUploadedFile("b.png", png_bytes(), content_type="image/png"))
    services.session_leave(stay.pk)
    services.session_transition(staff, session, "end")
    return session, internal, public


def test_the_list_shows_every_session_of_the_ticket_to_staff_newest_first(crew, api_client, ticket):
    customer = CodeUserFactory(access_code=ticket.access_code, display_name="Eva Kunde")
    held, _internal, _public = _held_session(ticket, crew["mia"], customer)
    asked = services.session_request(customer, ticket, note="Bitte morgen früh")
    internal = services.session_create(crew["moderator"], ticket, title="Intern besprechen")
    response = api_client(crew["jonas"]).get(_url(ticket))  # not assigned: staff see the ticket's sessions
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [internal.pk, asked.pk, held.pk]
    assert [(row["state"], row["visibility"], row["created_by"]) for row in rows] == [
        ("requested", "internal", {"kind": "staff", "id": crew["moderator"].pk, "name": "Moritz Berger"}),
        ("requested", "public", {"kind": "code_user", "id": customer.pk, "name": "Eva Kunde"}),
        ("ended", "public", {"kind": "staff", "id": crew["mia"].pk, "name": "Mia Schneider"}),
    ]
    assert rows[2]["url"] == f"http://testserver/api/v1/tickets/{ticket.number}/video-sessions/{held.pk}/"
    assert (rows[2]["state_label"], rows[2]["provider"], rows[2]["in_call"]) == ("Ended", "mesh", 0)


def test_the_list_costs_the_same_queries_for_one_and_many_sessions(crew, api_client, ticket):
    client = api_client(crew["mia"])
    services.session_create(crew["mia"], ticket, title="Eins")
    assert client.get(_url(ticket)).status_code == 200  # the token's first use is recorded once
    with CaptureQueriesContext(connection) as one:
        assert client.get(_url(ticket)).status_code == 200
    for title in ("Zwei", "Drei", "Vier"):
        services.session_create(crew["mia"], ticket, title=title)
    with CaptureQueriesContext(connection) as four:
        assert len(client.get(_url(ticket)).json()["results"]) == 4
    assert len(four) == len(one)


def test_one_session_with_its_record_snapshots_and_no_way_to_join_once_ended(crew, api_client, ticket):
    customer = CodeUserFactory(access_code=ticket.access_code, display_name="Eva Kunde")
    held, internal, public = _held_session(ticket, crew["mia"], customer)
    held.refresh_from_db()
    body = api_client(crew["jonas"]).get(_url(ticket, f"{held.pk}/")).json()
    assert (body["state"], body["provider"], body["join_url"], body["transitions"]) == ("ended", "mesh", None, [])
    assert body["duration_seconds"] == int((held.ended_at - held.started_at).total_seconds())
    assert parse_datetime(body["started_at"]) == held.started_at and parse_datetime(body["ended_at"]) == held.ended_at
    assert [(p["kind"], p["id"], p["name"], p["left_at"] is not None) for p in body["participants"]] == [
        ("staff", crew["mia"].pk, "Mia Schneider", True), ("code_user", customer.pk, "Eva Kunde", True),
    ]
    # Staff see the internal snapshot and the customer's public one, with the updates they are kept in.
    assert [(s["id"], s["update"], s["kind"]) for s in body["snapshots"]] == [
        (internal.pk, internal.update_id, "internal"), (public.pk, public.update_id, "public"),
    ]
    attachment = internal.update.attachments.get()
    assert body["snapshots"][0]["image_url"] == f"http://testserver/api/v1/tickets/{ticket.number}/attachments/{attachment.pk}/"
    picture = api_client(crew["jonas"]).get(body["snapshots"][0]["image_url"])
    assert (picture.status_code, picture["Content-Type"]) == (200, "image/png")


def test_a_planned_session_says_where_to_join_and_what_the_caller_may_do(crew, api_client, ticket, settings):
    planned = services.session_create(crew["mia"], ticket, title="Dichtung", planned_at=timezone.now() + timedelta(days=1))
    body = api_client(crew["jonas"]).get(_url(ticket, f"{planned.pk}/")).json()
    assert (body["state"], body["join_url"], body["transitions"]) == (
        "requested", f"http://testserver/video/{planned.pk}/", ["confirm", "start", "cancel"]
    )
    assert (body["duration_seconds"], body["participants"], body["snapshots"]) == (None, [], [])
    settings.VIDEO_JITSI_URL = "https://meet.example.org"
    jitsi = services.session_create(crew["mia"], ticket, title="Großer Kreis")
    body = api_client(crew["jonas"]).get(_url(ticket, f"{jitsi.pk}/")).json()
    assert (body["provider"], body["join_url"]) == ("jitsi", f"https://meet.example.org/{jitsi.room}")


def test_plan_one_for_later_and_start_one_now(crew, api_client, ticket):
    client = api_client(crew["jonas"])
    planned_at = (timezone.now() + timedelta(days=2)).replace(microsecond=0)
    response = client.post(_url(ticket), {"title": "Ventil ansehen", "planned_at": planned_at.isoformat(), "visibility": "public"}, format="json")
    assert response.status_code == 201
    body = response.json()
    session = VideoSession.objects.get()
    assert (body["id"], body["state"], body["visibility"], parse_datetime(body["planned_at"])) == (
        session.pk, "requested", "public", planned_at
    )
    assert (session.title, session.created_by, session.planned_at) == ("Ventil ansehen", crew["jonas"], planned_at)
    assert TicketHistory.objects.filter(ticket=ticket, action=HistoryAction.VIDEO, new_value="requested").count() == 1
    before = timezone.now()
    now = client.post(_url(ticket), {"title": "Sofort"}, format="json").json()
    assert (now["visibility"], now["transitions"]) == ("internal", ["confirm", "start", "cancel"])
    assert before <= parse_datetime(now["planned_at"]) <= timezone.now()


@pytest.mark.parametrize(
    "payload, field",
    [({}, "title"), ({"title": ""}, "title"), ({"title": "   "}, "title"), ({"title": "x" * 201}, "title"),
     ({"title": "Ventil", "visibility": "geheim"}, "visibility"), ({"title": "Ventil", "planned_at": "morgen"}, "planned_at"),
     ({"title": "Ventil", "planned_at": "past"}, "planned_at"), ({"title": "Ventil", "planned_at": "next_year"}, "planned_at")],
)
def test_bad_plans_are_field_errors_and_store_nothing(crew, api_client, ticket, payload, field):
    moments = {"past": timezone.now() - timedelta(hours=1), "next_year": timezone.now() + timedelta(days=366)}
    if payload.get("planned_at") in moments:
        payload = {**payload, "planned_at": moments[payload["planned_at"]].isoformat()}
    before = _state()
    response = api_client(crew["mia"]).post(_url(ticket), payload, format="json")
    assert response.status_code == 400, response.content
    assert (response.json()["code"], list(response.json()["errors"])) == ("invalid", [field])
    assert _state() == before


def test_the_domains_words_for_a_time_too_far_ahead_and_a_public_session_on_an_internal_ticket(crew, api_client, template):
    internal = make_ticket(Status.IN_PROGRESS, template=template, visibility=Visibility.INTERNAL, assignees=[crew["mia"]])
    client = api_client(crew["mia"])
    far = client.post(_url(internal), {"title": "x", "planned_at": (timezone.now() + timedelta(days=400)).isoformat()}, format="json")
    assert far.json() == {
        "code": "invalid", "message": "The planned time is more than a year ahead.",
        "errors": {"planned_at": ["The planned time is more than a year ahead."]}, "current_status": None,
    }
    public = client.post(_url(internal), {"title": "x", "visibility": "public"}, format="json")
    assert (public.status_code, public.json()["errors"]) == (
        400, {"visibility": ["An internal ticket has internal video sessions only."]}
    )
    assert VideoSession.objects.count() == 0


def test_steering_a_session_through_its_lifecycle(crew, api_client, ticket):
    session = services.session_create(crew["mia"], ticket, title="Dichtung", visibility=Visibility.PUBLIC)
    client = api_client(crew["jonas"])
    url = _url(ticket, f"{session.pk}/transitions/")
    planned_at = (timezone.now() + timedelta(hours=3)).replace(microsecond=0)
    confirmed = client.post(url + "confirm/", {"expected_state": "requested", "planned_at": planned_at.isoformat()}, format="json")
    assert confirmed.status_code == 200, confirmed.content
    assert (confirmed.json()["state"], parse_datetime(confirmed.json()["planned_at"])) == ("confirmed", planned_at)
    assert confirmed.json()["transitions"] == ["start", "cancel"]
    started = client.post(url + "start/", {}, format="json")
    assert (started.status_code, started.json()["state"], started.json()["transitions"]) == (200, "running", ["end"])
    assert started.json()["join_url"] == f"http://testserver/video/{session.pk}/"
    ended = client.post(url + "end/", {"reason": "Erledigt"}, format="json")
    assert (ended.status_code, ended.json()["state"], ended.json()["join_url"]) == (200, "ended", None)
    assert ended.json()["duration_seconds"] is not None
    history = TicketHistory.objects.filter(ticket=ticket, action=HistoryAction.VIDEO).order_by("id")
    assert [(h.old_value, h.new_value, h.actor) for h in history][1:] == [
        ("requested", "confirmed", crew["jonas"]), ("confirmed", "running", crew["jonas"]), ("running", "ended", crew["jonas"]),
    ]
    assert history.last().reason == "Erledigt"


def test_refused_transitions_answer_like_the_tickets_and_change_nothing(crew, api_client, ticket):
    session = services.session_create(crew["mia"], ticket, title="Dichtung")
    client = api_client(crew["jonas"])
    url = _url(ticket, f"{session.pk}/transitions/")
    before = _state()
    cases = [
        ("end/", {}, 409, {
            "code": "wrong_state", "message": "“End” is not possible while the video session is Requested.",
            "errors": {}, "current_status": "requested",
        }),
        ("start/", {"expected_state": "confirmed"}, 409, {
            "code": "stale", "message": "The video session was changed meanwhile: it is now Requested.",
            "errors": {}, "current_status": "requested",
        }),
        ("start/", {"planned_at": (timezone.now() + timedelta(hours=1)).isoformat()}, 400, {
            "code": "invalid", "message": "A time is set only when confirming.",
            "errors": {"planned_at": ["A time is set only when confirming."]}, "current_status": None,
        }),
        ("confirm/", {"planned_at": (timezone.now() + timedelta(days=366)).isoformat()}, 400, {
            "code": "invalid", "message": "The planned time is more than a year ahead.",
            "errors": {"planned_at": ["The planned time is more than a year ahead."]}, "current_status": None,
        }),
        ("explode/", {}, 400, {"code": "invalid", "message": "Unknown action.", "errors": {"transition": ["Unknown action."]}, "current_status": None}),
        ("miss/", {}, 403, {
            "code": "permission_denied", "message": "You are not allowed to do “Mark as missed” on this video session.",
            "errors": {}, "current_status": "requested",
        }),
    ]
    for tail, payload, code, body in cases:
        response = client.post(url + tail, payload, format="json")
        assert (response.status_code, response.json()) == (code, body), tail
    for payload, field in (({"expected_state": "bogus"}, "expected_state"), ({"planned_at": "morgen"}, "planned_at"),
                           ({"reason": "x" * 2001}, "reason")):
        response = client.post(url + "confirm/", payload, format="json")
        assert (response.status_code, list(response.json()["errors"])) == (400, [field])
    assert _state() == before


def test_unknown_sessions_and_other_tickets_sessions_are_404(crew, api_client, ticket, template):
    other = make_ticket(Status.IN_PROGRESS, template=template, assignees=[crew["mia"]])
    elsewhere = services.session_create(crew["mia"], other, title="Anderswo")
    draft = make_ticket(Status.DRAFT, creator=crew["jonas"], template=template)
    client = api_client(crew["mia"])
    not_found = {"code": "not_found", "message": "This video session does not exist.", "errors": {}, "current_status": None}
    before = _state()
    for method, path in (
        ("get", _url(ticket, "999999/")), ("get", _url(ticket, f"{elsewhere.pk}/")),
        ("post", _url(ticket, f"{elsewhere.pk}/transitions/start/")), ("post", _url(ticket, "999999/transitions/start/")),
    ):
        response = getattr(client, method)(path, {}, format="json")
        assert (response.status_code, response.json()) == (404, not_found), path
    for method in ("get", "post"):  # somebody else's draft: as if it did not exist
        response = getattr(client, method)(_url(draft), {"title": "x"}, format="json")
        assert (response.status_code, response.json()["message"]) == (404, "There is no such ticket, or you may not see it.")
    assert client.get(_url(ticket, "1234567890123/")).status_code == 404  # past the id's digits: no such address
    assert _state() == before


def test_a_closed_tickets_sessions_are_only_called_off_or_ended(crew, api_client, ticket):
    """The decision (videosessions.rules.ticket_takes_calls): once the ticket is closed, its sessions
    are wound down, never confirmed or started; no new ones are planned."""
    planned = services.session_create(crew["mia"], ticket, title="Abnahme", planned_at=timezone.now() + timedelta(days=1))
    running = services.session_create(crew["mia"], ticket, title="Läuft noch")
    services.session_join(crew["mia"], running, channel="c1")
    for name in ("finish", "close"):
        ticket_services.ticket_transition(crew["mia"], ticket, name)
    client = api_client(crew["moderator"])
    assert client.get(_url(ticket, f"{planned.pk}/")).json()["transitions"] == ["cancel"]
    assert client.get(_url(ticket, f"{planned.pk}/")).json()["join_url"] is None
    before = _state()
    created = client.post(_url(ticket), {"title": "Noch eine"}, format="json")
    assert (created.status_code, created.json()["code"], created.json()["current_status"]) == (409, "wrong_state", "closed")
    for name in ("confirm", "start"):
        response = client.post(_url(ticket, f"{planned.pk}/transitions/{name}/"), {}, format="json")
        assert (response.status_code, response.json()) == (409, {
            "code": "condition_unmet",
            "message": "The ticket is no longer being worked on: its video sessions can only be called off or ended.",
            "errors": {}, "current_status": "requested",
        })
    assert _state() == before
    cancelled = client.post(_url(ticket, f"{planned.pk}/transitions/cancel/"), {"reason": "Ticket ist zu"}, format="json")
    ended = client.post(_url(ticket, f"{running.pk}/transitions/end/"), {}, format="json")
    assert (cancelled.json()["state"], ended.json()["state"]) == ("cancelled", "ended")


def test_tokens_read_only_tokens_and_the_anonymous(crew, ticket):
    session = services.session_create(crew["mia"], ticket, title="Dichtung")
    reader = client_with(token_for(crew["admin"], TokenScope.READ))
    assert reader.get(_url(ticket)).status_code == 200
    assert reader.get(_url(ticket, f"{session.pk}/")).status_code == 200
    before = _state()
    for path, payload in ((_url(ticket), {"title": "x"}), (_url(ticket, f"{session.pk}/transitions/start/"), {})):
        refused = reader.post(path, payload, format="json")
        assert (refused.status_code, refused.json()["message"]) == (403, "This token may only read.")
        anonymous = client_with(None).post(path, payload, format="json")
        assert (anonymous.status_code, anonymous["WWW-Authenticate"]) == (401, 'Bearer realm="api"')
    assert client_with(None).get(_url(ticket)).status_code == 401
    assert _state() == before
    assert TicketUpdate.objects.count() == 0
