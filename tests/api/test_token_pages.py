"""The API token page under Mein Profil (/profile/tokens/): every staff member lists, makes (shown
once) and revokes their own tokens."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from api import services
from api.models import ApiToken, TokenScope
from fleet.roles import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PAGE = "/profile/tokens/"


@pytest.fixture(autouse=True)
def _english_messages():
    with translation.override("en"):
        yield


def _client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def _day(days: int) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


def _make(user, name="ERP", *, scope=TokenScope.READ, days=30):
    return services.token_create(user, name=name, scope=scope, expires_at=timezone.now() + timedelta(days=days))


def test_the_profile_links_to_the_page_and_the_page_back():
    client = _client(UserFactory())
    profile = client.get(reverse("fleet:profile")).content.decode()
    assert f'<a class="button" href="{PAGE}">API tokens</a>' in profile
    assert reverse("api-tokens:list") == PAGE
    page = client.get(PAGE).content.decode()
    assert 'href="/profile/"' in page and "Back to my profile" in page
    assert '<a href="/api/docs/">The API reference: every endpoint with its fields and answers</a>' in page


@pytest.mark.parametrize("role", [Role.STAFF, Role.MODERATOR, Role.ADMINISTRATOR])
def test_every_staff_member_sees_only_their_own_tokens(role):
    me, colleague = UserFactory(role=role), UserFactory()
    mine, _ = _make(me, "Mein Monitoring")
    theirs, _ = _make(colleague, "Fremdes ERP")
    response = _client(me).get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Mein Monitoring" in html and f"{mine.prefix}…" in html
    assert "Fremdes ERP" not in html and theirs.prefix not in html
    assert list(response.context["active_tokens"]) == [mine] and response.context["ended_tokens"] == []


def test_the_list_shows_scope_dates_last_use_and_state():
    me = UserFactory()
    used, raw = _make(me, "Benutzt", scope=TokenScope.WRITE)
    services.token_authenticate(raw)  # records the last use
    _make(me, "Unbenutzt")
    revoked, _ = _make(me, "Widerrufen")
    services.token_revoke(me, revoked.pk)
    expired, _ = _make(me, "Abgelaufen")
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    response = _client(me).get(PAGE)
    active, ended = response.context["active_tokens"], response.context["ended_tokens"]
    assert [t.name for t in active] == ["Unbenutzt", "Benutzt"]
    assert [(t.name, t.state) for t in ended] == [("Abgelaufen", "expired"), ("Widerrufen", "revoked")]
    html = response.content.decode()
    ended_part = html[html.index('id="ended-tokens"'):]
    assert ">Expired</span>" in ended_part and ">Revoked</span>" in ended_part
    assert html.count(">Active</span>") == 2
    assert "Read and write" in html and "Read only" in html
    assert html.count("<dd>Never</dd>") == 3  # all but the used one
    used.refresh_from_db()
    local_use = timezone.localtime(used.last_used_at)
    assert local_use.strftime("%Y-%m-%d %H:%M") in html  # English short format, in the person's time zone
    # Only the active ones can be revoked.
    assert html.count('/revoke/"') == 2


def test_the_form_offers_today_plus_90_days_within_a_year():
    html = _client(UserFactory()).get(PAGE).content.decode()
    assert f'type="date" name="expires_at" value="{_day(90)}"' in html
    # A year and a day from now, less the day in which that moment falls (today + 365 days, but
    # never past the service's limit when the clocks change in between).
    latest = timezone.localtime(timezone.now() + timedelta(days=366)).date() - timedelta(days=1)
    assert f'min="{_day(0)}" max="{latest.isoformat()}"' in html
    assert 'value="read" id="id_scope_0" required checked' in html
    assert "Reads tickets and everything else you may see; changes nothing." in html
    assert "Also creates and changes tickets, with your rights." in html


def test_creating_shows_the_token_once_and_it_works():
    me = UserFactory()
    client = _client(me)
    response = client.post(PAGE, {"name": "  ERP-Anbindung ", "scope": "write", "expires_at": _day(90)})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get(user=me)
    raw = response.context["raw_token"]
    html = response.content.decode()
    assert html.count(raw) == 1  # in the read-only field, nowhere else
    assert f'id="new-token" value="{raw}" readonly' in html
    assert "it will not be shown again" in html
    assert 'curl -H "Authorization: Bearer &lt;token&gt;" http://testserver/api/v1/tickets/' in html
    assert (token.name, token.scope, token.prefix) == ("ERP-Anbindung", "write", raw[:8])
    assert timezone.localtime(token.expires_at).date().isoformat() == _day(90)
    assert timezone.localtime(token.expires_at).strftime("%H:%M:%S") == "23:59:59"  # the day's end
    assert services.token_authenticate(raw) == token
    # Never again: the list shows its beginning only.
    again = client.get(PAGE).content.decode()
    assert raw not in again and f"{token.prefix}…" in again
    assert "raw_token" not in dict(client.session)


def test_the_latest_day_offered_is_accepted():
    me = UserFactory()
    client = _client(me)
    latest = client.get(PAGE).context["form"].fields["expires_at"].widget.attrs["max"]
    response = client.post(PAGE, {"name": "Ein Jahr", "scope": "read", "expires_at": latest})
    assert response.status_code == 200
    assert ApiToken.objects.get(user=me).scope == "read"


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"name": "", "scope": "read", "expires_at": 30}, "name", "Name is required."),
        ({"name": "   ", "scope": "read", "expires_at": 30}, "name", "Name is required."),
        ({"name": "x" * 101, "scope": "read", "expires_at": 30}, "name", "Name may have at most 100 characters."),
        ({"name": "ERP", "scope": "admin", "expires_at": 30}, "scope", "Choose read only or read and write."),
        ({"name": "ERP", "expires_at": 30}, "scope", "Choose read only or read and write."),
        ({"name": "ERP", "scope": "read", "expires_at": 367}, "expires_at", "A token must expire in the future, within a year."),
        ({"name": "ERP", "scope": "read", "expires_at": -1}, "expires_at", "A token must expire in the future, within a year."),
        ({"name": "ERP", "scope": "read", "expires_at": None}, "expires_at", "Choose the day the token expires."),
        ({"name": "ERP", "scope": "read", "expires_at": "31.12.2099"}, "expires_at", "Choose the day the token expires."),
    ],
)
def test_bad_input_is_shown_at_its_field_with_400_and_stores_nothing(data, field, message):
    me = UserFactory()
    if isinstance(data.get("expires_at"), int):
        data = {**data, "expires_at": _day(data["expires_at"])}
    elif data.get("expires_at") is None:
        data = {**data, "expires_at": ""}
    response = _client(me).post(PAGE, data)
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors == {field: [message]}
    assert "raw_token" not in response.context
    assert '<p class="field-error"' in response.content.decode() and message in response.content.decode()
    assert ApiToken.objects.count() == 0


def test_revoking_an_own_token():
    me = UserFactory()
    token, raw = _make(me)
    client = _client(me)
    response = client.post(reverse("api-tokens:revoke", args=[token.pk]))
    assert response.status_code == 302 and response["Location"] == f"{PAGE}#ended-tokens"
    token.refresh_from_db()
    assert token.revoked_at is not None and token.state == "revoked"
    assert services.token_authenticate(raw) is None
    page = client.get(PAGE)
    assert "The token “ERP” is revoked: it no longer works." in page.content.decode()
    assert page.context["active_tokens"] == [] and page.context["ended_tokens"] == [token]


def test_someone_elses_token_is_not_found_and_stays():
    me, colleague = UserFactory(), UserFactory(role=Role.ADMINISTRATOR)
    theirs, raw = _make(colleague)
    response = _client(me).post(reverse("api-tokens:revoke", args=[theirs.pk]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None and services.token_authenticate(raw) == theirs
    assert _client(me).post(reverse("api-tokens:revoke", args=[theirs.pk + 1000])).status_code == 404


def test_revoking_takes_a_post():
    me = UserFactory()
    token, _ = _make(me)
    assert _client(me).get(reverse("api-tokens:revoke", args=[token.pk])).status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None


def test_anonymous_visitors_are_sent_to_the_login():
    token, _ = _make(UserFactory())
    client = Client()
    for response in (
        client.get(PAGE),
        client.post(PAGE, {"name": "ERP", "scope": "read", "expires_at": _day(30)}),
        client.post(reverse("api-tokens:revoke", args=[token.pk])),
    ):
        assert response.status_code == 302 and response["Location"].startswith("/login/?next=/profile/tokens/")
    assert ApiToken.objects.count() == 1
    token.refresh_from_db()
    assert token.revoked_at is None


def test_forms_without_the_csrf_token_are_refused():
    me = UserFactory()
    token, _ = _make(me)
    client = Client(enforce_csrf_checks=True)
    client.force_login(me)
    assert client.post(PAGE, {"name": "Neu", "scope": "read", "expires_at": _day(30)}).status_code == 403
    assert client.post(reverse("api-tokens:revoke", args=[token.pk])).status_code == 403
    assert ApiToken.objects.filter(user=me).count() == 1
    token.refresh_from_db()
    assert token.revoked_at is None
    # With the page's token it works.
    csrf = client.get(PAGE).cookies["csrftoken"].value
    response = client.post(PAGE, {"name": "Neu", "scope": "read", "expires_at": _day(30), "csrfmiddlewaretoken": csrf})
    assert response.status_code == 200 and ApiToken.objects.filter(user=me).count() == 2
