"""One desk in which every text a person can enter carries an XSS payload: the served-HTML, API,
socket, e-mail and Chromium tests of tests/hostile open it from every side."""

import pytest

from fleet.roles import Role
from messenger import services as messenger_services
from tests.factories import (
    AccessCodeFactory,
    CodeUserFactory,
    TemplateFieldFactory,
    TicketTemplateFactory,
    UserFactory,
    make_ticket,
    png_bytes,
)
from tickets import services as ticket_services
from tickets.choices import FieldType, Status, Visibility

# Each payload would set window.__xss if the browser ran it; the last two must come out literally.
PAYLOAD = '"><img src=x onerror=window.__xss=1></script><script>window.__xss=1</script>{{7*7}}'
SVG_PAYLOAD = "'><svg onload=window.__xss=1>"
# What must never appear in a served page: a tag the payload would open.
RAW_MARKERS = ("<img src=x onerror", "<script>window.__xss", "<svg onload")
# How autoescaping shows the payload: the text as typed, inert.
ESCAPED = "&quot;&gt;&lt;img src=x onerror=window.__xss=1&gt;&lt;/script&gt;&lt;script&gt;window.__xss=1&lt;/script&gt;{{7*7}}"


def named(kind: str) -> str:
    """The payload with a word in front, so each text can be found where it belongs."""
    return f"{kind} {PAYLOAD}"


@pytest.fixture
def hostile(db):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from videosessions import services as video_services

    template = TicketTemplateFactory(name=named("Vorlage"), asks_feedback=True)
    TemplateFieldFactory(template=template, key="serial", label=named("Feld"), field_type=FieldType.TEXT)
    code = AccessCodeFactory(template=template, label=named("Code"))
    admin = UserFactory(role=Role.ADMINISTRATOR, first_name="Anna", last_name="Adler")
    mia = UserFactory(first_name="Mia", last_name=named("Staff"))
    petra = CodeUserFactory(access_code=code, display_name=named("Kunde"))
    ticket = make_ticket(Status.IN_PROGRESS, access_code=code, assignees=[mia], visibility=Visibility.PUBLIC,
                         title=named("Titel"))
    ticket = ticket_services.ticket_update_fields(
        mia, ticket, description=named("Beschreibung") + "\n" + SVG_PAYLOAD, custom_values={"serial": named("Wert")},
    )
    ticket_services.update_post(mia, ticket, text=named("Update"))
    ticket_services.update_post(mia, ticket, text=named("Intern"), internal=True)
    ticket_services.update_post(petra, ticket, text=named("Kundenupdate"))
    messenger_services.message_post(mia, ticket, text=named("Nachricht"))
    messenger_services.message_post(petra, ticket, text=named("Kundennachricht"))
    session = video_services.session_create(mia, ticket, title=named("Video"), visibility=Visibility.PUBLIC)
    video_services.session_join(mia, session, channel="c-staff")
    video_services.session_join(petra, session, channel="c-customer")
    snapshot = video_services.snapshot_store(
        mia, session, image=SimpleUploadedFile("snap.png", png_bytes(), content_type="image/png"),
        text=named("Schnappschuss"), public=True,
    )
    rated = make_ticket(Status.DONE, code_user=petra, assignees=[mia], title=named("Erledigt"))
    ticket_services.feedback_submit(petra, rated, stars=2, text=named("Bewertung"))
    return {"template": template, "code": code, "admin": admin, "mia": mia, "petra": petra, "ticket": ticket,
            "session": session, "snapshot": snapshot, "rated": rated}
