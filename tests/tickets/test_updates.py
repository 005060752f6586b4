"""Public updates (the service log) and internal updates: who writes, what is kept, what is refused."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from common.errors import InvalidInput, PermissionDenied, WrongState
from tickets import services
from tickets.choices import Status, UpdateKind
from tickets.models import Attachment, TicketUpdate

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"0" * 64


def test_assignee_writes_public_and_internal_updates(cast, ticket_in):
    ticket = ticket_in(Status.IN_PROGRESS)
    public = services.update_post(cast.assignee, ticket, text="Techniker ist unterwegs.")
    internal = services.update_post(cast.assignee, ticket, text="Kunde war ungehalten.", internal=True)
    assert (public.kind, internal.kind) == (UpdateKind.PUBLIC, UpdateKind.INTERNAL)
    assert public.author == cast.assignee and public.author_name == cast.assignee.display_name


def test_staff_not_working_on_the_ticket_cannot_write(cast, ticket_in):
    ticket = ticket_in(Status.IN_PROGRESS)
    with pytest.raises(PermissionDenied):
        services.update_post(cast.other_staff, ticket, text="Ich auch")
    assert not TicketUpdate.objects.filter(ticket=ticket).exists()


def test_code_user_writes_public_updates_until_closed(cast, ticket_in):
    ticket = ticket_in(Status.IN_PROGRESS)
    update = services.update_post(cast.code_user, ticket, text="Es tropft jetzt stärker.")
    assert update.author_code_user == cast.code_user and update.kind == UpdateKind.PUBLIC

    with pytest.raises(PermissionDenied):
        services.update_post(cast.code_user, ticket, text="intern?", internal=True)
    with pytest.raises(PermissionDenied):
        services.update_post(cast.foreign_code_user, ticket, text="fremd")


@pytest.mark.parametrize("status", [Status.CLOSED, Status.CANCELLED])
def test_code_user_cannot_write_after_close_or_cancel(cast, ticket_in, status):
    ticket = ticket_in(status)
    with pytest.raises(WrongState) as error:
        services.update_post(cast.code_user, ticket, text="Noch etwas")
    assert "no more updates" in str(error.value)
    assert not TicketUpdate.objects.filter(ticket=ticket, author_code_user=cast.code_user).exists()


def test_code_user_cannot_write_on_an_internal_ticket(cast):
    from tests.factories import make_ticket

    ticket = make_ticket(Status.OPEN, access_code=cast.access_code, visibility="internal")
    with pytest.raises(PermissionDenied):
        services.update_post(cast.code_user, ticket, text="Hallo")


def test_updates_are_append_only_and_corrections_refer_to_the_original(cast, ticket_in):
    ticket = ticket_in(Status.IN_PROGRESS)
    original = services.update_post(cast.assignee, ticket, text="Ersatzteil kommt Montag.")
    original.text = "changed"
    with pytest.raises(ValidationError):
        original.save()
    with pytest.raises(ValidationError):
        original.delete()
    correction = services.update_post(cast.assignee, ticket, text="Korrektur: Dienstag.", corrects=original)
    assert correction.corrects == original
    assert TicketUpdate.objects.get(pk=original.pk).text == "Ersatzteil kommt Montag."


def test_correction_must_be_of_the_same_ticket_and_kind(cast, ticket_in):
    ticket = ticket_in(Status.IN_PROGRESS)
    internal = services.update_post(cast.assignee, ticket, text="intern", internal=True)
    with pytest.raises(InvalidInput):
        services.update_post(cast.assignee, ticket, text="öffentlich", corrects=internal)


@pytest.mark.parametrize("text", ["", "   \n ", None])
def test_empty_text_is_refused(cast, ticket_in, text):
    with pytest.raises(InvalidInput):
        services.update_post(cast.assignee, ticket_in(Status.IN_PROGRESS), text=text)


def test_hostile_text_is_stored_as_text(cast, ticket_in):
    hostile = '<script>alert("x")</script>\x00 & <b>fett</b>'
    update = services.update_post(cast.assignee, ticket_in(Status.IN_PROGRESS), text=hostile)
    assert update.text == '<script>alert("x")</script> & <b>fett</b>'  # NUL removed, rest kept verbatim


def test_too_long_text_is_refused(cast, ticket_in, settings):
    with pytest.raises(InvalidInput) as error:
        services.update_post(cast.assignee, ticket_in(Status.IN_PROGRESS), text="x" * (settings.UPDATE_MAX_LENGTH + 1))
    assert "at most" in str(error.value)


def test_attachments_are_stored_with_their_sniffed_type(cast, ticket_in, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    update = services.update_post(
        cast.assignee,
        ticket_in(Status.IN_PROGRESS),
        text="Fotos",
        attachments=[
            SimpleUploadedFile("leck.png", PNG, content_type="image/png"),
            SimpleUploadedFile("bericht.pdf", PDF, content_type="application/pdf"),
        ],
    )
    stored = sorted(update.attachments.all(), key=lambda a: a.original_name)
    assert [(a.original_name, a.content_type, a.size) for a in stored] == [
        ("bericht.pdf", "application/pdf", len(PDF)),
        ("leck.png", "image/png", len(PNG)),
    ]
    assert stored[1].file.read() == PNG
    assert "leck" not in stored[1].file.name  # stored under a random name


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("virus.exe", b"MZ\x90\x00", content_type="image/png"), "not an allowed file type"),
        (SimpleUploadedFile("fake.png", b"<html>", content_type="image/png"), "not an allowed file type"),
        (SimpleUploadedFile("binary.txt", b"\x00\x01\xff", content_type="text/plain"), "not an allowed file type"),
    ],
)
def test_disallowed_files_are_refused_and_nothing_is_stored(cast, ticket_in, settings, tmp_path, upload, message):
    settings.MEDIA_ROOT = tmp_path
    ticket = ticket_in(Status.IN_PROGRESS)
    with pytest.raises(InvalidInput) as error:
        services.update_post(cast.assignee, ticket, text="Anhang", attachments=[upload])
    assert message in str(error.value) and upload.name in str(error.value)
    assert not TicketUpdate.objects.filter(ticket=ticket).exists()
    assert not Attachment.objects.exists()


def test_oversized_and_too_many_files_are_refused(cast, ticket_in, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.ATTACHMENT_MAX_BYTES = 100
    ticket = ticket_in(Status.IN_PROGRESS)
    with pytest.raises(InvalidInput) as error:
        services.update_post(
            cast.assignee, ticket, text="groß", attachments=[SimpleUploadedFile("gross.png", PNG + b"0" * 100)]
        )
    assert "too large" in str(error.value)
    settings.ATTACHMENT_MAX_FILES = 2
    with pytest.raises(InvalidInput) as error:
        services.update_post(
            cast.assignee, ticket, text="viele", attachments=[SimpleUploadedFile(f"{i}.png", PNG) for i in range(3)]
        )
    assert "At most 2 files" in str(error.value)
    assert not TicketUpdate.objects.filter(ticket=ticket).exists()
