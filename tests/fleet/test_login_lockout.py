"""Finding 2 of issue 24: repeated wrong passwords lock the username out from that address (the
staff login and the admin login), with a clear German page; a success resets the count, the lock
ends by itself or an administrator lifts it in the admin (django-axes)."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fleet.roles import Role
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _five_tries(settings):
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)


def _login(client, username, password, path="/login/"):
    return client.post(path, {"username": username, "password": password})


def test_the_fifth_wrong_password_locks_the_login_even_for_the_right_one(client):
    mia = UserFactory(username="mia")
    for _ in range(4):
        response = _login(client, "mia", "falsch")
        assert response.status_code == 200
        assert "Benutzername oder Passwort ist falsch" in response.content.decode()
    assert _login(client, "mia", "falsch").status_code == 429  # the fifth: locked from now on
    locked = _login(client, "mia", PASSWORD)
    assert locked.status_code == 429
    page = locked.content.decode()
    assert '<html lang="de">' in page and "Anmeldung gesperrt" in page
    assert "15" in page
    assert "_auth_user_id" not in client.session
    # The same username from another address, and another username from this one, are not locked.
    elsewhere = Client(REMOTE_ADDR="10.7.7.7")
    assert _login(elsewhere, "mia", PASSWORD).status_code == 302
    assert elsewhere.session["_auth_user_id"] == str(mia.pk)
    UserFactory(username="jonas")
    assert _login(client, "jonas", PASSWORD).status_code == 302


def test_the_lock_ends_after_the_cool_off_time(client):
    UserFactory(username="mia")
    for _ in range(5):
        _login(client, "mia", "falsch")
    assert _login(client, "mia", PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert _login(client, "mia", PASSWORD).status_code == 302


def test_a_success_resets_the_count(client):
    UserFactory(username="mia")
    for _ in range(4):
        _login(client, "mia", "falsch")
    assert _login(client, "mia", PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        assert _login(client, "mia", "falsch").status_code == 200
    assert _login(client, "mia", PASSWORD).status_code == 302


def test_the_admin_login_is_locked_the_same_way(client):
    UserFactory(username="anna", role=Role.ADMINISTRATOR, is_superuser=True, is_staff=True)
    admin_login = reverse("admin:login")
    for _ in range(4):
        assert _login(client, "anna", "falsch", admin_login).status_code == 200
    assert _login(client, "anna", "falsch", admin_login).status_code == 429
    assert _login(client, "anna", PASSWORD, admin_login).status_code == 429
    # One lock for both doors: the staff login refuses too.
    assert _login(client, "anna", PASSWORD).status_code == 429


def test_an_administrator_lifts_the_lock_in_the_admin(client):
    UserFactory(username="mia")
    for _ in range(5):
        _login(client, "mia", "falsch")
    assert _login(client, "mia", PASSWORD).status_code == 429
    attempt = AccessAttempt.objects.get(username="mia")

    admin = Client()
    admin.force_login(UserFactory(role=Role.ADMINISTRATOR, is_superuser=True, is_staff=True))
    listing = admin.get(reverse("admin:axes_accessattempt_changelist"))
    assert listing.status_code == 200 and "mia" in listing.content.decode()
    confirm = admin.post(reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"})
    assert confirm.status_code == 302
    assert not AccessAttempt.objects.exists()

    assert _login(client, "mia", PASSWORD).status_code == 302


def test_moderators_do_not_unlock(client):
    moderator = Client()
    moderator.force_login(UserFactory(role=Role.MODERATOR))
    response = moderator.get(reverse("admin:axes_accessattempt_changelist"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
