"""The REST API's tickets: the list with the page's rules and search, creating, reading, changing
and moving a ticket, each answer in the one error body."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api.models import TokenScope
from tests.api.conftest import client_with, token_for
from tests.factories import AccessCodeFactory, TemplateFieldFactory, TicketTemplateFactory, make_ticket
from tickets.choices import Status, Visibility
from tickets.models import Ticket, TicketHistory

pytestmark = pytest.mark.django_db


def _numbers(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["number"] for row in response.json()["results"]]


def test_the_list_shows_what_the_page_shows_and_hides_other_peoples_drafts(crew, api_client, template):
    mine = make_ticket(Status.DRAFT, creator=crew["mia"], template=template)
    theirs = make_ticket(Status.DRAFT, creator=crew["jonas"], template=template)
    open_one = make_ticket(Status.OPEN, template=template)
    assert _numbers(api_client(crew["mia"]).get("/api/v1/tickets/")) == [open_one.number, mine.number]
    assert _numbers(api_client(crew["moderator"]).get("/api/v1/tickets/")) == [open_one.number, theirs.number, mine.number]
    response = api_client(crew["mia"]).get(f"/api/v1/tickets/{theirs.number}/")
    assert response.status_code == 404
    assert response.json() == {
        "code": "not_found", "message": "There is no such ticket, or you may not see it.", "errors": {}, "current_status": None,
    }
    assert api_client(crew["mia"]).get("/api/v1/tickets/2026-999999/").json() == response.json()


def test_filters_search_and_ordering(crew, api_client, template):
    code = AccessCodeFactory(template=template)
    pump = make_ticket(Status.OPEN, template=template, title="Pumpe leckt", access_code=code)
    press = make_ticket(Status.IN_PROGRESS, template=template, title="Presse steht", assignees=[crew["mia"]], visibility=Visibility.INTERNAL)
    done = make_ticket(Status.DONE, template=template, title="Alte Pumpe", assignees=[crew["jonas"]])
    client = api_client(crew["mia"])
    assert _numbers(client.get("/api/v1/tickets/?status=open&status=done")) == [done.number, pump.number]
    assert _numbers(client.get("/api/v1/tickets/?visibility=internal")) == [press.number]
    assert _numbers(client.get(f"/api/v1/tickets/?access_code={code.pk}")) == [pump.number]
    assert _numbers(client.get(f"/api/v1/tickets/?assignee={crew['jonas'].pk}")) == [done.number]
    assert _numbers(client.get("/api/v1/tickets/?mine=true")) == [press.number]
    assert _numbers(client.get("/api/v1/tickets/?search=pumpe")) == [done.number, pump.number]
    assert _numbers(client.get("/api/v1/tickets/?ordering=title")) == [done.number, press.number, pump.number]
    Ticket.objects.filter(pk=pump.pk).update(updated_at=timezone.now() - timedelta(days=3))
    Ticket.objects.filter(pk__in=[press.pk, done.pk]).update(updated_at=timezone.now() - timedelta(days=1))
    since = (timezone.now() - timedelta(days=2)).isoformat()
    assert _numbers(client.get("/api/v1/tickets/", {"changed_since": since, "ordering": "number"})) == [press.number, done.number]


@pytest.mark.parametrize(
    "query, field",
    [("status=bogus", "status"), ("visibility=secret", "visibility"), ("template=abc", "template"),
     ("template=99999", "template"), ("assignee=x", "assignee"), ("changed_since=yesterday", "changed_since"),
     ("mine=perhaps", "mine"), ("search=" + "x" * 201, "search"), ("search=a%00b", "search")],
)
def test_a_bad_filter_is_a_field_error(crew, api_client, query, field):
    response = api_client(crew["mia"]).get(f"/api/v1/tickets/?{query}")
    assert response.status_code == 400
    body = response.json()
    assert (body["code"], list(body["errors"])) == ("invalid", [field])


def test_cursor_pages_neither_repeat_nor_skip_while_the_list_grows(crew, api_client, template):
    first = [make_ticket(Status.OPEN, template=template, title=f"T{i}") for i in range(5)]
    client = api_client(crew["mia"])
    page = client.get("/api/v1/tickets/?page_size=2&ordering=created_at").json()
    seen = [row["number"] for row in page["results"]]
    newer = make_ticket(Status.OPEN, template=template, title="later")
    while page["next"]:
        page = client.get(page["next"]).json()
        seen += [row["number"] for row in page["results"]]
    assert seen == [t.number for t in first] + [newer.number]


def test_the_list_costs_the_same_queries_for_few_and_many_tickets(crew, api_client, template):
    client = api_client(crew["mia"])
    make_ticket(Status.IN_PROGRESS, template=template, assignees=[crew["jonas"]])
    assert client.get("/api/v1/tickets/").status_code == 200  # the token's first use is recorded once

    with CaptureQueriesContext(connection) as few:
        assert client.get("/api/v1/tickets/").status_code == 200
    for _ in range(4):
        make_ticket(Status.IN_PROGRESS, template=template, assignees=[crew["jonas"], crew["moderator"]])
    with CaptureQueriesContext(connection) as many:
        assert len(client.get("/api/v1/tickets/").json()["results"]) == 5
    assert len(many.captured_queries) == len(few.captured_queries)


def test_create_a_draft_and_a_submitted_ticket(crew, api_client, template):
    TemplateFieldFactory(template=template, key="serial", label="Seriennummer", required=True)
    client = api_client(crew["mia"])
    draft = client.post("/api/v1/tickets/", {"template": template.pk, "title": "Förderband quietscht"}, format="json")
    assert draft.status_code == 201
    body = draft.json()
    assert (body["status"], body["visibility"], body["created_by"]["name"], body["completed_steps"]) == (
        "draft", template.default_visibility, "Mia Schneider", ["general", "access"]
    )
    refused = client.post("/api/v1/tickets/", {"template": template.pk, "title": "Band", "submit": True}, format="json")
    assert refused.status_code == 400
    assert list(refused.json()["errors"]) == ["serial"]
    assert Ticket.objects.count() == 1
    submitted = client.post(
        "/api/v1/tickets/",
        {"template": template.pk, "title": "Band", "submit": True, "visibility": "public", "custom_values": {"serial": "SN-4"}},
        format="json",
    )
    assert submitted.status_code == 201
    assert (submitted.json()["status"], submitted.json()["custom_values"]) == ("open", {"serial": "SN-4"})
    assert Ticket.objects.get(number=submitted.json()["number"]).status == Status.OPEN


@pytest.mark.parametrize(
    "payload, fields",
    [({"title": "x"}, ["template"]), ({"template": "eins", "title": "x"}, ["template"]),
     ({"template": None, "title": ""}, ["template", "title"]), ({"title": "   "}, ["template"]),
     ({"template": 1, "title": "x" * 201}, ["title"]), ({"template": 1, "title": "x", "visibility": "geheim"}, ["visibility"]),
     ({"template": 1, "title": "x", "custom_values": ["a"]}, ["custom_values"]), ({"template": 1, "title": "x", "submit": "vielleicht"}, ["submit"])],
)
def test_bad_creation_requests_are_field_errors_and_store_nothing(crew, api_client, template, payload, fields):
    payload = {**payload, "template": template.pk} if payload.get("template") == 1 else payload
    response = api_client(crew["mia"]).post("/api/v1/tickets/", payload, format="json")
    assert response.status_code == 400
    assert sorted(response.json()["errors"]) == fields
    assert Ticket.objects.count() == 0


def test_malformed_json_is_a_clear_400(crew, api_client):
    response = api_client(crew["mia"]).post("/api/v1/tickets/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "malformed"


def test_change_title_and_some_template_fields(crew, api_client, template):
    TemplateFieldFactory(template=template, key="serial", label="Seriennummer")
    TemplateFieldFactory(template=template, key="site", label="Standort")
    ticket = make_ticket(Status.IN_PROGRESS, template=template, assignees=[crew["mia"]])
    ticket.custom_values = {"serial": "A", "site": "Halle 1"}
    ticket.save()
    client = api_client(crew["mia"])
    response = client.patch(f"/api/v1/tickets/{ticket.number}/", {"title": "Neu", "custom_values": {"site": "Halle 2"}}, format="json")
    assert response.status_code == 200
    assert (response.json()["title"], response.json()["custom_values"]) == ("Neu", {"serial": "A", "site": "Halle 2"})
    assert TicketHistory.objects.filter(ticket=ticket, field="title", new_value="Neu").count() == 1
    unknown = client.patch(f"/api/v1/tickets/{ticket.number}/", {"custom_values": {"colour": "rot"}}, format="json")
    assert unknown.status_code == 400 and list(unknown.json()["errors"]) == ["colour"]
    ticket.refresh_from_db()
    assert (ticket.title, ticket.custom_values) == ("Neu", {"serial": "A", "site": "Halle 2"})


def test_a_closed_ticket_cannot_be_changed_and_a_stranger_may_not(crew, api_client, template):
    closed = make_ticket(Status.CLOSED, template=template, assignees=[crew["mia"]])
    response = api_client(crew["mia"]).patch(f"/api/v1/tickets/{closed.number}/", {"title": "Neu"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "wrong_state"
    working = make_ticket(Status.IN_PROGRESS, template=template, assignees=[crew["jonas"]])
    refused = api_client(crew["mia"]).patch(f"/api/v1/tickets/{working.number}/", {"title": "Neu"}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")
    working.refresh_from_db()
    assert working.title == "Pumpe 3 verliert Öl"


def test_transitions_say_what_is_possible_and_why_not(crew, api_client, template):
    ticket = make_ticket(Status.ASSIGNED, template=template, assignees=[crew["mia"]])
    body = api_client(crew["jonas"]).get(f"/api/v1/tickets/{ticket.number}/transitions/").json()
    options = {row["name"]: (row["allowed"], row["target"], row["reason"]) for row in body["transitions"]}
    assert body["status"] == "assigned"
    assert options["start"] == (False, "in_progress", "You are not allowed to do “Start work” on this ticket.")
    assert options["finish"] == (False, None, "“Finish” is not possible while the ticket is Assigned.")
    mine = api_client(crew["mia"]).get(f"/api/v1/tickets/{ticket.number}/transitions/").json()
    assert [row["name"] for row in mine["transitions"] if row["allowed"]] == ["start", "close", "release", "cancel"]


def test_performing_transitions_with_the_status_the_caller_saw(crew, api_client, template):
    ticket = make_ticket(Status.ASSIGNED, template=template, assignees=[crew["mia"]])
    mia = api_client(crew["mia"])
    url = f"/api/v1/tickets/{ticket.number}/transitions/"
    started = mia.post(url + "start/", {"expected_status": "assigned"}, format="json")
    assert (started.status_code, started.json()["status"]) == (200, "in_progress")
    stale = mia.post(url + "finish/", {"expected_status": "assigned"}, format="json")
    assert stale.status_code == 409
    assert stale.json() == {
        "code": "stale", "message": "The ticket was changed meanwhile: it is now In progress.", "errors": {},
        "current_status": "in_progress",
    }
    wrong = mia.post(url + "start/", {}, format="json")
    assert (wrong.status_code, wrong.json()["code"], wrong.json()["current_status"]) == (409, "wrong_state", "in_progress")
    stranger = api_client(crew["jonas"]).post(url + "finish/", {}, format="json")
    assert (stranger.status_code, stranger.json()["code"]) == (403, "permission_denied")
    unknown = mia.post(url + "explode/", {}, format="json")
    assert (unknown.status_code, unknown.json()["errors"]) == (400, {"transition": ["Unknown action."]})
    early = mia.post(url + "close/", {"reason": ""}, format="json")
    assert (early.status_code, list(early.json()["errors"])) == (400, ["reason"])
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    finished = mia.post(url + "finish/", {"expected_status": "in_progress", "reason": "Dichtung getauscht"}, format="json")
    assert finished.json()["status"] == "done"
    assert TicketHistory.objects.filter(ticket=ticket, new_value="done", reason="Dichtung getauscht").count() == 1


def test_who_is_not_logged_in_gets_401_with_the_bearer_challenge(db, crew):
    for header in (None, "Bearer lst_made_up", "Basic " + "bWlhOnNlY3JldA==", "Bearer"):
        client = client_with(None)
        if header:
            client.credentials(HTTP_AUTHORIZATION=header)
        response = client.get("/api/v1/tickets/")
        assert response.status_code == 401, header
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'
        assert response.json()["code"] == "not_authenticated"


def test_expired_revoked_and_deactivated_users_tokens_are_refused(crew):
    from api import services
    from api.models import ApiToken

    revoked, expired, deactivated = token_for(crew["mia"]), token_for(crew["mia"]), token_for(crew["jonas"])
    for raw in (revoked, expired, deactivated):
        assert client_with(raw).get("/api/v1/tickets/").status_code == 200
    services.token_revoke(crew["mia"], services.token_authenticate(revoked).pk)
    ApiToken.objects.filter(pk=services.token_authenticate(expired).pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    crew["jonas"].is_active = False
    crew["jonas"].save()
    for raw in (revoked, expired, deactivated):
        response = client_with(raw).get("/api/v1/tickets/")
        assert response.status_code == 401
        assert response.json()["message"] == "This token is not valid, has expired or was revoked."


def test_a_read_only_token_reads_and_changes_nothing(crew, api_client, template):
    ticket = make_ticket(Status.ASSIGNED, template=template, assignees=[crew["mia"]])
    reader = api_client(crew["mia"], TokenScope.READ)
    assert reader.get(f"/api/v1/tickets/{ticket.number}/").status_code == 200
    refused = reader.post(f"/api/v1/tickets/{ticket.number}/transitions/start/", {}, format="json")
    assert refused.status_code == 403
    assert refused.json()["message"] == "This token may only read."
    ticket.refresh_from_db()
    assert ticket.status == Status.ASSIGNED


def test_the_browser_session_works_with_csrf_only(crew, client, template):
    from rest_framework.test import APIClient

    ticket = make_ticket(Status.ASSIGNED, template=template, assignees=[crew["mia"]])
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(crew["mia"])
    assert browser.get(f"/api/v1/tickets/{ticket.number}/").status_code == 200
    refused = browser.post(f"/api/v1/tickets/{ticket.number}/transitions/start/", {}, format="json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"
    ticket.refresh_from_db()
    assert ticket.status == Status.ASSIGNED


def test_too_many_requests_per_token_are_429_with_retry_after(crew, settings):
    settings.API_THROTTLE_RATES = {"token": "3/hour", "user": "6/hour"}
    first, second = token_for(crew["mia"]), token_for(crew["mia"])
    for _ in range(3):
        assert client_with(first).get("/api/v1/tickets/").status_code == 200
    refused = client_with(first).get("/api/v1/tickets/")
    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled"
    assert int(refused["Retry-After"]) > 0
    # The other token has its own allowance, until the user's (all tokens together, refused
    # requests included: 4 so far) is used up.
    assert [client_with(second).get("/api/v1/tickets/").status_code for _ in range(3)] == [200, 200, 429]


def test_unknown_api_addresses_answer_the_api_404(crew, api_client):
    for url in ("/api/v1/nothing/", "/api/v2/tickets/", "/api/v1/tickets/not-a-number/"):
        response = api_client(crew["mia"]).get(url)
        assert (response.status_code, response.json()["code"]) == (404, "not_found"), url


def test_assign_and_release_follow_the_status_bar(crew, api_client, template):
    from fleet.models import Assignment

    ticket = make_ticket(Status.IN_PROGRESS, template=TicketTemplateFactory(assignees_needed=2), assignees=[crew["mia"], crew["jonas"]])
    url = f"/api/v1/tickets/{ticket.number}/transitions/"
    listed = {row["name"]: row for row in api_client(crew["admin"]).get(url).json()["transitions"]}
    assert (listed["release"]["allowed"], listed["release"]["target"]) == (True, "open")
    stranger = {row["name"]: row for row in api_client(crew["moderator"]).get(url).json()["transitions"]}["release"]
    assert (stranger["allowed"], stranger["reason"]) == (
        False, "Only administrators release a whole ticket; an assignee releases their own place in the Flottenmanagement tab.",
    )
    refused = api_client(crew["moderator"]).post(url + "release/", {}, format="json")
    assert refused.status_code == 403
    released = api_client(crew["admin"]).post(url + "release/", {"reason": "Neu planen", "expected_status": "in_progress"}, format="json")
    assert (released.status_code, released.json()["status"], released.json()["assignees"]) == (200, "open", [])
    assert Assignment.objects.filter(ticket=ticket).count() == 0

    missing = api_client(crew["moderator"]).post(url + "assign/", {}, format="json")
    assert (missing.status_code, list(missing.json()["errors"])) == (400, ["assignee"])
    assigned = api_client(crew["moderator"]).post(url + "assign/", {"assignee": crew["mia"].pk}, format="json")
    assert (assigned.json()["status"], [a["name"] for a in assigned.json()["assignees"]]) == ("assigned", ["Mia Schneider"])
    own_place = api_client(crew["mia"]).post(url + "release/", {}, format="json")
    assert (own_place.status_code, own_place.json()["status"], own_place.json()["assignees"]) == (200, "open", [])


def test_the_fast_row_rendering_equals_the_declared_fields(crew, template, rf):
    """TicketSerializer renders rows in one pass; the result is what its declared fields give."""
    from rest_framework import serializers as drf

    from api.serializers.tickets import TicketDetailSerializer, TicketSerializer
    from tickets import selectors

    code = AccessCodeFactory(template=template)
    make_ticket(Status.IN_PROGRESS, template=template, access_code=code, assignees=[crew["mia"], crew["jonas"]])
    make_ticket(Status.DRAFT, template=template, creator=crew["mia"])
    request = rf.get("/api/v1/tickets/")
    for serializer_class in (TicketSerializer, TicketDetailSerializer):
        for ticket in selectors.with_list_columns(selectors.tickets_for_staff(crew["mia"])):
            serializer = serializer_class(context={"request": request})
            assert serializer.to_representation(ticket) == dict(drf.ModelSerializer.to_representation(serializer, ticket))


def test_a_nul_character_in_template_fields_is_dropped_as_in_every_text(crew, api_client, template):
    """PostgreSQL stores no NUL character; titles and texts drop it (common.text), template fields too."""
    TemplateFieldFactory(template=template, key="serial", label="Seriennummer")
    ticket = make_ticket(Status.IN_PROGRESS, template=template, assignees=[crew["mia"]])
    response = api_client(crew["mia"]).patch(f"/api/v1/tickets/{ticket.number}/", {"custom_values": {"serial": "SN\u00004"}}, format="json")
    assert (response.status_code, response.json()["custom_values"]) == (200, {"serial": "SN4"})
