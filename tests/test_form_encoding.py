"""Finding 8 of issue 24: a form body that is not valid UTF-8 is refused with 400 and a clear
message (the page, the portal, the REST API), and nothing is stored; valid text still goes through."""

import pytest
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from api.models import TokenScope
from tests.api.conftest import token_for
from tests.factories import AccessCodeFactory, TicketTemplateFactory, UserFactory, make_ticket
from tickets.choices import Status
from tickets.models import CodeUser, TicketUpdate

pytestmark = pytest.mark.django_db

BOUNDARY = "leitstand-boundary"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"
URLENCODED = "application/x-www-form-urlencoded"
MESSAGE = "The form data is not valid UTF-8 text. Nothing was saved; please send it again."


def multipart(fields: dict[str, bytes]) -> bytes:
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + value + b"\r\n"
        for name, value in fields.items()
    ]
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


@pytest.fixture(autouse=True)
def _german():
    with translation.override("de"):
        yield


@pytest.fixture
def staffed(db):
    mia = UserFactory(first_name="Mia", last_name="Schneider")
    return mia, make_ticket(Status.IN_PROGRESS, assignees=[mia])


@pytest.mark.parametrize(("content_type", "bad", "good"), [
    (URLENCODED, b"text=Dichtung+%FF%FE+kaputt", "text=Dichtung+%C3%BCberpr%C3%BCft".encode()),
    (MULTIPART, multipart({"text": b"Dichtung \xff\xfe kaputt"}), multipart({"text": "Dichtung überprüft".encode()})),
])
def test_a_staff_form_with_invalid_utf8_is_refused_and_nothing_is_stored(client, staffed, content_type, bad, good):
    mia, ticket = staffed
    client.force_login(mia)
    url = reverse("tickets:post-update", args=[ticket.number])
    response = client.generic("POST", url, bad, content_type=content_type)
    assert response.status_code == 400
    assert "Die Formulardaten sind kein gültiger UTF-8-Text. Es wurde nichts gespeichert; bitte senden Sie sie erneut." in response.content.decode()
    assert not TicketUpdate.objects.filter(ticket=ticket).exists()
    assert client.generic("POST", url, good, content_type=content_type).status_code == 302
    assert list(TicketUpdate.objects.filter(ticket=ticket).values_list("text", flat=True)) == ["Dichtung überprüft"]


def test_a_field_name_with_invalid_utf8_is_refused_too(client, staffed):
    mia, ticket = staffed
    client.force_login(mia)
    body = multipart({"te\xffxt": b"Dichtung"}).replace("te\xffxt".encode(), b"te\xffxt")
    response = client.generic("POST", reverse("tickets:post-update", args=[ticket.number]), body, content_type=MULTIPART)
    assert response.status_code == 400
    assert not TicketUpdate.objects.filter(ticket=ticket).exists()


def test_a_portal_form_with_invalid_utf8_is_refused_and_nothing_is_stored(client):
    code = AccessCodeFactory(template=TicketTemplateFactory())
    client.get(code.get_absolute_url())
    refused = client.generic(
        "POST", code.get_absolute_url(), b"display_name=Petra+%FFHuber&email=&preferred_language=de", content_type=URLENCODED,
    )
    assert refused.status_code == 400 and "Die Formulardaten sind kein gültiger UTF-8-Text. Es wurde nichts gespeichert; bitte senden Sie sie erneut." in refused.content.decode()
    assert not CodeUser.objects.exists()
    client.post(code.get_absolute_url(), {"display_name": "Petra Huber", "email": "", "preferred_language": "de"})
    petra = CodeUser.objects.get()
    ticket = make_ticket(Status.OPEN, code_user=petra)
    url = reverse("portal:post-update", args=[code.token, ticket.number])
    response = client.generic("POST", url, multipart({"text": b"Noch \xc3\x28 kaputt"}), content_type=MULTIPART)
    assert response.status_code == 400 and "Die Formulardaten sind kein gültiger UTF-8-Text. Es wurde nichts gespeichert; bitte senden Sie sie erneut." in response.content.decode()
    assert not TicketUpdate.objects.filter(ticket=ticket).exists()


def test_the_api_refuses_invalid_utf8_with_its_error_body(staffed):
    mia, ticket = staffed
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(mia, TokenScope.WRITE)}")
    url = f"/api/v1/tickets/{ticket.number}/updates/"
    response = client.generic("POST", url, multipart({"text": b"Dichtung \xff kaputt"}), content_type=MULTIPART)
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid_encoding",
        "message": MESSAGE,
        "errors": {}, "current_status": None,
    }
    json_response = client.generic("POST", url, b'{"text": "Dichtung \xff kaputt"}', content_type="application/json")
    assert json_response.status_code == 400 and json_response.json()["code"] == "malformed"
    assert not TicketUpdate.objects.filter(ticket=ticket).exists()
    ok = client.generic("POST", url, multipart({"text": "Dichtung geprüft".encode()}), content_type=MULTIPART)
    assert ok.status_code == 201 and ok.json()["text"] == "Dichtung geprüft"
