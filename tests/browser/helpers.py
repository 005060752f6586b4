"""Shared steps of the browser tests."""

from tests.factories import PASSWORD


def open_as_staff(browser, server, user, path, **context_args):
    """A browser window of its own in which `user` signs in on the login page and lands on `path`."""
    context = browser.new_context(**{"locale": "de-DE", "viewport": {"width": 1360, "height": 900}, **context_args})
    page = context.new_page()
    page.goto(f"{server.url}/login/?next={path}")
    page.get_by_label("Benutzername").fill(user.username)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    return context, page


def wait_until_live(page, timeout: float = 20_000) -> None:
    """The page's conversation is live: its socket was welcomed by the server (the state line is
    hidden from the start, so its being hidden says nothing; on a busy machine the first handshake
    with a fresh server process can take seconds)."""
    from playwright.sync_api import expect

    expect(page.locator('#messenger[data-state="live"]')).to_be_attached(timeout=timeout)
    expect(page.locator("#messenger .connection-state")).to_be_hidden()

