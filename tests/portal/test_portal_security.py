"""The portal's security findings (issue 24): session key rotation on sign-in, the PIN throttle per
access code, personal links that expire, can be revoked and ask the PIN on a new device."""

import time

import pytest
from django.conf import settings as django_settings
from django.core import signing
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import translation

from portal.sessions import CODE_USERS_SESSION_KEY, personal_link_token
from fleet.roles import Role
from tests.factories import AccessCodeFactory, TicketTemplateFactory, UserFactory, make_ticket
from tickets.choices import Status
from tickets.models import CodeUser

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    with translation.override("de"):
        yield


@pytest.fixture
def code():
    return AccessCodeFactory(template=TicketTemplateFactory(name="Störung"), label="Presse 7")


def _session_key(client) -> str:
    return client.cookies[django_settings.SESSION_COOKIE_NAME].value


def test_the_identity_form_gives_the_visitor_a_new_session_key_and_keeps_them_signed_in(client, code):
    client.get(code.get_absolute_url())
    client.session.save()  # the key a visitor might have been handed (session fixation)
    before = _session_key(client)
    response = client.post(code.get_absolute_url(), {"display_name": "Petra Huber", "email": "", "preferred_language": "de"})
    assert response.status_code == 302
    after = _session_key(client)
    assert after != before
    petra = CodeUser.objects.get(display_name="Petra Huber")
    assert client.session[CODE_USERS_SESSION_KEY] == {str(code.pk): petra.pk}
    assert "Petra Huber" in client.get(code.get_absolute_url()).content.decode()
    # The old key speaks for nobody.
    stale = Client()
    stale.cookies[django_settings.SESSION_COOKIE_NAME] = before
    assert "Wie dürfen wir Sie ansprechen" in stale.get(code.get_absolute_url()).content.decode()


def test_the_personal_link_gives_a_new_session_key_and_signs_in(code):
    petra = CodeUser.objects.create(access_code=code, display_name="Petra Huber")
    ticket = make_ticket(Status.OPEN, access_code=code, title="Mein Ticket")
    phone = Client()
    phone.session.save()  # a session the visitor already had (or was handed)
    before = _session_key(phone)
    response = phone.get(reverse("portal:link", args=[personal_link_token(petra, ticket)]))
    assert response.status_code == 302
    assert _session_key(phone) != before
    assert phone.session[CODE_USERS_SESSION_KEY] == {str(code.pk): petra.pk}
    assert "Mein Ticket" in phone.get(response["Location"]).content.decode()


def test_passing_the_pin_gives_a_new_session_key(client, code):
    code.set_pin("2468")
    code.save()
    client.get(code.get_absolute_url())
    client.session.save()
    before = _session_key(client)
    assert client.post(code.get_absolute_url(), {"pin": "2468"}).status_code == 302
    assert _session_key(client) != before
    assert "Wie dürfen wir Sie ansprechen" in client.get(code.get_absolute_url()).content.decode()


def test_wrong_pins_are_counted_per_code_whatever_address_they_come_from(code, settings):
    settings.PORTAL_CODE_RATE = "100/h"
    settings.PORTAL_PIN_RATE_PER_CODE = "3/h"
    code.set_pin("2468")
    code.save()
    other_code = AccessCodeFactory(template=code.template)
    other_code.set_pin("1357")
    other_code.save()
    for number in range(3):
        guesser = Client(REMOTE_ADDR=f"10.0.{number}.1")
        response = guesser.post(code.get_absolute_url(), {"pin": f"000{number}"})
        assert response.status_code == 403 and "PIN ist nicht richtig" in response.content.decode()
    # A fourth address, even with the right PIN: the code's PIN waits until the window ends.
    response = Client(REMOTE_ADDR="10.0.9.1").post(code.get_absolute_url(), {"pin": "2468"})
    assert response.status_code == 429 and "zu viele Versuche" in response.content.decode()
    # Other codes are not affected, and right PINs do not count.
    for number in range(4):
        visitor = Client(REMOTE_ADDR=f"10.1.{number}.1")
        assert visitor.post(other_code.get_absolute_url(), {"pin": "1357"}).status_code == 302


# --- personal links: expiry, revocation, the PIN on a new device ----------------------------------


def _link(code_user, ticket) -> str:
    return reverse("portal:link", args=[personal_link_token(code_user, ticket)])


def _link_made_days_ago(code_user, ticket, days: float) -> str:
    """A genuine link, signed like the portal signs them, but dated ``days`` ago."""
    class Dated(signing.TimestampSigner):
        def timestamp(self):
            return signing.b62_encode(int(time.time() - days * 86400))

    token = Dated(salt="leitstand.code-user.ticket-link").sign_object(
        {"u": code_user.pk, "t": ticket.pk, "v": code_user.access_code.links_version}, compress=True,
    )
    return reverse("portal:link", args=[token])


@pytest.fixture
def petra(code):
    return CodeUser.objects.create(access_code=code, display_name="Petra Huber")


