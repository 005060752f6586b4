"""The code user's ticket page holds three forms with a text field (rating, "problem persists",
service log): every field has its own id, every label points at its own field, also when a
form comes back with errors."""

import re
from collections import Counter

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation

from tests.factories import AccessCodeFactory, TicketTemplateFactory, UserFactory, make_ticket
from tests.portal.test_portal import enter
from tickets.choices import Status
from tickets.services import ticket_follow

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    with translation.override("de"):
        yield


def _ids_and_labels(html: str) -> tuple[Counter, list[str]]:
    ids = Counter(re.findall(r'\sid="([^"]+)"', html))
    labels = re.findall(r'<label[^>]*\sfor="([^"]+)"', html)
    return ids, labels


def _assert_labels_point_at_one_field_each(html: str) -> None:
    ids, labels = _ids_and_labels(html)
    assert [name for name, count in ids.items() if count > 1] == []
    assert [target for target in labels if ids[target] != 1] == []


def test_every_text_field_on_the_ticket_page_has_its_own_id(client):
    code = AccessCodeFactory(template=TicketTemplateFactory(asks_feedback=True))
    done = make_ticket(Status.DONE, access_code=code, assignees=[UserFactory()])
    ticket_follow(enter(client, code), done)  # she takes part: the rating form is hers
    url = reverse("portal:ticket", args=[code.token, done.number])

    html = client.get(url).content.decode()
    _assert_labels_point_at_one_field_each(html)
    for field_id in ("feedback_text", "problem_text", "update_text"):
        assert f'id="{field_id}"' in html and f'for="{field_id}"' in html

    # The forms come back with their errors: the same ids, the error next to the right field.
    for action, data, field_id in [
        ("portal:feedback", {"stars": "0"}, "feedback_stars"),
        ("portal:problem", {"text": ""}, "problem_text"),
    ]:
        response = client.post(reverse(action, args=[code.token, done.number]), data)
        assert response.status_code == 400
        html = response.content.decode()
        _assert_labels_point_at_one_field_each(html)
        assert f'id="{field_id}' in html
    assert 'id="problem_text-error"' in html
