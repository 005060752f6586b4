"""An installation from before the unread counts: the migration gives every assignee a read
cursor and counts each staff cursor's unread messages once (from then on the services keep them)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from fleet import services as fleet_services
from fleet.models import Assignment
from fleet.roles import Role
from messenger import services
from messenger.models import Message, ReadCursor
from tests.factories import AccessCodeFactory, CodeUserFactory, UserFactory, make_ticket
from tickets.choices import Status

BEFORE = [("messenger", "0002_message_sequence")]
AFTER = [("messenger", "0003_readcursor_unread")]


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.migrate(target)
    return executor.loader.project_state(target).apps


def _migrate_to_latest():
    """Every later migration again (the services use what they made), whatever the test found."""
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_assignees_cursors_and_counts_what_each_has_not_read():
    code = AccessCodeFactory()
    mia, jonas, moderator = UserFactory(), UserFactory(), UserFactory(role=Role.MODERATOR)
    ticket = make_ticket(Status.IN_PROGRESS, access_code=code, assignees=[mia])
    customer = CodeUserFactory(access_code=code)
    first, _ = services.message_post(customer, ticket, text="Eins")
    services.message_post(mia, ticket, text="Zwei")
    services.message_post(customer, ticket, text="Drei")
    everything = Message.objects.filter(ticket=ticket).count()
    try:
        old_apps = _migrate(BEFORE)
        OldCursor = old_apps.get_model("messenger", "ReadCursor")
        OldCursor.objects.all().delete()  # as before: cursors only where someone read
        OldCursor.objects.create(ticket_id=ticket.pk, user_id=mia.pk, last_read_id=first.pk)
        OldCursor.objects.create(ticket_id=ticket.pk, user_id=moderator.pk, last_read_id=first.pk)
        OldCursor.objects.create(ticket_id=ticket.pk, code_user_id=customer.pk, last_read_id=first.pk)
        # Jonas is assigned, never read (no cursor); the fleet's tables are as they were.
        Assignment.objects.create(ticket=ticket, user=jonas)
        _migrate(AFTER)
        counts = {c.user_id: c.unread for c in ReadCursor.objects.filter(ticket=ticket, user__isnull=False)}
    finally:
        _migrate_to_latest()

    # Mia: after "Eins", "Drei" (her own "Zwei" never counts); the moderator: "Zwei" and "Drei";
    # Jonas: everything, system notices included.
    assert counts == {mia.pk: 1, moderator.pk: 2, jonas.pk: everything}
    assert ReadCursor.objects.get(code_user=customer).unread == 0
    # From here the services keep them.
    services.message_post(customer, ticket, text="Vier")
    fleet_services.assignee_remove(moderator, ticket, jonas)
    assert {c.user_id: c.unread for c in ReadCursor.objects.filter(ticket=ticket, user__isnull=False)} == {
        mia.pk: 2, moderator.pk: 3, jonas.pk: everything + 1,
    }
