"""The portal's security findings (issue 24): session key rotation on sign-in, the PIN throttle per
access code, personal links that expire, can be revoked and ask the PIN on a new device."""

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import translation

from portal.sessions import CODE_USERS_SESSION_KEY, personal_link_token
from tests.factories import AccessCodeFactory, TicketTemplateFactory, make_ticket
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
