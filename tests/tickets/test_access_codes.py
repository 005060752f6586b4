import base64
import io

import pytest
import segno
from django.urls import reverse

from common.errors import InvalidInput, PermissionDenied
from fleet.roles import Role
from tests.factories import TicketTemplateFactory, UserFactory
from tickets import services
from tickets.models import AccessCode

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return UserFactory(role=Role.ADMINISTRATOR)


def test_token_is_unguessable_and_url_safe(admin):
    code = services.access_code_create(admin, label="Presse 7", template=TicketTemplateFactory())
    raw = base64.urlsafe_b64decode(code.token + "=" * (-len(code.token) % 4))
    assert len(raw) * 8 >= 128
    assert code.token.replace("-", "").replace("_", "").isalnum()
    other = services.access_code_create(admin, label="Presse 8", template=code.template)
    assert other.token != code.token
    assert code.get_absolute_url() == f"/c/{code.token}/"


def test_pin_is_stored_hashed_and_checked(admin):
    code = services.access_code_create(admin, label="Foyer", template=TicketTemplateFactory(), pin="4711")
    assert code.has_pin and "4711" not in code.pin_hash
    assert code.check_pin("4711") and not code.check_pin("1234")
    services.access_code_set_pin(admin, code, None)
    assert not AccessCode.objects.get(pk=code.pk).has_pin


@pytest.mark.parametrize("pin", ["12", "abcd", "1234567890123", "12 34"])
def test_invalid_pins_are_refused(admin, pin):
    with pytest.raises(InvalidInput):
        services.access_code_create(admin, label="Foyer", template=TicketTemplateFactory(), pin=pin)
    assert not AccessCode.objects.exists()


def test_only_staff_with_the_permission_create_codes():
    with pytest.raises(PermissionDenied):
        services.access_code_create(UserFactory(role=Role.STAFF), label="X", template=TicketTemplateFactory())


def test_qr_code_as_svg_and_png_points_to_the_entry_page(client, admin, settings):
    settings.PUBLIC_BASE_URL = "https://service.example.org"
    code = services.access_code_create(admin, label="Presse 7", template=TicketTemplateFactory())
    client.force_login(UserFactory(role=Role.MODERATOR))

    svg = client.get(reverse("tickets:access-code-qr", args=[code.pk, "svg"]))
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml"
    assert svg.content.lstrip().startswith(b"<svg")

    png = client.get(reverse("tickets:access-code-qr", args=[code.pk, "png"]))
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")

    # The symbol encodes exactly the entry URL: it equals segno's symbol for that URL.
    expected = io.BytesIO()
    segno.make(f"https://service.example.org/c/{code.token}/", error="m").save(
        expected, kind="svg", scale=4, border=2, xmldecl=False
    )
    assert expected.getvalue() == svg.content


def test_qr_code_is_for_those_who_keep_the_codes_only(client, admin):
    """The QR code carries the code's address (whoever holds it becomes a code user): the settings'
    rule for reading codes decides, as for the settings pages and the API (issue 24's matrix found
    a Mitarbeiter getting it here while the API refused them)."""
    code = services.access_code_create(admin, label="Presse 7", template=TicketTemplateFactory())
    url = reverse("tickets:access-code-qr", args=[code.pk, "svg"])
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(UserFactory(role=None))
    assert client.get(url).status_code == 403
    client.force_login(UserFactory(role=Role.STAFF))
    assert client.get(url).status_code == 403
    assert client.get(reverse("tickets:access-code-qr", args=[code.pk, "png"])).status_code == 403
    client.force_login(UserFactory(role=Role.MODERATOR))
    assert client.get(url).status_code == 200
    assert client.get(reverse("tickets:access-code-qr", args=[code.pk + 999, "svg"])).status_code == 404
