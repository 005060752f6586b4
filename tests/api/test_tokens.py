"""Personal API tokens (issue 21, first step): made and shown once, stored as a digest, valid until
they expire or are revoked, narrowed by their scope; the endpoints that use them follow."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIRequestFactory

from api import selectors, services
from api.authentication import BearerTokenAuthentication, TokenScopeAllows
from api.models import ApiToken, TokenScope
from common.errors import InvalidInput, NotFound, PermissionDenied
from tests.factories import AccessCodeFactory, CodeUserFactory, UserFactory

pytestmark = pytest.mark.django_db


def _in(days: int):
    return timezone.now() + timedelta(days=days)


def test_a_token_is_shown_once_and_only_its_digest_is_stored():
    mia = UserFactory()
    token, raw = services.token_create(mia, name="  ERP-Anbindung ", scope=TokenScope.WRITE, expires_at=_in(30))
    assert raw.startswith("lst_") and len(raw) == 4 + 43
    assert (token.user, token.name, token.scope, token.prefix) == (mia, "ERP-Anbindung", "write", raw[:8])
    stored = ApiToken.objects.get(pk=token.pk)
    assert raw not in {stored.digest, stored.prefix, stored.name} and len(stored.digest) == 64
    assert services.token_authenticate(raw) == token
    other, other_raw = services.token_create(mia, name="Monitoring", scope=TokenScope.READ, expires_at=_in(1))
    assert other_raw != raw and list(selectors.tokens_of(mia)) == [other, token]


@pytest.mark.parametrize(
    "name, scope, days, field",
    [("", "read", 30, "name"), ("x" * 101, "read", 30, "name"), ("Gut", "admin", 30, "scope"),
     ("Gut", "read", 0, "expires_at"), ("Gut", "read", -1, "expires_at"), ("Gut", "read", 367, "expires_at")],
)
def test_bad_token_requests_are_refused_with_the_field_and_store_nothing(name, scope, days, field):
    with pytest.raises(InvalidInput) as refused:
        services.token_create(UserFactory(), name=name, scope=scope, expires_at=_in(days))
    assert list(refused.value.errors) == [field]
    assert ApiToken.objects.count() == 0


def test_only_staff_make_tokens():
    code_user = CodeUserFactory(access_code=AccessCodeFactory())
    with pytest.raises(PermissionDenied):
        services.token_create(code_user, name="Kunde", scope=TokenScope.READ, expires_at=_in(30))


def test_expired_revoked_foreign_and_made_up_tokens_are_not_valid():
    mia, jonas = UserFactory(), UserFactory()
    token, raw = services.token_create(mia, name="ERP", scope=TokenScope.WRITE, expires_at=_in(30))
    for made_up in ("", "lst_", raw + "x", "Bearer " + raw, raw.upper(), None, 42):
        assert services.token_authenticate(made_up) is None
    with pytest.raises(NotFound):
        services.token_revoke(jonas, token.pk)  # not his
    assert services.token_authenticate(raw) == token
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert services.token_authenticate(raw) is None
    second, second_raw = services.token_create(mia, name="ERP 2", scope=TokenScope.WRITE, expires_at=_in(30))
    revoked = services.token_revoke(mia, second.pk)
    assert revoked.revoked_at is not None and services.token_authenticate(second_raw) is None
    assert ApiToken.objects.filter(pk=second.pk).exists()  # kept for the record


def test_a_deactivated_users_token_stops_working():
    mia = UserFactory()
    _token, raw = services.token_create(mia, name="ERP", scope=TokenScope.WRITE, expires_at=_in(30))
    mia.is_active = False
    mia.save(update_fields=["is_active"])
    assert services.token_authenticate(raw) is None


def test_last_use_is_recorded_at_most_once_a_minute():
    token, raw = services.token_create(UserFactory(), name="ERP", scope=TokenScope.READ, expires_at=_in(30))
    assert token.last_used_at is None
    first = services.token_authenticate(raw).last_used_at
    assert first is not None and services.token_authenticate(raw).last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(minutes=2))
    assert services.token_authenticate(raw).last_used_at > first - timedelta(minutes=2)


def test_the_api_reads_the_bearer_header_and_a_read_only_token_only_reads():
    mia = UserFactory()
    read_token, read_raw = services.token_create(mia, name="Lesen", scope=TokenScope.READ, expires_at=_in(30))
    _write_token, write_raw = services.token_create(mia, name="Schreiben", scope=TokenScope.WRITE, expires_at=_in(30))
    factory, auth, scope = APIRequestFactory(), BearerTokenAuthentication(), TokenScopeAllows()

    from rest_framework.exceptions import AuthenticationFailed
    from rest_framework.request import Request

    def request(method, header):
        return Request(getattr(factory, method)("/api/v1/tickets/", HTTP_AUTHORIZATION=header))

    assert auth.authenticate(request("get", f"Bearer {read_raw}")) == (mia, read_token)
    assert auth.authenticate(request("get", "Token abc")) is None  # another scheme: not this one's
    for bad in ("Bearer", f"Bearer {read_raw} extra", "Bearer lst_nope"):
        with pytest.raises(AuthenticationFailed):
            auth.authenticate(request("get", bad))
    assert auth.authenticate_header(request("get", "")) == 'Bearer realm="api"'

    def allowed(method, raw):
        req = request(method, f"Bearer {raw}")
        req.user, req.auth = auth.authenticate(req)
        return scope.has_permission(req, None)

    assert [allowed(m, read_raw) for m in ("get", "head", "options", "post", "patch", "delete")] == [
        True, True, True, False, False, False,
    ]
    assert [allowed(m, write_raw) for m in ("get", "post", "patch", "delete")] == [True, True, True, True]
