"""The interactive API reference at /api/docs/ works offline: Swagger UI comes from the
installation (drf-spectacular-sidecar), every operation of the schema is listed, and the page
asks nothing of any host but the server itself."""

import pytest
from playwright.sync_api import expect

from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.layout]


@pytest.mark.parametrize("width", [1360, 390])
def test_the_api_reference_renders_from_the_server_alone(page, asgi_server, login, screenshot, width):
    page.set_viewport_size({"width": width, "height": 900})
    hosts = []
    page.on("request", lambda request: hosts.append(request.url.split("/")[2]))
    login(UserFactory(first_name="Mia", last_name="Schneider"))
    page.goto(f"{asgi_server.url}/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Leitstand API")
    operations = page.locator(".opblock-summary-path")
    expect(operations.first).to_be_visible()
    paths = {text.replace("\u200b", "") for text in operations.all_inner_texts()}
    assert "/api/v1/tickets/{number}/transitions/{name}/" in paths
    assert "/api/v1/webhooks/{id}/deliveries/" in paths
    page.locator(".opblock-summary-path", has_text="/api/v1/tickets/{number}/transitions/").first.click()
    expect(page.locator(".opblock.is-open")).to_have_count(1)
    screenshot(f"api-docs-{width}")
    assert set(hosts) == {asgi_server.url.split("/")[2]}
