"""Invalid UTF-8 in query strings (issue 24): the staff list, the archive, the settings lists, the
portal and the API read their filters from the query string; bytes that are not UTF-8 never make a
500. Pages show the list (the filter holds what Django decoded, with replacement characters, and
matches nothing); the API answers as for any other value: a status that is not a choice and a search
with NUL are a 400 with its error body, free text filters list what matches."""

import pytest
from django.conf import settings
from django.test import Client

from api.models import TokenScope
from fleet.roles import Role
from tests.api.conftest import client_with, token_for
from tests.factories import AccessCodeFactory, CodeUserFactory, UserFactory, make_ticket
from tests.messenger.conftest import session_cookie_for_code_user
from tickets.choices import Status

pytestmark = pytest.mark.django_db

BAD = ["%FF", "%FF%FE", "%C3%28", "%ED%A0%80", "%F4%90%80%80", "%00", "%C0%AF"]


@pytest.fixture
def desk(db, settings):
    settings.API_THROTTLE_RATES = {"token": "100000/minute", "user": "100000/minute"}
    code = AccessCodeFactory()
    ticket = make_ticket(Status.OPEN, access_code=code, title="Presse leckt")
    return {"admin": UserFactory(role=Role.ADMINISTRATOR), "code": code, "ticket": ticket,
            "petra": CodeUserFactory(access_code=code, display_name="Petra Huber")}


def test_staff_pages_show_their_list_for_a_query_that_is_not_utf8(desk):
    client = Client()
    client.force_login(desk["admin"])
    for path in ("/tickets/?q=", "/tickets/?status=", "/tickets/archive/?q=", "/tickets/archive/?rated=",
                 "/settings/codes/?q=", "/settings/codes/?state=", "/notifications/?page=", "/offers/?x="):
        for bad in BAD:
            response = client.get(path + bad)
            assert response.status_code == 200, (path, bad)


def test_the_portal_shows_its_pages_for_a_query_that_is_not_utf8(desk):
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = session_cookie_for_code_user(desk["petra"])
    code = desk["code"]
    for path in (f"/c/{code.token}/?q=", f"/c/{code.token}/?page=", f"/c/{code.token}/tickets/{desk['ticket'].number}/?x=",
                 "/c/help/?q="):
        for bad in BAD:
            response = client.get(path + bad)
            assert response.status_code == 200, (path, bad)


def test_the_api_answers_a_query_that_is_not_utf8_without_a_500(desk):
    client = client_with(token_for(desk["admin"], TokenScope.READ))
    for path in ("/api/v1/tickets/?search=", "/api/v1/tickets/?status=", "/api/v1/access-codes/?q=",
                 "/api/v1/tickets/?ordering="):
        for bad in BAD:
            response = client.get(path + bad)
            refused = path.endswith("status=") or (path.endswith("search=") and bad == "%00")  # not a choice; NUL
            assert response.status_code == (400 if refused else 200), (path, bad, response.status_code)
            assert response["Content-Type"] == "application/json", (path, bad)
