"""A Mitarbeiter makes, copies and revokes a personal API token in the browser (German UI), at
desktop and phone width: top bar → Mein Profil → API-Tokens."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from api.models import ApiToken
from tests.browser.audit import PHONE, audit
from tests.factories import UserFactory

DESKTOP = 1360


def _german(text: str) -> re.Pattern:
    return re.compile(f"^{re.escape(text)}$")


@pytest.mark.parametrize("width", [DESKTOP, PHONE])
def test_a_staff_member_makes_copies_and_revokes_a_token(page, asgi_server, login, screenshot, width):
    url = asgi_server.url
    page.set_viewport_size({"width": width, "height": 844 if width == PHONE else 860})
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url)
    mia = UserFactory(first_name="Maria-Theresia", last_name="Schneider-Leutheusser")
    login(mia)

    # The name in the top bar opens Mein Profil; from there, API-Tokens.
    page.locator("header.topbar").get_by_role("link", name=re.compile("Schneider-Leutheusser")).click()
    expect(page).to_have_url(f"{url}/profile/")
    page.get_by_role("main").get_by_role("link", name="API-Tokens", exact=True).click()
    expect(page).to_have_url(f"{url}/profile/tokens/")
    expect(page.get_by_role("heading", name="API-Tokens", level=1)).to_be_visible()
    expect(page.get_by_text(_german("Sie haben kein aktives API-Token."))).to_be_visible()
    screenshot(f"api-tokens-empty-{width}")

    # A read-only token with the default expiry (today + 90 days).
    page.get_by_role("textbox", name=re.compile("^Name")).fill("Monitoring Halle B")
    read_only = page.get_by_role("radio", name=re.compile("^Nur lesen"))
    expect(read_only).to_be_checked()
    expiry = page.get_by_label(re.compile("^(?:Expires on|Läuft ab am)"))
    expect(expiry).to_have_value((timezone.localdate() + timedelta(days=90)).isoformat())
    page.get_by_role("button", name=_german("Token erstellen")).click()

    # Shown this once, with a warning, a copy button and an example.
    field = page.get_by_label("API-Token", exact=True)
    expect(field).to_be_visible()
    raw = field.input_value()
    token = ApiToken.objects.get(user=mia)
    assert raw.startswith(token.prefix) and len(raw) == 47
    assert (token.name, token.scope) == ("Monitoring Halle B", "read")
    assert timezone.localtime(token.expires_at).date() == timezone.localdate() + timedelta(days=90)
    expect(field).to_have_attribute("readonly", "")
    expect(page.get_by_role("alert")).to_contain_text(re.compile("not be shown again|nicht noch einmal angezeigt"))
    expect(page.locator(".token-example")).to_have_text(
        f'curl -H "Authorization: Bearer <token>" {url}/api/v1/tickets/'
    )
    page.get_by_role("button", name=_german("Kopieren")).click()
    expect(page.locator("[data-copy-status]")).to_have_text(
        _german("In die Zwischenablage kopiert.")
    )
    assert page.evaluate("() => navigator.clipboard.readText()") == raw
    audit(page, "api-tokens-created")  # layout, nothing sideways, axe; saves api-tokens-created-<width>.png

    # Back to the list: the token is gone from the page, its beginning stays.
    page.get_by_role("link", name=_german("Fertig: Ich habe das Token kopiert")).click()
    expect(page).to_have_url(f"{url}/profile/tokens/")
    expect(page.get_by_label("API-Token", exact=True)).to_have_count(0)
    assert raw not in page.content()
    item = page.locator(".token-item").filter(has_text="Monitoring Halle B")
    expect(item).to_contain_text(f"{token.prefix}…")
    expect(item).to_contain_text("Nur lesen")
    expect(item.locator(".state-badge")).to_have_text("Aktiv")
    screenshot(f"api-tokens-list-{width}")

    # Revoke, after confirming.
    item.locator("summary").click()
    confirm = item.get_by_role("button", name=_german("„Monitoring Halle B“ jetzt widerrufen"))
    expect(confirm).to_be_visible()
    screenshot(f"api-tokens-confirm-{width}")
    confirm.click()
    expect(page.locator(".flash-success")).to_have_text(_german("Das Token „Monitoring Halle B“ ist widerrufen: Es funktioniert nicht mehr."))
    ended = page.locator("#ended-tokens .token-item").filter(has_text="Monitoring Halle B")
    expect(ended.locator(".state-badge")).to_have_text(_german("Widerrufen"))
    expect(ended.locator("summary")).to_have_count(0)  # nothing left to revoke
    token.refresh_from_db()
    assert token.revoked_at is not None
    audit(page, "api-tokens-revoked")

    # And back to the profile.
    page.get_by_role("link", name=_german("Zurück zu meinem Profil")).click()
    expect(page).to_have_url(f"{url}/profile/")
