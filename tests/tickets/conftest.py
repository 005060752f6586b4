from dataclasses import dataclass

import pytest

from common import events
from fleet.roles import Role
from tests.factories import AccessCodeFactory, CodeUserFactory, UserFactory, make_ticket
from tickets.choices import Status
from tickets.events import CATALOGUE


@dataclass
class Cast:
    """Everyone who might act on one ticket."""

    admin: object
    moderator: object
    assignee: object
    other_staff: object
    creator: object
    code_user: object  # came through the ticket's code
    foreign_code_user: object  # came through another code
    access_code: object

    def __getitem__(self, name):
        return getattr(self, name)


@pytest.fixture
def cast(db):
    code = AccessCodeFactory()
    return Cast(
        admin=UserFactory(role=Role.ADMINISTRATOR),
        moderator=UserFactory(role=Role.MODERATOR),
        assignee=UserFactory(),
        other_staff=UserFactory(),
        creator=UserFactory(),
        code_user=CodeUserFactory(access_code=code),
        foreign_code_user=CodeUserFactory(),
        access_code=code,
    )


@pytest.fixture
def ticket_in(cast):
    """ticket_in(status): a public ticket on the cast's code, created by cast.creator,
    with cast.assignee as the only assignee once it is past Offen."""

    def build(status):
        return make_ticket(
            status,
            creator=cast.creator,
            access_code=cast.access_code,
            assignees=[cast.assignee] if status not in (Status.DRAFT, Status.OPEN, Status.CANCELLED) else None,
        )

    return build


@pytest.fixture(autouse=True)
def _english_messages():
    """Domain tests read messages in the source language; page tests check the German UI."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def received():
    """The events of the tickets and the fleet (the messenger's status notices are its own changes)."""
    seen = []

    def record(event):
        if not event.name.startswith("messenger."):
            seen.append(event)

    for name in CATALOGUE:
        events.subscribe(name, record)
    yield seen
    for name in CATALOGUE:
        events.unsubscribe(name, record)
