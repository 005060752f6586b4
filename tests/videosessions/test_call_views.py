"""The call page's two doors (staff: /video/<pk>/, code users: the portal), the annotated
snapshot's upload and its picture: who may, what they see, and clear answers for bad input."""

import json

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory, png_bytes
from tests.messenger.conftest import session_cookie_for_code_user
from tickets.choices import Visibility
from tickets.models import TicketUpdate
from videosessions import services
from videosessions.choices import SessionState
from videosessions.models import Snapshot

pytestmark = pytest.mark.django_db


# The page's own texts are asserted on the English page (their German comes with the next
# `make messages`); the domain's messages, translated already, on the German page.


def staff_client(user, language="de") -> Client:
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def code_client(code_user, language="de") -> Client:
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = session_cookie_for_code_user(code_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def portal_url(name, desk, session, *extra):
    return reverse(name, args=[desk["code"].token, session.ticket.number, session.pk, *extra])


def config_of(html: str) -> dict:
    start = html.index('<script id="video-call-config" type="application/json">') + len('<script id="video-call-config" type="application/json">')
    return json.loads(html[start:html.index("</script>", start)])


@pytest.fixture
def public_session(desk):
    return services.session_create(desk["assignee"], desk["ticket"], title="Pumpe ansehen", visibility=Visibility.PUBLIC)


@pytest.fixture
def running(desk, public_session):
    """The public session running: the assignee and the customer are in the call."""
    services.session_join(desk["assignee"], public_session, channel="c-staff")
    services.session_join(desk["customer"], public_session, channel="c-customer")
    public_session.refresh_from_db()
    return public_session


def png(name="snapshot.png", data=None):
    return SimpleUploadedFile(name, data if data is not None else png_bytes("Pfeil"), content_type="image/png")


# --- the page -------------------------------------------------------------------------------------------


def test_staff_who_see_the_ticket_get_the_call_page_in_the_staff_layout(desk, public_session):
    response = staff_client(desk["staff"], "en").get(reverse("videosessions:call", args=[public_session.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1 id=\"call-heading\">Pumpe ansehen</h1>" in html
    assert 'class="sidebar"' in html and "Mute microphone" in html and ">Leave<" in html
    assert "Share screen" in html and "Switch camera" in html and "Send snapshot" in html
    assert "js/video-call.js" in html and "css/video.css" in html
    assert "onclick" not in html and "<script>" not in html  # no inline script or handler
    config = config_of(html)
    assert config["wsPath"] == f"/ws/video/{public_session.pk}/"
    assert config["uploadUrl"] == reverse("videosessions:snapshot-upload", args=[public_session.pk])
    assert config["kind"] == "staff"
    assert config["chatUrl"] == reverse("tickets:detail", args=[desk["ticket"].number]) + "#messenger"
    # staff choose who sees a snapshot
    assert "Internal (staff only)" in html and "Public (also the customer)" in html


def test_a_code_user_of_the_public_ticket_gets_the_public_session_in_the_portal_layout(desk, public_session):
    services.session_join(desk["assignee"], public_session, channel="c-staff")  # staff started it
    response = code_client(desk["customer"], "en").get(portal_url("portal:video-call", desk, public_session))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="portal-header"' in html and 'class="sidebar"' not in html
    assert "Pumpe ansehen" in html and "Mute microphone" in html
    config = config_of(html)
    assert config["kind"] == "code_user"
    assert config["uploadUrl"] == portal_url("portal:video-snapshot-upload", desk, public_session)
    assert config["snapshotUrl"] == portal_url("portal:video-snapshot", desk, public_session, 0)
    assert config["chatUrl"] == reverse("portal:ticket", args=[desk["code"].token, desk["ticket"].number]) + "#messenger"
    assert "Internal (staff only)" not in html  # code users' snapshots are public by the rules


def test_everyone_else_gets_a_404(desk, public_session):
    internal = services.session_create(desk["assignee"], desk["ticket"], title="Intern besprechen")
    no_role = UserFactory(role=None)
    assert staff_client(no_role).get(reverse("videosessions:call", args=[public_session.pk])).status_code == 404
    assert staff_client(desk["staff"]).get(reverse("videosessions:call", args=[987654])).status_code == 404
    # code users: an internal session, another code's user, nobody signed in, a wrong ticket number
    assert code_client(desk["customer"]).get(portal_url("portal:video-call", desk, internal)).status_code == 404
    assert code_client(desk["stranger"]).get(portal_url("portal:video-call", desk, public_session)).status_code == 404
    assert Client().get(portal_url("portal:video-call", desk, public_session)).status_code == 404
    other = reverse("portal:video-call", args=[desk["code"].token, desk["internal_ticket"].number, public_session.pk])
    assert code_client(desk["customer"]).get(other).status_code == 404
    # the staff door is not the code user's: they are sent to the login
    response = code_client(desk["customer"]).get(reverse("videosessions:call", args=[public_session.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_an_ended_session_refuses_joining_clearly_and_shows_its_record(desk, running):
    services.session_transition(desk["assignee"], running, "end")
    html = staff_client(desk["assignee"]).get(reverse("videosessions:call", args=[running.pk])).content.decode()
    assert "Diese Video-Session ist Beendet: Eine Teilnahme ist nicht möglich." in html
    assert "js/video-call.js" not in html and '<script id="video-call-config"' not in html
    assert "Paula Pfeiffer" in html and "Eva Kunde" in html  # the record: who was there
    assert "Dauer" in html


def test_a_cancelled_session_and_an_unconfirmed_request_cannot_be_joined(desk, public_session):
    services.session_transition(desk["assignee"], public_session, "cancel", reason="Termin fällt aus")
    html = code_client(desk["customer"]).get(portal_url("portal:video-call", desk, public_session)).content.decode()
    assert "Diese Video-Session ist Abgesagt: Eine Teilnahme ist nicht möglich." in html
    assert "video-call.js" not in html
    requested = services.session_request(desk["customer"], desk["ticket"])
    html = code_client(desk["customer"]).get(portal_url("portal:video-call", desk, requested)).content.decode()
    assert "noch nicht bestätigt" in html and "video-call.js" not in html
    # staff join a request (joining starts it)
    html = staff_client(desk["assignee"]).get(reverse("videosessions:call", args=[requested.pk])).content.decode()
    assert "video-call.js" in html


def test_the_record_names_only_staff_to_a_code_user(desk, running):
    services.session_join(desk["staff"], running, channel="c-colleague")
    other = desk["customer"].__class__.objects.create(access_code=desk["code"], display_name="Nina Nachbar")
    services.session_join(other, running, channel="c-neighbour")
    html = code_client(desk["customer"]).get(portal_url("portal:video-call", desk, running)).content.decode()
    assert "Paula Pfeiffer" in html and "Otto Ohnefall" in html and "Eva Kunde" in html  # staff, and oneself
    assert "Nina Nachbar" not in html and "Kunde</strong>" in html
    html = staff_client(desk["assignee"]).get(reverse("videosessions:call", args=[running.pk])).content.decode()
    assert "Nina Nachbar" in html


def test_a_jitsi_session_links_its_room(desk, settings):
    settings.VIDEO_JITSI_URL = "https://meet.example.org"
    session = services.session_create(desk["assignee"], desk["ticket"], title="Extern", visibility=Visibility.PUBLIC)
    html = staff_client(desk["staff"]).get(reverse("videosessions:call", args=[session.pk])).content.decode()
    assert f'href="https://meet.example.org/{session.room}"' in html
    services.session_transition(desk["customer"], session, "confirm")  # the customer agrees to the time
    html = code_client(desk["customer"]).get(portal_url("portal:video-call", desk, session)).content.decode()
    assert f'href="https://meet.example.org/{session.room}"' in html
    assert "video-call.js" not in html
    settings.VIDEO_JITSI_URL = ""
    html = code_client(desk["customer"], "en").get(portal_url("portal:video-call", desk, session)).content.decode()
    assert "The external video room is not available." in html and session.room not in html


# --- snapshots ------------------------------------------------------------------------------------------


def test_staff_send_an_internal_snapshot_into_the_ticket_updates(desk, running):
    url = reverse("videosessions:snapshot-upload", args=[running.pk])
    response = staff_client(desk["assignee"]).post(url, {"image": png(), "text": "Hier tropft es", "public": "0"})
    assert response.status_code == 201, response.content
    body = response.json()
    snapshot = Snapshot.objects.get(pk=body["id"])
    assert body["url"] == reverse("videosessions:snapshot", args=[running.pk, snapshot.pk])
    assert body["public"] is False
    assert snapshot.update.kind == "internal"
    assert snapshot.update.text == "Schnappschuss aus der Video-Session „Pumpe ansehen“: Hier tropft es"
    assert snapshot.update.attachments.get().content_type == "image/png"
    picture = staff_client(desk["staff"]).get(body["url"])
    assert picture.status_code == 200 and picture["Content-Type"] == "image/png"
    assert b"".join(picture.streaming_content).startswith(b"\x89PNG")


def test_a_code_users_snapshot_is_public_and_goes_through_the_portal(desk, running):
    url = portal_url("portal:video-snapshot-upload", desk, running)
    response = code_client(desk["customer"]).post(url, {"image": png("snapshot.jpg", _jpeg()), "text": "Das Typenschild", "public": "0"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["public"] is True  # by the rules
    assert body["url"] == portal_url("portal:video-snapshot", desk, running, body["id"])
    assert TicketUpdate.objects.get(video_snapshot__pk=body["id"]).author_code_user == desk["customer"]


def _jpeg() -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


@pytest.mark.parametrize(
    "data, message",
    [
        ({"text": "ohne Bild"}, "Der Schnappschuss enthält kein Bild."),
        ({"image": "text-not-a-file"}, "Der Schnappschuss enthält kein Bild."),
        ({"image": ("snapshot.png", b"GIF89a not a png")}, "Ein Schnappschuss muss ein Bild sein (PNG oder JPEG)."),
        ({"image": ("snapshot.gif", b"GIF89a\x01\x00\x01\x00")}, "Ein Schnappschuss muss ein Bild sein (PNG oder JPEG)."),
        ({"image": ("snapshot.png", None), "public": "vielleicht"}, "Wählen Sie intern oder öffentlich."),
        ({"image": ("snapshot.png", None), "text": "x" * 501}, "Text"),
    ],
)
def test_bad_uploads_get_a_clear_400_and_nothing_is_stored(desk, running, data, message):
    payload = dict(data)
    if isinstance(payload.get("image"), tuple):
        name, content = payload["image"]
        payload["image"] = png(name, content)
    response = staff_client(desk["assignee"]).post(reverse("videosessions:snapshot-upload", args=[running.pk]), payload)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert not Snapshot.objects.exists() and not TicketUpdate.objects.filter(ticket=desk["ticket"]).exists()


def test_a_snapshot_above_the_limit_is_refused(desk, running, settings):
    settings.VIDEO_SNAPSHOT_MAX_BYTES = 1024 * 1024
    big = png_bytes("x") + b"\x00" * (1024 * 1024)
    response = staff_client(desk["assignee"], "en").post(
        reverse("videosessions:snapshot-upload", args=[running.pk]), {"image": png(data=big)}
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "The snapshot is too large: at most 1 MB.", "code": "invalid", "errors": {"image": ["too_large"]},
    }
    assert not Snapshot.objects.exists()


def test_uploads_need_the_csrf_token_a_running_session_and_the_right_to_write(desk, running, public_session):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(desk["assignee"])
    assert csrf_client.post(reverse("videosessions:snapshot-upload", args=[running.pk]), {"image": png()}).status_code == 403
    services.session_transition(desk["assignee"], running, "end")
    response = staff_client(desk["assignee"]).post(reverse("videosessions:snapshot-upload", args=[running.pk]), {"image": png()})
    assert response.status_code == 409
    assert response.json()["error"] == "Schnappschüsse entstehen während des Anrufs."
    internal = services.session_create(desk["assignee"], desk["ticket"], title="Intern")
    services.session_join(desk["assignee"], internal, channel="c-internal")
    response = staff_client(desk["assignee"]).post(
        reverse("videosessions:snapshot-upload", args=[internal.pk]), {"image": png(), "public": "1"}
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"public": ["internal_session"]}
    # who may not see the session: the 404 page, nothing stored
    response = code_client(desk["stranger"]).post(portal_url("portal:video-snapshot-upload", desk, running), {"image": png()})
    assert response.status_code == 404
    assert response.status_code == 404 and not Snapshot.objects.exists()
    assert staff_client(desk["assignee"]).get(reverse("videosessions:snapshot-upload", args=[running.pk])).status_code == 405


def test_a_snapshot_picture_is_served_only_to_who_may_see_it(desk, running):
    internal = services.snapshot_store(desk["assignee"], running, image=png(), text="Nur intern", public=False)
    shared = services.snapshot_store(desk["assignee"], running, image=png(), text="Für alle", public=True)
    customer, neighbour = code_client(desk["customer"]), None
    other = desk["customer"].__class__.objects.create(access_code=desk["code"], display_name="Nina Nachbar")
    neighbour = code_client(other)
    # the customer was in the call: they saw both there
    assert customer.get(portal_url("portal:video-snapshot", desk, running, internal.pk)).status_code == 200
    assert customer.get(portal_url("portal:video-snapshot", desk, running, shared.pk)).status_code == 200
    # another code user of the ticket: the public one only
    assert neighbour.get(portal_url("portal:video-snapshot", desk, running, shared.pk)).status_code == 200
    assert neighbour.get(portal_url("portal:video-snapshot", desk, running, internal.pk)).status_code == 404
    assert code_client(desk["stranger"]).get(portal_url("portal:video-snapshot", desk, running, shared.pk)).status_code == 404
    # staff: who sees the ticket; a snapshot of another session is not under this one
    assert staff_client(desk["staff"]).get(reverse("videosessions:snapshot", args=[running.pk, internal.pk])).status_code == 200
    assert staff_client(UserFactory(role=None)).get(reverse("videosessions:snapshot", args=[running.pk, internal.pk])).status_code == 404
    second = services.session_create(desk["assignee"], desk["ticket"], title="Zweite", visibility=Visibility.PUBLIC)
    assert staff_client(desk["staff"]).get(reverse("videosessions:snapshot", args=[second.pk, internal.pk])).status_code == 404
    # the page lists what the person may see
    html = neighbour.get(portal_url("portal:video-call", desk, running)).content.decode()
    assert "Für alle" in html and "Nur intern" not in html
    assert running.state == SessionState.RUNNING
