"""A ticket's updates with attachments, its history and its rating over the REST API."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from api.models import TokenScope
from tests.factories import AccessCodeFactory, CodeUserFactory, make_ticket, png_bytes
from tickets import services
from tickets.choices import Status
from tickets.models import Attachment, TicketUpdate

pytestmark = pytest.mark.django_db


def _png(name="dichtung.png"):
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def test_updates_list_newest_first_with_kind_and_author(crew, api_client, template):
    ticket = make_ticket(Status.IN_PROGRESS, template=template, assignees=[crew["mia"]])
    services.update_post(crew["mia"], ticket, text="Vor Ort angekommen")
    services.update_post(crew["mia"], ticket, text="Lager fragen", internal=True)
    client = api_client(crew["jonas"])
    rows = client.get(f"/api/v1/tickets/{ticket.number}/updates/").json()["results"]
    assert [(r["text"], r["kind"], r["author"]["name"]) for r in rows] == [
        ("Lager fragen", "internal", "Mia Schneider"), ("Vor Ort angekommen", "public", "Mia Schneider"),
    ]
    public = client.get(f"/api/v1/tickets/{ticket.number}/updates/?kind=public").json()["results"]
    assert [r["text"] for r in public] == ["Vor Ort angekommen"]
    bad = client.get(f"/api/v1/tickets/{ticket.number}/updates/?kind=secret")
    assert (bad.status_code, list(bad.json()["errors"])) == (400, ["kind"])


def test_an_update_with_a_photo_is_stored_and_downloaded_through_the_checked_view(crew, api_client, template):
    ticket = make_ticket(Status.IN_PROGRESS, template=template, assignees=[crew["mia"]])
    client = api_client(crew["mia"])
    response = client.post(
        f"/api/v1/tickets/{ticket.number}/updates/",
        {"text": "Foto der Dichtung", "attachments": [_png(), _png("zweite.png")]},
        format="multipart",
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["kind"], body["text"], [a["name"] for a in body["attachments"]]) == (
        "public", "Foto der Dichtung", ["dichtung.png", "zweite.png"],
    )
    download = client.get(body["attachments"][0]["url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "image/png"
    assert b"".join(download.streaming_content) == png_bytes()
    other = make_ticket(Status.OPEN, template=template)
    attachment = Attachment.objects.get(original_name="dichtung.png")
    assert client.get(f"/api/v1/tickets/{other.number}/attachments/{attachment.pk}/").status_code == 404


def test_internal_notes_and_json_bodies(crew, api_client, template):
    ticket = make_ticket(Status.IN_PROGRESS, template=template, assignees=[crew["mia"]])
    response = api_client(crew["mia"]).post(
        f"/api/v1/tickets/{ticket.number}/updates/", {"text": "Nur intern", "internal": True}, format="json"
    )
    assert (response.status_code, response.json()["kind"]) == (201, "internal")
    first = TicketUpdate.objects.get(text="Nur intern")
    correction = api_client(crew["mia"]).post(
        f"/api/v1/tickets/{ticket.number}/updates/", {"text": "Korrektur", "internal": True, "corrects": first.pk}, format="json"
    )
    assert (correction.status_code, correction.json()["corrects"]) == (201, first.pk)


@pytest.mark.parametrize(
    "payload, field",
    [({"text": ""}, "text"), ({"text": "x", "attachments": [SimpleUploadedFile("a.exe", b"MZ\x90\x00binary", content_type="image/png")]}, "attachments"),
     ({"text": "x", "corrects": 999999}, "corrects"), ({"text": "x", "corrects": "eins"}, "corrects"),
     ({"text": "x", "internal": "vielleicht"}, "internal")],
)
def test_refused_updates_store_nothing(crew, api_client, template, payload, field):
    ticket = make_ticket(Status.IN_PROGRESS, template=template, assignees=[crew["mia"]])
    response = api_client(crew["mia"]).post(f"/api/v1/tickets/{ticket.number}/updates/", payload, format="multipart")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]
    assert TicketUpdate.objects.count() == 0 and Attachment.objects.count() == 0


def test_too_large_a_file_is_refused(crew, api_client, template, settings):
    settings.ATTACHMENT_MAX_BYTES = 100
    ticket = make_ticket(Status.IN_PROGRESS, template=template, assignees=[crew["mia"]])
    response = api_client(crew["mia"]).post(
        f"/api/v1/tickets/{ticket.number}/updates/", {"text": "x", "attachments": [_png()]}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json()["errors"]["attachments"][0].startswith("“dichtung.png” is too large")
    assert TicketUpdate.objects.count() == 0


def test_who_may_not_write_is_refused_and_a_reader_token_only_reads(crew, api_client, template):
    ticket = make_ticket(Status.IN_PROGRESS, template=template, assignees=[crew["mia"]])
    stranger = api_client(crew["jonas"]).post(f"/api/v1/tickets/{ticket.number}/updates/", {"text": "Hallo"}, format="json")
    reader = api_client(crew["mia"], TokenScope.READ).post(f"/api/v1/tickets/{ticket.number}/updates/", {"text": "Hallo"}, format="json")
    assert (stranger.status_code, reader.status_code) == (403, 403)
    assert TicketUpdate.objects.count() == 0


def test_history_oldest_first(crew, api_client, template):
    ticket = make_ticket(Status.IN_PROGRESS, template=template, assignees=[crew["mia"]])
    rows = api_client(crew["jonas"]).get(f"/api/v1/tickets/{ticket.number}/history/").json()["results"]
    transitions = [(r["old_value"], r["new_value"]) for r in rows if r["action"] == "transition"]
    assert transitions == [("draft", "open"), ("open", "assigned"), ("assigned", "in_progress")]
    assert rows[0]["action"] == "created"
    assert rows[-1]["new_display"] == "In progress"


def test_feedback_given_pending_and_not_expected(crew, api_client, template):
    code = AccessCodeFactory(template=template)
    code_user = CodeUserFactory(access_code=code, display_name="Frau Kunde")
    rated = make_ticket(Status.DONE, code_user=code_user, assignees=[crew["mia"]])
    client = api_client(crew["mia"])
    pending = client.get(f"/api/v1/tickets/{rated.number}/feedback/").json()
    assert pending == {"state": "pending", "stars": None, "text": None, "given_by": None, "created_at": None}
    services.feedback_submit(code_user, rated, stars=4, text="Schnell und sauber")
    given = client.get(f"/api/v1/tickets/{rated.number}/feedback/").json()
    assert (given["state"], given["stars"], given["text"], given["given_by"]) == (
        "given", 4, "Schnell und sauber", {"kind": "code_user", "id": code_user.pk, "name": "Frau Kunde"},
    )
    internal = make_ticket(Status.OPEN, template=template)
    assert client.get(f"/api/v1/tickets/{internal.number}/feedback/").json()["state"] is None
