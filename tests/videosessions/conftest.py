import pytest

from tests.factories import AccessCodeFactory, CodeUserFactory, UserFactory, make_ticket
from tickets.choices import Status, Visibility


@pytest.fixture
def desk(db):
    """A public ticket In Bearbeitung on an access code: its assignee, another staff member (no
    assignee), a moderator, a code user of the code and one of another code, and an internal ticket."""
    code = AccessCodeFactory()
    assignee = UserFactory(first_name="Paula", last_name="Pfeiffer")
    ticket = make_ticket(Status.IN_PROGRESS, access_code=code, visibility=Visibility.PUBLIC, assignees=[assignee])
    internal = make_ticket(Status.IN_PROGRESS, access_code=code, visibility=Visibility.INTERNAL, assignees=[assignee])
    return {
        "code": code,
        "ticket": ticket,
        "internal_ticket": internal,
        "assignee": assignee,
        "staff": UserFactory(first_name="Otto", last_name="Ohnefall"),
        "moderator": UserFactory(role="Moderator"),
        "customer": CodeUserFactory(access_code=code, display_name="Eva Kunde"),
        "stranger": CodeUserFactory(display_name="Fremd"),
    }
