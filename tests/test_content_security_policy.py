"""Finding 3 of issue 24 (the header; tests/browser/test_content_security_policy.py runs the pages
under it in Chromium): enforced without DEBUG, report-only in development, the Swagger UI page
alone allows inline styles, attachments keep their own stricter policy."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parent.parent


def _directives(header: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def test_pages_carry_the_enforced_policy_with_this_hosts_websockets(client):
    response = client.get("/login/")
    assert "Content-Security-Policy-Report-Only" not in response
    policy = _directives(response["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:", "blob:"]
    assert policy["media-src"] == ["'self'", "blob:"]
    assert policy["connect-src"] == ["'self'", "ws://testserver", "wss://testserver"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"] and policy["form-action"] == ["'self'"]
    over_tls = client.get("/login/", secure=True)
    assert _directives(over_tls["Content-Security-Policy"])["connect-src"] == ["'self'", "wss://testserver"]


def test_only_the_api_reference_allows_inline_styles():
    browser = Client()
    browser.force_login(UserFactory())
    docs = _directives(browser.get("/api/docs/")["Content-Security-Policy"])
    assert docs["style-src"] == ["'self'", "'unsafe-inline'"]
    assert docs["script-src"] == ["'self'"]
    assert _directives(browser.get("/tickets/")["Content-Security-Policy"])["style-src"] == ["'self'"]


def test_development_reports_instead_of_enforcing(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DEBUG", "SECRET_KEY", "LEITSTAND_"))}
    script = (
        "import json; from django.conf import settings; "
        "print(json.dumps([hasattr(settings, 'CONTENT_SECURITY_POLICY'), "
        "settings.CONTENT_SECURITY_POLICY_REPORT_ONLY['DIRECTIVES']['script-src']]))"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script], cwd=BASE_DIR,
        env={**env, "DEBUG": "true", "LEITSTAND_VAR_DIR": str(tmp_path)}, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [False, ["'self'"]]
