"""Hostile page numbers and cursors (issue 24): huge, negative, non-numeric, fractional and
non-ASCII values on every paged list give the first page, the last page or a clear refusal, never
a 500. The staff list and the archive page by cursors they sign (``tickets.paging``): a page number
is nothing to them, and any cursor they did not sign gives the first page; the API answers a cursor it did not issue, forged ones included, with its
error body, ignores a bad page size, and refuses bad message numbers with 400."""

import base64
from urllib.parse import urlencode

import pytest
from django.utils import translation

from api.models import TokenScope
from fleet.roles import Role
from messenger import services as messenger_services
from tests.api.conftest import client_with, token_for
from tests.factories import UserFactory, make_ticket
from tickets.choices import Status

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999999999"
# Hostile page numbers (and which page a Django paginator would show for each: "first", "last" or a number).
PAGE_FOR = {
    HUGE: "last", "-1": "last", "0": "last", "-99999999999999999999": "last",
    "abc": "first", "1.5": "first", "1e400": "first", "NaN": "first", "Infinity": "first", "%00": "first",
    "²": "first", "": "first", "[]": "first", "{{7*7}}": "first", "<script>": "first", "\u202e2": "first",
    " 2": 2, "2 ": 2, "٣": 3,  # Python reads Arabic-Indic digits as digits: a real page number
}


