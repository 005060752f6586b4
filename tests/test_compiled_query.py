"""A hot query compiled once (``common.compiled``) answers exactly what its queryset answers."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from common.compiled import compiled_query
from tests.factories import AccessCodeFactory, CodeUserFactory, make_ticket
from tickets import selectors
from tickets.choices import Status
from tickets.models import ParticipationKind, TicketParticipant

pytestmark = pytest.mark.django_db


def test_participants_to_email_compiled_once_answers_as_its_queryset_for_every_ticket():
    code = AccessCodeFactory()
    with_address = [CodeUserFactory(access_code=code, email=f"kunde{i}@example.org") for i in range(4)]
    without_address = CodeUserFactory(access_code=code, email="")
    first, second, third = (make_ticket(Status.IN_PROGRESS, access_code=code) for _ in range(3))
    for ticket in (first, second):
        for code_user in [*with_address, without_address]:
            TicketParticipant.objects.create(ticket=ticket, code_user=code_user, kind=ParticipationKind.WROTE)
    # On the second ticket one has a digest pending and one unsubscribed.
    TicketParticipant.objects.filter(ticket=second, code_user=with_address[0]).update(email_due_at=timezone.now())
    TicketParticipant.objects.filter(ticket=second, code_user=with_address[1]).update(unsubscribed_at=timezone.now())

    expected = {
        first.pk: sorted(TicketParticipant.objects.filter(ticket=first).exclude(code_user=without_address).values_list("pk", flat=True)),
        second.pk: sorted(TicketParticipant.objects.filter(ticket=second, code_user__in=with_address[2:]).values_list("pk", flat=True)),
        third.pk: [],
    }
    for ticket_id, pks in expected.items():
        assert sorted(selectors.participants_to_email(ticket_id)) == pks
        assert sorted(selectors.participants_to_email.build(ticket_id)) == pks  # the queryset itself agrees
    with CaptureQueriesContext(connection) as queries:
        selectors.participants_to_email(first.pk)
    assert len(queries) == 1 and str(first.pk) in queries[0]["sql"]


def test_a_query_whose_key_is_not_its_parameter_exactly_once_is_refused():
    @compiled_query
    def twice(key):
        return TicketParticipant.objects.filter(ticket_id=key, code_user_id=key).values_list("pk", flat=True)

    with pytest.raises(ValueError, match="exactly once"):
        twice(1)
