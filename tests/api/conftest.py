from datetime import timedelta

import pytest
from django.utils import timezone, translation
from rest_framework.test import APIClient

from api import services as api_services
from api.models import TokenScope
from fleet.roles import Role
from tests.factories import TicketTemplateFactory, UserFactory


@pytest.fixture(autouse=True)
def _english_messages():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _generous_throttles(settings):
    settings.API_THROTTLE_RATES = {"token": "100000/minute", "user": "100000/minute"}


def token_for(user, scope=TokenScope.WRITE, *, days: int = 30) -> str:
    _token, raw = api_services.token_create(
        user, name=f"test {scope}", scope=scope, expires_at=timezone.now() + timedelta(days=days)
    )
    return raw


def client_with(raw_token: str | None) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if raw_token is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_token}")
    return client


@pytest.fixture
def api_client():
    """``api_client(user, scope=…)``: a client with a fresh personal token of that user."""

    def make(user, scope=TokenScope.WRITE):
        return client_with(token_for(user, scope))

    return make


@pytest.fixture
def crew(db):
    return {
        "admin": UserFactory(role=Role.ADMINISTRATOR, first_name="Anna", last_name="Adler"),
        "moderator": UserFactory(role=Role.MODERATOR, first_name="Moritz", last_name="Berger"),
        "mia": UserFactory(first_name="Mia", last_name="Schneider"),
        "jonas": UserFactory(first_name="Jonas", last_name="Fischer"),
    }


@pytest.fixture
def template(db):
    return TicketTemplateFactory(assignees_needed=1)


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    """Throttle counts live in the cache; ids come again after a test's rollback."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
