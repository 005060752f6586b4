"""Staff open attachments through the app, after the same check as the ticket page."""

import importlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import clear_url_caches, reverse

from tests.factories import UserFactory, png_bytes
from tickets import services
from tickets.choices import Status
from tickets.models import Attachment

pytestmark = pytest.mark.django_db


def _post(actor, ticket, name, data, *, internal=False):
    update = services.update_post(actor, ticket, text=f"Anhang {name}", internal=internal,
                                  attachments=[SimpleUploadedFile(name, data)])
    return update.attachments.get()


def _url(attachment):
    return reverse("tickets:attachment", args=[attachment.update.ticket.number, attachment.pk])


def test_staff_see_photos_inline_and_download_pdfs(client, cast, ticket_in):
    ticket = ticket_in(Status.IN_PROGRESS)
    photo = _post(cast.assignee, ticket, "presse.png", png_bytes())
    pdf = _post(cast.assignee, ticket, "Prüfbericht.pdf", b"%PDF-1.4\n%\xe2\xe3\n", internal=True)
    client.force_login(cast.other_staff)

    response = client.get(_url(photo))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == png_bytes()
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"

    response = client.get(_url(pdf))  # internal updates are for staff: they get them too
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert "Pr%C3%BCfbericht.pdf" in response["Content-Disposition"]


def test_the_updates_tab_links_the_attachments(client, cast, ticket_in):
    ticket = ticket_in(Status.IN_PROGRESS)
    photo = _post(cast.assignee, ticket, "presse.png", png_bytes())
    client.force_login(cast.assignee)
    html = client.get(reverse("tickets:tab", args=[ticket.number, "updates"])).content.decode()
    assert f'href="{_url(photo)}"' in html and f'src="{_url(photo)}"' in html
    assert "/media/" not in html


def test_a_text_file_is_shown_as_text_never_as_a_page(client, cast, ticket_in):
    ticket = ticket_in(Status.IN_PROGRESS)
    text = _post(cast.assignee, ticket, "log.txt", b"<script>alert(1)</script>\n")
    client.force_login(cast.assignee)
    response = client.get(_url(text))
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "sandbox" in response["Content-Security-Policy"]


def test_who_may_not_see_the_ticket_gets_nothing(client, cast, ticket_in):
    ticket = ticket_in(Status.IN_PROGRESS)
    photo = _post(cast.assignee, ticket, "presse.png", png_bytes())
    assert client.get(_url(photo)).status_code == 302  # to the login page
    client.force_login(UserFactory(role=None))  # an account without a role
    assert client.get(_url(photo)).status_code == 404


def test_an_attachment_only_opens_under_its_own_ticket(client, cast, ticket_in):
    ticket = ticket_in(Status.IN_PROGRESS)
    other = ticket_in(Status.IN_PROGRESS)
    photo = _post(cast.assignee, ticket, "presse.png", png_bytes())
    client.force_login(cast.admin)
    assert client.get(reverse("tickets:attachment", args=[other.number, photo.pk])).status_code == 404
    assert client.get(reverse("tickets:attachment", args=[ticket.number, photo.pk + 1000])).status_code == 404


@pytest.fixture
def debug_urls(settings):
    """The URLs as `make run` builds them (DEBUG on, which is when Django would serve media)."""
    import config.urls

    settings.DEBUG = True
    importlib.reload(config.urls)
    clear_url_caches()
    yield
    settings.DEBUG = False
    importlib.reload(config.urls)
    clear_url_caches()


def test_uploaded_files_are_not_served_without_the_check(client, cast, ticket_in, debug_urls):
    ticket = ticket_in(Status.IN_PROGRESS)
    photo = _post(cast.assignee, ticket, "presse.png", png_bytes())
    client.force_login(cast.admin)
    assert client.get("/media/" + photo.file.name).status_code == 404
    assert client.get(_url(photo)).status_code == 200


def test_a_file_missing_on_disk_is_a_404_not_an_error(client, cast, ticket_in):
    ticket = ticket_in(Status.IN_PROGRESS)
    photo = _post(cast.assignee, ticket, "presse.png", png_bytes())
    photo.file.storage.delete(photo.file.name)
    client.force_login(cast.assignee)
    assert client.get(_url(Attachment.objects.get(pk=photo.pk))).status_code == 404