def test_a_personal_link_works_until_it_is_older_than_the_setting(code, petra, settings):
    settings.PERSONAL_LINK_MAX_AGE_DAYS = 90
    ticket = make_ticket(Status.OPEN, access_code=code, title="Mein Ticket")
    fresh = Client().get(_link_made_days_ago(petra, ticket, 89))
    assert fresh.status_code == 302 and fresh["Location"] == reverse("portal:ticket", args=[code.token, ticket.number])
    phone = Client()
    expired = phone.get(_link_made_days_ago(petra, ticket, 91))
    assert expired.status_code == 410
    assert "Dieser Link funktioniert nicht mehr" in expired.content.decode()
    assert CODE_USERS_SESSION_KEY not in phone.session
    settings.PERSONAL_LINK_MAX_AGE_DAYS = 120
    assert Client().get(_link_made_days_ago(petra, ticket, 91)).status_code == 302


def test_the_ticket_page_says_how_long_its_link_works(client, code, settings):
    settings.PERSONAL_LINK_MAX_AGE_DAYS = 30
    client.get(code.get_absolute_url())
    client.post(code.get_absolute_url(), {"display_name": "Petra Huber", "email": "", "preferred_language": "de"})
    ticket = make_ticket(Status.OPEN, code_user=CodeUser.objects.get(display_name="Petra Huber"))
    page = client.get(reverse("portal:ticket", args=[code.token, ticket.number])).content.decode()
    days = translation.ngettext(
        "Bookmark this link to open the ticket again later, also on another device (for %(days)s day; with the code's PIN, if it has one). Do not share it.",
        "Bookmark this link to open the ticket again later, also on another device (for %(days)s days; with the code's PIN, if it has one). Do not share it.",
        30,
    ) % {"days": 30}
    assert days in page


def test_a_personal_link_asks_for_the_codes_pin_on_a_new_device(code, petra, settings):
    settings.PORTAL_CODE_RATE = "100/h"
    code.set_pin("2468")
    code.save()
    ticket = make_ticket(Status.OPEN, access_code=code, title="Geheime Störung")
    link = _link(petra, ticket)
    phone = Client()
    page = phone.get(link)
    assert page.status_code == 200
    html_text = page.content.decode()
    assert "Dieser Code ist geschützt" in html_text and "Geheime Störung" not in html_text
    assert CODE_USERS_SESSION_KEY not in phone.session
    wrong = phone.post(link, {"pin": "0000"})
    assert wrong.status_code == 403 and "PIN ist nicht richtig" in wrong.content.decode()
    assert CODE_USERS_SESSION_KEY not in phone.session
    right = phone.post(link, {"pin": "2468"})
    assert right.status_code == 302 and right["Location"] == link
    opened = phone.get(link)
    assert opened["Location"] == reverse("portal:ticket", args=[code.token, ticket.number])
    assert "Geheime Störung" in phone.get(opened["Location"]).content.decode()
    # The same device again: no second PIN.
    assert phone.get(link).status_code == 302


def test_wrong_pins_through_personal_links_are_throttled_like_every_pin(code, petra, settings):
    settings.PORTAL_CODE_RATE = "100/h"
    settings.PORTAL_PIN_RATE_PER_CODE = "2/h"
    code.set_pin("2468")
    code.save()
    link = _link(petra, make_ticket(Status.OPEN, access_code=code))
    for number in range(2):
        assert Client(REMOTE_ADDR=f"10.2.{number}.1").post(link, {"pin": "0000"}).status_code == 403
    assert Client(REMOTE_ADDR="10.2.9.1").post(link, {"pin": "2468"}).status_code == 429


def test_staff_revoke_every_personal_link_of_a_code_from_its_settings_page(code, petra):
    moderator = UserFactory(role=Role.MODERATOR)
    ticket = make_ticket(Status.OPEN, access_code=code, title="Mein Ticket")
    old_link = _link(petra, ticket)
    through_link = Client()
    assert through_link.get(old_link).status_code == 302
    own_device = Client()
    own_device.get(code.get_absolute_url())
    own_device.post(code.get_absolute_url(), {"display_name": "Karl Meier", "email": "", "preferred_language": "de"})

    staff = Client()
    staff.force_login(moderator)
    settings_page = staff.get(reverse("administration:code-edit", args=[code.pk])).content.decode()
    assert reverse("administration:code-revoke-links", args=[code.pk]) in settings_page
    response = staff.post(reverse("administration:code-revoke-links", args=[code.pk]))
    assert response.status_code == 302
    code.refresh_from_db()
    assert code.links_version == 2 and code.links_revoked_at is not None
    assert "Persönliche Links widerrufen." in staff.get(response["Location"]).content.decode()

    assert Client().get(old_link).status_code == 410
    # The device that came in through the old link is signed out of it; the one that signed in
    # through the code's own pages keeps its identity.
    assert "Wie dürfen wir Sie ansprechen" in through_link.get(code.get_absolute_url()).content.decode()
    assert "Karl Meier" in own_device.get(code.get_absolute_url()).content.decode()
    # A new link (the page and every e-mail make one now) works.
    petra.refresh_from_db()
    assert Client().get(_link(petra, ticket)).status_code == 302


def test_a_mitarbeiter_cannot_revoke_links(code):
    mia = Client()
    mia.force_login(UserFactory(role=Role.STAFF))
    response = mia.post(reverse("administration:code-revoke-links", args=[code.pk]))
    assert response.status_code == 403
    code.refresh_from_db()
    assert code.links_version == 1
