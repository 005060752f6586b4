"""Webhooks in the browser, the way an administrator goes: Einstellungen → Webhooks → a new
endpoint pointing at a real receiver on 127.0.0.1, its secret shown once and copied, a ticket
moved on in the browser so the server sends a signed delivery, the log with its attempts, a
resend, switching the endpoint off and on, deleting it. A moderator sees no webhooks at all.

The server is a real daphne process without REDIS_URL, so its in-process sender
(``webhooks.background``) sends each delivery right after the request's commit; the test waits
for the stored result with ``wait_for`` and then reloads the page, as a person would.

The webhook pages' texts are new (translated later), so the steps find things by URL, form
action, value and data attribute rather than by their wording.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from standardwebhooks.webhooks import Webhook

from fleet.roles import Role
from tests.factories import UserFactory, make_ticket
from tests.servers import AsgiServer, database_url_for_subprocess, wait_for
from tests.webhooks.receiver import Receiver
from tickets.choices import Status
from webhooks import services
from webhooks.models import Attempt, Delivery, DeliveryState, Endpoint

PHONE, DESKTOP = 390, 1360
HEIGHTS = {PHONE: 844, DESKTOP: 860}
WEBHOOKS = "/settings/webhooks/"


@pytest.fixture
def asgi_server(transactional_db):
    """The usual daphne process, allowed to send to the receiver on 127.0.0.1, in the embedded
    mode also in the PostgreSQL/Redis pass (REDIS_URL empty counts as unset): its own sender
    thread sends, no Celery worker is needed here (tests/webhooks/test_worker.py covers that)."""
    server = AsgiServer(
        database_url=database_url_for_subprocess(),
        extra_env={"WEBHOOK_ALLOW_PRIVATE_NETWORKS": "true", "WEBHOOK_SEND_IN_PROCESS": "true",
                   "WEBHOOK_TIMEOUT_SECONDS": "5", "REDIS_URL": ""},
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def receiver():
    receiver = Receiver().start()
    try:
        yield receiver
    finally:
        receiver.stop()


def _open_main_menu(page):
    """On a phone the side menu is folded behind its toggle; open it first."""
    toggle = page.locator("nav.sidebar .menu-toggle")
    if page.viewport_size["width"] == PHONE:
        expect(toggle).to_be_visible()
        toggle.click()
        expect(toggle).to_have_attribute("aria-expanded", "true")
    else:
        expect(toggle).to_be_hidden()
    return page.locator("nav.sidebar")


def _settings_nav(page):
    return page.locator("nav.settings-nav")


def _delivery(page, delivery):
    return page.locator(f"#delivery-{delivery.pk}")


@pytest.mark.parametrize("width", [DESKTOP, PHONE])
def test_an_administrator_sets_up_a_webhook_and_follows_its_deliveries(
    page, asgi_server, login, screenshot, receiver, width
):
    admin = UserFactory(role=Role.ADMINISTRATOR, first_name="Anna", last_name="Adler")
    ticket = make_ticket(Status.ASSIGNED, assignees=[admin], title="Hydraulikpresse HP-4000 verliert Öl")
    page.set_viewport_size({"width": width, "height": HEIGHTS[width]})
    login(admin)
    url = asgi_server.url

    # Side menu → Einstellungen → Webhooks.
    menu = _open_main_menu(page)
    menu.locator('a[href="/settings/"]').click()
    expect(page).to_have_url(f"{url}/settings/")
    _settings_nav(page).locator(f'a[href="{WEBHOOKS}"]').click()
    expect(page).to_have_url(f"{url}{WEBHOOKS}")
    expect(_settings_nav(page).locator(f'a[href="{WEBHOOKS}"]')).to_have_attribute("aria-current", "page")
    expect(page.locator("main .empty-state")).to_be_visible()
    screenshot(f"webhooks-list-empty-{width}")

    # A new endpoint: the receiver's URL, two event types, a description.
    page.locator('main a[href="/settings/webhooks/new/"]').click()
    expect(page).to_have_url(f"{url}/settings/webhooks/new/")
    page.locator("#id_url").fill(receiver.url)
    page.locator("#id_description").fill("ERP der Instandhaltung (Halle B)")
    page.locator('input[name="event_types"][value="ticket.status_changed"]').check()
    page.locator('input[name="event_types"][value="ticket.created"]').check()
    screenshot(f"webhooks-new-{width}")
    page.locator('main form[action="/settings/webhooks/new/"] button[type="submit"]').click()

    endpoint = wait_for(lambda: Endpoint.objects.filter(url=receiver.url).first(), message="the new endpoint")
    assert endpoint.event_types == ["ticket.created", "ticket.status_changed"]
    assert (endpoint.description, endpoint.include_internal, endpoint.is_active) == (
        "ERP der Instandhaltung (Halle B)", False, True)
    edit_path = f"{WEBHOOKS}{endpoint.pk}/"
    expect(page).to_have_url(f"{url}{edit_path}")

    # The secret, shown once, copied with its button.
    secret = page.locator("#webhook-secret")
    expect(secret).to_have_text(endpoint.secret)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url)
    copy = page.locator('button[data-copy="#webhook-secret"]')
    copied_label = copy.get_attribute("data-copied")
    copy.click()
    expect(copy).to_have_text(copied_label)
    assert page.evaluate("navigator.clipboard.readText()") == endpoint.secret
    expect(page.locator("main .delivery-log")).to_have_count(0)
    screenshot(f"webhooks-created-{width}")
    page.reload()
    expect(page.locator("#webhook-secret")).to_have_count(0)  # once
    expect(page.locator("main")).not_to_contain_text(endpoint.secret)

    # The list shows it, active.
    _settings_nav(page).locator(f'a[href="{WEBHOOKS}"]').click()
    row = page.locator("main tbody tr").filter(has=page.locator(f'a[href="{edit_path}"]'))
    expect(row).to_have_count(1)
    expect(row.locator(f'a[href="{edit_path}"]')).to_have_text(receiver.url)
    expect(row.locator(f'form[action="{edit_path}active/"] input[name="active"]')).to_have_value("0")
    screenshot(f"webhooks-list-{width}")

    # Work on the ticket in the browser: Zugewiesen → In Bearbeitung makes a ticket.status_changed.
    page.goto(f"{url}{ticket.get_absolute_url()}?edit=1")
    page.locator("#status-form label.status-step").filter(has=page.locator('input[value="in_progress"]')).click()
    page.locator('#status-form button[type="submit"]').click()
    expect(page.locator("#status-bar")).to_have_attribute("data-status", "in_progress")

    delivery = wait_for(
        lambda: Delivery.objects.filter(endpoint=endpoint, state=DeliveryState.SUCCEEDED).first(),
        timeout=30, message=f"the delivery to be sent by the server\n{asgi_server.log()}",
    )
    assert delivery.type == "ticket.status_changed"
    assert len(receiver.requests) == 1
    received = receiver.requests[0]
    assert received.path == "/hooks"
    assert received.headers["webhook-id"] == delivery.message_id
    body = Webhook(endpoint.secret).verify(received.body, received.headers)
    assert (body["type"], body["data"]["ticket"]["number"], body["data"]["ticket"]["status"]) == (
        "ticket.status_changed", ticket.number, "in_progress")

    # The endpoint's log: the delivery, delivered; its attempts folded until opened.
    page.goto(f"{url}{edit_path}")
    entry = _delivery(page, delivery)
    expect(entry.locator(".delivery-type")).to_have_text("ticket.status_changed")
    expect(entry.locator(".state-badge")).to_have_class(re.compile(r"\bstate-on\b"))
    attempts = entry.locator("table.attempts-table tbody tr")
    expect(attempts).to_have_count(1)
    expect(attempts.first).to_be_hidden()
    entry.locator("summary").click()
    expect(attempts.first).to_be_visible()
    expect(attempts.first.locator("td").nth(0)).to_have_text("1")
    expect(attempts.first.locator("td").nth(2)).to_have_text("200")
    expect(attempts.first.locator("td").nth(4)).to_have_text("ok")
    screenshot(f"webhooks-log-{width}")

    # Resend: the same message (the same webhook-id) once more, a second attempt in the same log.
    entry.locator(f'form[action="{edit_path}deliveries/{delivery.pk}/resend/"] button').click()
    expect(page).to_have_url(f"{url}{edit_path}#delivery-{delivery.pk}")
    wait_for(lambda: Attempt.objects.filter(delivery=delivery, status_code=200).count() == 2,
             timeout=30, message=f"the resent delivery\n{asgi_server.log()}")
    assert [r.headers["webhook-id"] for r in receiver.requests] == [delivery.message_id, delivery.message_id]
    page.reload()
    entry = _delivery(page, delivery)
    expect(entry.locator(".state-badge")).to_have_class(re.compile(r"\bstate-on\b"))
    entry.locator("summary").click()
    attempts = entry.locator("table.attempts-table tbody tr")
    expect(attempts).to_have_count(2)
    expect(attempts.nth(1).locator("td").nth(0)).to_have_text("2")
    expect(attempts.nth(1).locator("td").nth(2)).to_have_text("200")
    screenshot(f"webhooks-resent-{width}")

    # Switch it off: the page says so, and nothing is sent for the next change.
    page.locator(f'main aside form[action="{edit_path}active/"] button').click()
    expect(page).to_have_url(f"{url}{edit_path}")
    expect(page.locator("main h1 .state-badge")).to_have_class(re.compile(r"\bstate-off\b"))
    expect(page.locator(f'main aside form[action="{edit_path}active/"] input[name="active"]')).to_have_value("1")
    endpoint.refresh_from_db()
    assert endpoint.is_active is False
    expect(page.locator("main .flash-error")).to_contain_text(admin.display_name)  # who switched it off
    screenshot(f"webhooks-switched-off-{width}")

    # … and on again, from the list.
    _settings_nav(page).locator(f'a[href="{WEBHOOKS}"]').click()
    row = page.locator("main tbody tr").filter(has=page.locator(f'a[href="{edit_path}"]'))
    expect(row).to_have_class("row-inactive")
    screenshot(f"webhooks-list-inactive-{width}")
    row.locator(f'form[action="{edit_path}active/"] button').click()
    expect(page).to_have_url(f"{url}{WEBHOOKS}")
    expect(row).not_to_have_class("row-inactive")
    expect(row.locator(f'form[action="{edit_path}active/"] input[name="active"]')).to_have_value("0")
    endpoint.refresh_from_db()
    assert endpoint.is_active is True

    # Delete it, after the second look the confirmation asks for.
    row.locator(f'a[href="{edit_path}"]').click()
    confirm = page.locator("main details.confirm-box").filter(has=page.locator(f'form[action="{edit_path}delete/"]'))
    delete_form = confirm.locator("form")
    expect(delete_form).to_be_hidden()
    confirm.locator("summary").click()
    expect(delete_form).to_be_visible()
    screenshot(f"webhooks-delete-confirm-{width}")
    delete_form.locator("button").click()
    expect(page).to_have_url(f"{url}{WEBHOOKS}")
    expect(page.locator(f'main a[href="{edit_path}"]')).to_have_count(0)
    expect(page.locator("main .empty-state")).to_be_visible()
    assert not Endpoint.objects.filter(pk=endpoint.pk).exists()
    assert not Delivery.objects.filter(pk=delivery.pk).exists()
    screenshot(f"webhooks-deleted-{width}")


@pytest.mark.parametrize("width", [DESKTOP, PHONE])
def test_a_moderator_sees_no_webhooks(page, asgi_server, login, screenshot, receiver, settings, width):
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = True  # the receiver's address, checked in this process
    admin = UserFactory(role=Role.ADMINISTRATOR)
    endpoint, _secret = services.endpoint_create(admin, url=receiver.url, event_types=["ticket.created"])
    page.set_viewport_size({"width": width, "height": HEIGHTS[width]})
    login(UserFactory(role=Role.MODERATOR))

    _open_main_menu(page).locator('a[href="/settings/"]').click()
    expect(page).to_have_url(f"{asgi_server.url}/settings/")
    nav = _settings_nav(page)
    expect(nav.locator('a[href="/settings/templates/"]')).to_be_visible()  # the settings they do see
    expect(nav.locator(f'a[href="{WEBHOOKS}"]')).to_have_count(0)
    screenshot(f"webhooks-moderator-settings-{width}")

    for path in (WEBHOOKS, f"{WEBHOOKS}new/", f"{WEBHOOKS}{endpoint.pk}/"):
        response = page.goto(f"{asgi_server.url}{path}")
        assert response.status == 403, path
        expect(page.locator("main")).not_to_contain_text(endpoint.url)
    screenshot(f"webhooks-moderator-403-{width}")
