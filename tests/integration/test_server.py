"""The real server process (daphne, config.asgi) serves the app, not only the test client."""

import http.cookiejar
import re
import urllib.parse
import urllib.request

import pytest
from django.core.management import call_command

from config.demo.staff import DEMO_PASSWORD

pytestmark = pytest.mark.server


def _opener():
    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar)), jar


def test_demo_staff_logs_in_over_http_and_sees_the_german_start_page(asgi_server):
    call_command("seed_demo")
    opener, jar = _opener()

    with opener.open(f"{asgi_server.url}/login/", timeout=10) as response:
        login_page = response.read().decode()
    assert '<html lang="de">' in login_page
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page).group(1)

    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "username": "mitarbeiter1", "password": DEMO_PASSWORD, "next": "/"}
    ).encode()
    request = urllib.request.Request(
        f"{asgi_server.url}/login/", data=form, headers={"Referer": f"{asgi_server.url}/login/"}
    )
    with opener.open(request, timeout=10) as response:
        assert response.status == 200
        assert response.url == f"{asgi_server.url}/"
        start_page = response.read().decode()

    assert '<html lang="de">' in start_page
    assert "Willkommen, Mia Schneider" in start_page
    assert "Abmelden" in start_page
    assert any(cookie.name == "sessionid" for cookie in jar)


def test_server_serves_static_assets_and_htmx(asgi_server):
    with urllib.request.urlopen(f"{asgi_server.url}/static/css/app.css", timeout=10) as response:
        assert response.status == 200
        assert b"--c-primary" in response.read()
    with urllib.request.urlopen(f"{asgi_server.url}/static/django_htmx/htmx-2.min.js", timeout=10) as response:
        assert response.status == 200
