import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from config.demo.staff import DEMO_PASSWORD


@pytest.fixture
def demo_server(asgi_server):
    call_command("seed_demo")
    return asgi_server


def test_staff_member_logs_in_and_out_in_german(page, demo_server, screenshot):
    page.goto(f"{demo_server.url}/")
    expect(page).to_have_url(f"{demo_server.url}/login/?next=/")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_role("heading", name="Anmelden")).to_be_visible()
    screenshot("login")

    page.get_by_label("Benutzername").fill("mitarbeiter2")
    page.get_by_label("Passwort").fill("falsch")
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("alert")).to_contain_text("Benutzername oder Passwort ist falsch")
    expect(page.get_by_label("Benutzername")).to_have_value("mitarbeiter2")
    screenshot("login-error")

    page.get_by_label("Passwort").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page).to_have_url(f"{demo_server.url}/")
    expect(page.get_by_role("heading", name="Willkommen, Jonas Fischer")).to_be_visible()
    expect(page.get_by_role("navigation", name="Hauptmenü")).to_be_visible()
    screenshot("start-page")

    page.get_by_role("button", name="Abmelden").click()
    expect(page.get_by_role("heading", name="Sie sind abgemeldet.")).to_be_visible()
    page.goto(f"{demo_server.url}/")
    expect(page).to_have_url(f"{demo_server.url}/login/?next=/")


def test_language_switcher_changes_the_ui_to_english_and_back(page, demo_server):
    page.goto(f"{demo_server.url}/login/")
    page.get_by_label("Benutzername").fill("admin")
    page.get_by_label("Passwort").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("heading", name="Willkommen, Anna Adler")).to_be_visible()

    page.get_by_role("button", name="EN", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Welcome, Anna Adler")).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    page.get_by_role("button", name="DE", exact=True).click()
    expect(page.get_by_role("heading", name="Willkommen, Anna Adler")).to_be_visible()
