"""Playwright with Debian's Chromium (Playwright's own browser download does not work here)."""

from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "tests" / "artifacts"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "headless": True,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "de-DE", "viewport": {"width": 1360, "height": 860}}


@pytest.fixture
def screenshot(page):
    """Save a full-page screenshot under tests/artifacts/ for a human to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(name: str, of=None) -> Path:
        path = ARTIFACTS / f"{name}.png"
        (of or page).screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def login(page, asgi_server):
    """login(user): sign in through the login page like a person would."""
    from tests.factories import PASSWORD

    def sign_in(user):
        page.goto(f"{asgi_server.url}/login/")
        page.get_by_label("Benutzername").fill(user.username)
        page.get_by_label("Passwort").fill(PASSWORD)
        page.get_by_role("button", name="Anmelden").click()
        page.wait_for_url(f"{asgi_server.url}/")
        return page

    return sign_in
