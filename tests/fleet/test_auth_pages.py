import pytest
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_start_page_requires_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_login_page_is_german_by_default(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="de">' in html
    assert "Anmelden" in html
    assert "Benutzername" in html and "Passwort" in html


def test_login_page_in_english_when_chosen(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    assert response.status_code == 302
    html = client.get(reverse("login")).content.decode()
    assert '<html lang="en">' in html
    assert "Log in" in html


def test_wrong_password_shows_a_clear_error_and_keeps_the_username(client):
    user = UserFactory()
    response = client.post(reverse("login"), {"username": user.username, "password": "wrong"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Benutzername oder Passwort ist falsch" in html
    assert f'value="{user.username}"' in html
    assert "_auth_user_id" not in client.session


def test_login_leads_to_the_german_start_page(client):
    user = UserFactory(first_name="Mia", last_name="Schneider")
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    html = response.content.decode()
    assert "Willkommen, Mia Schneider" in html
    assert "Mitarbeiter" in html


def test_logout_is_a_post_and_shows_the_logged_out_page(client):
    user = UserFactory()
    client.force_login(user)
    assert client.get(reverse("logout")).status_code == 405  # no logout by a stray link
    response = client.post(reverse("logout"))
    assert response.status_code == 200
    assert "Sie sind abgemeldet." in response.content.decode()
    assert client.get("/").status_code == 302


def test_health_endpoint_answers_with_the_database_vendor(client):
    from django.db import connection

    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": connection.vendor}
