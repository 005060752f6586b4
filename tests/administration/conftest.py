import pytest

from fleet.roles import Role
from tests.factories import UserFactory


@pytest.fixture
def crew(db):
    """One of each role; the administrator is the only one."""
    return {
        "admin": UserFactory(role=Role.ADMINISTRATOR, first_name="Anna", last_name="Adler"),
        "moderator": UserFactory(role=Role.MODERATOR, first_name="Moritz", last_name="Berger"),
        "staff": UserFactory(role=Role.STAFF, first_name="Mia", last_name="Schneider"),
    }