def forged(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


# Refused by every list: not base64 of a cursor, a NUL character, a negative offset, a bad direction.
NOT_OURS = ["abc", HUGE, "-1", "{{7*7}}", "%00", "\u00ff\u00fe", forged("r=1&p=\x00"), forged("o=-5&p=1"), forged("r=x")]
# Refused where the first ordering column holds numbers or dates (text columns compare any text).
WRONG_FOR = {
    "id": [forged("p=abc"), forged(f"p={HUGE}"), forged("p=1e400"), forged("p=2026-13-45")],
    "date": [forged("p=abc"), forged(f"p={HUGE}"), forged("p=1e400"), forged("p=-1"), forged("p=2026-13-45"),
             forged("p=2026-01-01 00:00:00")],  # no time zone: never one of ours
    "text": [],
}


@pytest.fixture(autouse=True)
def _german():
    with translation.override("de"):
        yield


@pytest.fixture
def desk(db, settings):
    settings.API_THROTTLE_RATES = {"token": "100000/minute", "user": "100000/minute"}
    mia = UserFactory(first_name="Mia", last_name="Schneider")
    ticket = make_ticket(Status.IN_PROGRESS, assignees=[mia], title="Im Gespräch")
    for title in ("Aktiv 1", "Aktiv 2"):
        make_ticket(Status.OPEN, title=title)
    for title in ("Fertig 1", "Fertig 2", "Fertig 3"):
        make_ticket(Status.CLOSED, assignees=[mia], title=title)
    for i in range(3):
        messenger_services.message_post(mia, ticket, text=f"Nachricht {i}")
    return {"admin": UserFactory(role=Role.ADMINISTRATOR), "mia": mia, "ticket": ticket}


@pytest.mark.parametrize("path", ["/tickets/", "/tickets/archive/"])
def test_staff_lists_show_the_first_page_for_any_page_number_or_a_cursor_not_theirs(client, desk, monkeypatch, path):
    from tickets.views import archive
    from tickets.views import list as list_view

    monkeypatch.setattr(list_view, "PAGE_SIZE", 1)
    monkeypatch.setattr(archive, "PAGE_SIZE", 1)
    client.force_login(desk["admin"])
    first = client.get(path).context["page_obj"]
    assert (first.number, first.num_pages) == (1, 3)
    assert client.get(path, {"cursor": first.last_cursor}).context["page_obj"].number == 3  # a link of its own
    tampered = [first.last_cursor[:-2], first.last_cursor + "x", first.next_cursor.swapcase()]
    for value in [*PAGE_FOR, *NOT_OURS, *tampered, "x" * 5000]:
        for name in ("page", "cursor"):
            response = client.get(path, {name: value})
            assert response.status_code == 200, (name, value)
            assert response.context["page_obj"].number == 1, (name, value)


@pytest.mark.parametrize("path", ["/notifications/", "/offers/"])
def test_unpaged_staff_lists_ignore_a_page_number(client, desk, path):
    client.force_login(desk["admin"])
    plain = client.get(path)
    assert plain.status_code == 200
    for value in PAGE_FOR:
        assert client.get(path, {"page": value}).status_code == 200, value


def _api_lists(ticket):
    """Every paged API list with the kind of its first ordering column."""
    number = ticket.number
    return {"/api/v1/tickets/": "date", "/api/v1/offers/": "date", "/api/v1/templates/": "text",
            "/api/v1/access-codes/": "text", "/api/v1/webhooks/": "date", f"/api/v1/tickets/{number}/history/": "id",
            f"/api/v1/tickets/{number}/updates/": "id", f"/api/v1/tickets/{number}/video-sessions/": "date",
            "/api/v1/tickets/?ordering=title": "text", "/api/v1/tickets/?ordering=-updated_at": "date"}


def test_api_lists_refuse_cursors_they_did_not_issue_with_their_error_body(desk):
    client = client_with(token_for(desk["admin"], TokenScope.READ))
    for path, kind in _api_lists(desk["ticket"]).items():
        join = "&" if "?" in path else "?"
        for cursor in NOT_OURS + WRONG_FOR[kind]:
            response = client.get(f"{path}{join}{urlencode({'cursor': cursor})}")
            assert response.status_code == 404, (path, cursor, response.content[:300])
            assert response.json() == {"code": "not_found", "message": "Invalid cursor", "errors": {}, "current_status": None}


def test_api_cursors_the_api_issued_still_work(desk):
    """The check of forged positions lets every real one through (dates, numbers, names, each direction)."""
    client = client_with(token_for(desk["admin"], TokenScope.READ))
    for path in _api_lists(desk["ticket"]):
        join = "&" if "?" in path else "?"
        first = client.get(f"{path}{join}page_size=1")
        assert first.status_code == 200, path
        seen = [row.get("id", row.get("number")) for row in first.json()["results"]]
        next_url = first.json()["next"]
        for _ in range(10):  # bounded: the lists hold a handful of rows
            if next_url is None:
                break
            page = client.get(next_url)
            assert page.status_code == 200, (path, next_url)
            seen += [row.get("id", row.get("number")) for row in page.json()["results"]]
            if page.json()["previous"] is not None:
                assert client.get(page.json()["previous"]).status_code == 200
            next_url = page.json()["next"]
        assert next_url is None and len(seen) == len(set(seen)), path


def test_api_lists_take_the_default_size_for_a_bad_page_size(desk):
    client = client_with(token_for(desk["admin"], TokenScope.READ))
    path = "/api/v1/tickets/"
    everything = client.get(path).json()["results"]
    assert len(everything) == 6
    for value in ("abc", "-1", "0", "1.5", "1e400", "NaN", "", "{{7*7}}", "%00"):
        response = client.get(path, {"page_size": value})
        assert response.status_code == 200, value
        assert response.json()["results"] == everything, value
    assert len(client.get(path, {"page_size": HUGE}).json()["results"]) == 6  # capped at 200, not refused


@pytest.mark.parametrize("param", ["after_seq", "before_seq", "limit"])
def test_the_message_api_refuses_bad_numbers_with_400(desk, param):
    client = client_with(token_for(desk["mia"], TokenScope.READ))
    url = f"/api/v1/tickets/{desk['ticket'].number}/messages/"
    accepted = {"", " 2", "2 ", "٣"} | ({"0"} if param == "after_seq" else set())
    for value in PAGE_FOR:
        response = client.get(url, {param: value})
        if value in accepted:
            assert response.status_code == 200, (param, value, response.content)
        else:
            assert response.status_code == 400, (param, value, response.content)
            body = response.json()
            assert body["code"] == "invalid" and list(body["errors"]) == [param], body
