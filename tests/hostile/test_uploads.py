"""Uploads of every wrong kind on every upload door (issue 24): the staff update form, the portal's
update form and new-ticket form, the call's snapshot upload (staff and portal) and the API's
attachments. Each is refused with 400 and a message that names the problem, and nothing is stored:
no update, no attachment row, no file under MEDIA_ROOT, no snapshot, no ticket."""

from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from api.models import TokenScope
from tests.api.conftest import client_with, token_for
from tests.factories import (
    AccessCodeFactory,
    CodeUserFactory,
    TicketTemplateFactory,
    UserFactory,
    make_ticket,
    png_bytes,
)
from tests.messenger.conftest import session_cookie_for_code_user
from tickets.choices import Status, Visibility
from tickets.models import Attachment, Ticket, TicketUpdate
from videosessions import services as video_services
from videosessions.models import Snapshot

pytestmark = pytest.mark.django_db

LIMIT = 4096  # bytes per file in these tests (attachments and snapshots)
PNG = png_bytes("Leitstand")
ZIP = b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 40
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="window.__xss=1"><script>window.__xss=1</script></svg>'
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 40
HTML = b"<!doctype html><script>window.__xss=1</script>"

# name → (file name, content, the message's key): every kind of wrong file.
WRONG = {
    "zip-named-png": ("bild.png", ZIP, "type"),
    "svg-with-script": ("bild.svg", SVG, "type"),
    "svg-named-png": ("bild.png", SVG, "type"),
    "html-named-pdf": ("bericht.pdf", HTML, "type"),
    "program-named-jpg": ("foto.jpg", ELF, "type"),
    "png-named-txt": ("notiz.txt", PNG, "type"),
    "text-with-nul": ("notiz.txt", b"Zeile\x00Zeile", "type"),
    "no-extension": ("bild", PNG, "type"),
    "empty-png": ("leer.png", b"", "empty"),
    "empty-txt": ("leer.txt", b"", "empty"),
    "too-big": ("gross.png", PNG + b"\x00" * (LIMIT + 1 - len(PNG)), "too_large"),
}

# What each door says, in the language it speaks (pages German, the API English).
PAGE_SAYS = {
    "type": "hat keinen zulässigen Dateityp",
    "empty": "Die übermittelte Datei ist leer.",
    "too_large": "ist zu groß",
}
API_SAYS = {"type": "is not an allowed file type", "empty": "The submitted file is empty.", "too_large": "is too large"}
SNAPSHOT_SAYS = {
    "type": "Ein Schnappschuss muss ein Bild sein (PNG oder JPEG).",
    "empty": "Ein Schnappschuss muss ein Bild sein (PNG oder JPEG).",
    "too_large": "Der Schnappschuss ist zu groß",
}


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.ATTACHMENT_MAX_BYTES = LIMIT
    settings.VIDEO_SNAPSHOT_MAX_BYTES = LIMIT
    settings.API_THROTTLE_RATES = {"token": "100000/minute", "user": "100000/minute"}
    cache.clear()
    with translation.override("de"):
        yield


@pytest.fixture
def desk(db):
    code = AccessCodeFactory(template=TicketTemplateFactory(name="Störung"))
    mia = UserFactory(first_name="Mia", last_name="Schneider")
    ticket = make_ticket(Status.IN_PROGRESS, access_code=code, assignees=[mia], visibility=Visibility.PUBLIC)
    petra = CodeUserFactory(access_code=code, display_name="Petra Huber")
    session = video_services.session_create(mia, ticket, title="Pumpe ansehen", visibility=Visibility.PUBLIC)
    video_services.session_join(mia, session, channel="c-staff")
    video_services.session_join(petra, session, channel="c-customer")
    return {"code": code, "mia": mia, "ticket": ticket, "petra": petra, "session": session}


def staff_client(user) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "de"
    return client


def code_client(code_user) -> Client:
    client = Client()
    client.cookies[django_settings.SESSION_COOKIE_NAME] = session_cookie_for_code_user(code_user)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "de"
    return client


def upload(name, content, field_type="image/png"):
    return SimpleUploadedFile(name, content, content_type=field_type)


def nothing_stored(desk, updates_before):
    assert TicketUpdate.objects.filter(ticket=desk["ticket"]).count() == updates_before
    assert not Attachment.objects.exists()
    assert not Snapshot.objects.exists()
    media = Path(django_settings.MEDIA_ROOT)
    assert not media.exists() or not [p for p in media.rglob("*") if p.is_file()]


