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


def test_every_event_of_the_catalogue_reaches_the_open_pages_last():
    from tickets.events import CATALOGUE

    for name in CATALOGUE:
        paths = [path for event_name, path in SUBSCRIPTIONS if event_name == name]
        assert paths[-1] == "messenger.live.push_page_event"
        assert paths.count("messenger.live.push_page_event") == 1
    assert {name for name, _path in SUBSCRIPTIONS} == set(CATALOGUE)
