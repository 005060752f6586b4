"""tickets.permissions: the one access rule, as a predicate and as a queryset, and they agree."""

import itertools

import pytest

from fleet.roles import Role
from tests.factories import AccessCodeFactory, CodeUserFactory, UserFactory, make_ticket
from tickets import permissions, selectors
from tickets.choices import Status, Visibility

pytestmark = pytest.mark.django_db

STATES = [Status.DRAFT, Status.OPEN, Status.IN_PROGRESS, Status.CLOSED]


@pytest.fixture
def world():
    code, other_code = AccessCodeFactory(), AccessCodeFactory()
    creator = UserFactory()
    tickets = [
        make_ticket(status, access_code=ticket_code, visibility=visibility, creator=creator)
        for status, ticket_code, visibility in itertools.product(
            STATES, [code, other_code, None], [Visibility.PUBLIC, Visibility.INTERNAL]
        )
    ]
    return {"code": code, "tickets": tickets, "creator": creator}


def _visible(code_user, ticket):
    return ticket.access_code == code_user.access_code and ticket.visibility == Visibility.PUBLIC and ticket.status != Status.DRAFT


@pytest.mark.parametrize("active", [True, False])
def test_a_code_user_sees_exactly_the_submitted_public_tickets_of_their_active_code(world, active):
    code = world["code"]
    code.is_active = active
    code.save(update_fields=["is_active"])
    code_user = CodeUserFactory(access_code=code)
    listed = set(selectors.tickets_for_code_user(code_user).values_list("pk", flat=True))
    for ticket in world["tickets"]:
        ticket.refresh_from_db()
        expected = active and _visible(code_user, ticket)
        assert permissions.code_user_can_see(code_user, ticket) is expected, ticket
        assert (ticket.pk in listed) is expected, ticket
    assert len(listed) == (3 if active else 0)  # open, in progress, closed


@pytest.mark.parametrize("role", [Role.STAFF, Role.MODERATOR, Role.ADMINISTRATOR])
def test_staff_predicate_and_queryset_agree(world, role):
    for user in (UserFactory(role=role), world["creator"]):
        listed = set(selectors.tickets_for_staff(user).values_list("pk", flat=True))
        for ticket in world["tickets"]:
            assert permissions.staff_can_see(user, ticket) is (ticket.pk in listed), (user, ticket)
    everyone_sees_drafts = role != Role.STAFF
    drafts = [t for t in world["tickets"] if t.status == Status.DRAFT]
    stranger = UserFactory(role=role)
    assert all(permissions.can_see(stranger, t) is everyone_sees_drafts for t in drafts)
    assert all(permissions.can_see(world["creator"], t) for t in drafts)


def test_inactive_staff_and_nobody_see_nothing(world):
    gone = UserFactory(role=Role.ADMINISTRATOR, is_active=False)
    assert not any(permissions.can_see(gone, t) for t in world["tickets"])
    assert not any(permissions.can_see(None, t) for t in world["tickets"])
    assert selectors.tickets_for_staff(gone).count() == 0