def _doors(desk):
    """door name → a function posting one file, returning (response, the message it should show)."""
    ticket, code, session = desk["ticket"], desk["code"], desk["session"]
    staff, portal, api = staff_client(desk["mia"]), code_client(desk["petra"]), client_with(token_for(desk["mia"], TokenScope.WRITE))

    def staff_update(file):
        return staff.post(reverse("tickets:post-update", args=[ticket.number]), {"text": "Foto", "attachments": [file]}), PAGE_SAYS

    def portal_update(file):
        url = reverse("portal:post-update", args=[code.token, ticket.number])
        return portal.post(url, {"text": "Foto", "attachments": [file]}), PAGE_SAYS

    def portal_new_ticket(file):
        url = reverse("portal:new-ticket", args=[code.token])
        return portal.post(url, {"title": "Mit Foto", "description": "Siehe Bild", "photos": [file]}), PAGE_SAYS

    def staff_snapshot(file):
        url = reverse("videosessions:snapshot-upload", args=[session.pk])
        return staff.post(url, {"image": file, "text": "Hier", "public": "0"}), SNAPSHOT_SAYS

    def portal_snapshot(file):
        url = reverse("portal:video-snapshot-upload", args=[code.token, ticket.number, session.pk])
        return portal.post(url, {"image": file, "text": "Hier"}), SNAPSHOT_SAYS

    def api_update(file):
        url = f"/api/v1/tickets/{ticket.number}/updates/"
        return api.post(url, {"text": "Foto", "attachments": [file]}, format="multipart"), API_SAYS

    return {"staff-update": staff_update, "portal-update": portal_update, "portal-new-ticket": portal_new_ticket,
            "staff-snapshot": staff_snapshot, "portal-snapshot": portal_snapshot, "api-update": api_update}


DOORS = ["staff-update", "portal-update", "portal-new-ticket", "staff-snapshot", "portal-snapshot", "api-update"]


def _text_of(response) -> str:
    if response["Content-Type"].startswith("application/json"):
        body = response.json()
        return " ".join([str(body.get("message", body.get("error", "")))] + [str(v) for v in (body.get("errors") or {}).values()])
    return response.content.decode()


@pytest.mark.parametrize("door", DOORS)
def test_every_wrong_kind_of_file_is_refused_with_a_message_and_nothing_is_stored(desk, door):
    post = _doors(desk)[door]
    updates_before = TicketUpdate.objects.filter(ticket=desk["ticket"]).count()
    tickets_before = Ticket.objects.count()
    for kind, (name, content, key) in WRONG.items():
        response, says = post(upload(name, content))
        assert response.status_code == 400, (door, kind, response.status_code, response.content[:300])
        assert says[key] in _text_of(response), (door, kind, _text_of(response)[:2000])
        nothing_stored(desk, updates_before)
        assert Ticket.objects.count() == tickets_before
    # The door still takes a real picture afterwards.
    response, _says = post(upload("echt.png", PNG))
    assert response.status_code in {"staff-update": (302,), "portal-update": (302,), "portal-new-ticket": (302,),
                                     "staff-snapshot": (201,), "portal-snapshot": (201,), "api-update": (201,)}[door]
    assert Attachment.objects.get().content_type == "image/png"


@pytest.mark.parametrize("door", ["staff-update", "portal-update", "api-update"])
def test_too_many_files_are_refused_and_nothing_is_stored(desk, door):
    updates_before = TicketUpdate.objects.filter(ticket=desk["ticket"]).count()
    files = [upload(f"bild{i}.png", PNG) for i in range(django_settings.ATTACHMENT_MAX_FILES + 1)]
    if door == "api-update":
        response = client_with(token_for(desk["mia"], TokenScope.WRITE)).post(
            f"/api/v1/tickets/{desk['ticket'].number}/updates/", {"text": "Fotos", "attachments": files}, format="multipart")
        message = "At most 5 files per update."
    else:
        client = staff_client(desk["mia"]) if door == "staff-update" else code_client(desk["petra"])
        url = (reverse("tickets:post-update", args=[desk["ticket"].number]) if door == "staff-update"
               else reverse("portal:post-update", args=[desk["code"].token, desk["ticket"].number]))
        response = client.post(url, {"text": "Fotos", "attachments": files})
        message = "Höchstens 5 Dateien pro Update."
    assert response.status_code == 400
    assert message in _text_of(response)
    nothing_stored(desk, updates_before)
