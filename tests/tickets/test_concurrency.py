"""Racing transactions: two transitions on one ticket, many creations at once.

Real threads with their own database connections (on PostgreSQL in CI, and on SQLite locally).
"""

import threading

import pytest
from django.db import connection

from common.errors import DomainError
from tests.factories import CodeUserFactory, TicketTemplateFactory, UserFactory, make_ticket
from tickets import services
from tickets.choices import Status
from tickets.models import Ticket, TicketHistory

pytestmark = pytest.mark.django_db(transaction=True)


def _race(workers, timeout=30):
    """Start all workers at the same moment; return what each returned or raised."""
    barrier = threading.Barrier(len(workers))
    results = [None] * len(workers)

    def run(index, work):
        try:
            barrier.wait(timeout=timeout)
            results[index] = work()
        except Exception as error:  # noqa: BLE001 - the test inspects it
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, w)) for i, w in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads), "a worker hung"
    return results


def test_two_racing_transitions_do_not_both_succeed():
    """The code user rates (close) while the assignee reopens: whichever wins, the other is
    refused, because neither is allowed from the winner's state."""
    assignee = UserFactory()
    code_user = CodeUserFactory()
    ticket = make_ticket(Status.DONE, access_code=code_user.access_code, assignees=[assignee])
    history_before = TicketHistory.objects.filter(ticket=ticket).count()

    results = _race(
        [
            lambda: services.ticket_close(code_user, ticket.pk),
            lambda: services.ticket_reopen(assignee, ticket.pk),
        ]
    )
    succeeded = [r for r in results if isinstance(r, Ticket)]
    failed = [r for r in results if isinstance(r, DomainError)]
    assert len(succeeded) == 1 and len(failed) == 1, results
    assert failed[0].code in ("permission_denied", "wrong_state")
    assert Ticket.objects.get(pk=ticket.pk).status == succeeded[0].status
    assert TicketHistory.objects.filter(ticket=ticket).count() == history_before + 1


def test_the_same_transition_twice_at_once_happens_once():
    assignee = UserFactory()
    ticket = make_ticket(Status.ASSIGNED, assignees=[assignee])
    results = _race([lambda: services.ticket_start(assignee, ticket.pk) for _ in range(2)])
    assert sum(isinstance(r, Ticket) for r in results) == 1, results
    assert sum(isinstance(r, DomainError) and r.code == "wrong_state" for r in results) == 1
    assert TicketHistory.objects.filter(ticket=ticket, data__transition="start").count() == 1


def test_ticket_numbers_are_unique_under_concurrent_creation():
    template = TicketTemplateFactory()
    creators = [UserFactory() for _ in range(6)]
    results = _race(
        [lambda user=user: services.ticket_create(user, template=template, title=f"von {user}") for user in creators]
    )
    assert all(isinstance(r, Ticket) for r in results), results
    numbers = sorted(r.number for r in results)
    assert len(set(numbers)) == 6
    year = numbers[0][:4]
    assert numbers == [f"{year}-{n:06d}" for n in range(1, 7)]
