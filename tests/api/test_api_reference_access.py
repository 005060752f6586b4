"""Finding 4 of issue 24: the API's schema and its Swagger UI page are for staff only. The schema
answers like every API endpoint (401 with the error body), the page like every staff page (the
login page); code users are no staff."""

import pytest
from django.test import Client

from tests.api.conftest import client_with, token_for
from tests.factories import AccessCodeFactory, TicketTemplateFactory

pytestmark = pytest.mark.django_db

NOT_AUTHENTICATED = {
    "code": "not_authenticated",
    "message": "Log in: send a personal API token as “Authorization: Bearer <token>”.",
    "errors": {},
    "current_status": None,
}


@pytest.fixture
def code_user_client():
    """A browser signed in as a code user through the portal (no staff session)."""
    code = AccessCodeFactory(template=TicketTemplateFactory())
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.get(code.get_absolute_url())
    assert client.post(code.get_absolute_url(), {"display_name": "Petra Huber", "email": "", "preferred_language": "en"}).status_code == 302
    return client


def test_the_schema_answers_401_with_the_error_body_to_anonymous_visitors_and_code_users(code_user_client):
    for client in (Client(HTTP_ACCEPT_LANGUAGE="en"), code_user_client, client_with(None)):
        response = client.get("/api/schema/?lang=en")
        assert response.status_code == 401
        assert response.json() == NOT_AUTHENTICATED
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_staff_read_the_schema_with_a_token_or_their_session(crew):
    response = client_with(token_for(crew["mia"])).get("/api/schema/?lang=en", HTTP_ACCEPT="application/json")
    assert response.status_code == 200 and response.json()["info"]["title"] == "Leitstand API"
    browser = Client()
    browser.force_login(crew["mia"])
    assert browser.get("/api/schema/").status_code == 200


def test_the_docs_page_sends_anonymous_visitors_and_code_users_to_the_login(code_user_client):
    for client in (Client(), code_user_client):
        for path in ("/api/docs/", "/api/docs/?script="):
            response = client.get(path)
            assert response.status_code == 302, path
            assert response["Location"].startswith("/login/?next=/api/docs/")


def test_staff_open_the_docs_page_and_its_script(crew):
    browser = Client()
    browser.force_login(crew["mia"])
    page = browser.get("/api/docs/")
    assert page.status_code == 200 and 'id="swagger-ui"' in page.content.decode()
    script = browser.get("/api/docs/?script=")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()
