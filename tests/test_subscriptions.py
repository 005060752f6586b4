"""The domain-event subscriptions are the one ordered list in config/subscriptions.py."""

from django.utils.module_loading import import_string

from common import events
from config.subscriptions import SUBSCRIPTIONS


def test_the_registered_subscribers_are_exactly_the_listed_ones_in_their_order():
    expected: dict[str, list] = {}
    for name, path in SUBSCRIPTIONS:
        expected.setdefault(name, []).append(import_string(path))
    registered = {name: list(subscribers) for name, subscribers in events._subscribers.items() if subscribers}
    assert registered == expected
    assert [path for name, path in SUBSCRIPTIONS if name == "ticket.transitioned"].index(
        "messenger.services.post_status_notice"
    ) < [path for name, path in SUBSCRIPTIONS if name == "ticket.transitioned"].index(
        "messenger.services.request_feedback_on_done"
    )
