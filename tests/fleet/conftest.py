import pytest
from django.utils import translation

from fleet.roles import Role
from tests.factories import TicketTemplateFactory, UserFactory


@pytest.fixture(autouse=True)
def _english_messages():
    with translation.override("en"):
        yield


@pytest.fixture
def crew(db):
    """An admin, a moderator and three Mitarbeiter; a template offering to all staff, 1 place."""
    return {
        "admin": UserFactory(role=Role.ADMINISTRATOR, first_name="Anna", last_name="Adler"),
        "moderator": UserFactory(role=Role.MODERATOR, first_name="Moritz", last_name="Berger"),
        "mia": UserFactory(first_name="Mia", last_name="Schneider"),
        "jonas": UserFactory(first_name="Jonas", last_name="Fischer"),
        "lena": UserFactory(first_name="Lena", last_name="Wagner"),
    }


@pytest.fixture
def template(db):
    return TicketTemplateFactory(assignees_needed=1)
