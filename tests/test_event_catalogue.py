"""Every domain event of the catalogue (tickets/events.py), published by its real service, with its
exact envelope and payload; and the table in docs/architecture.md is the catalogue's."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from common import events
from fleet import services as fleet_services
from fleet.models import TicketOffer
from fleet.roles import Role
from messenger import services as messenger_services
from tests.factories import AccessCodeFactory, CodeUserFactory, TicketTemplateFactory, UserFactory, make_ticket
from tickets import services
from tickets.choices import OfferRecipients, Status, UpdateKind, Visibility
from tickets.events import CATALOGUE, EventType, _event, markdown_table

pytestmark = pytest.mark.django_db

DOCS = Path(__file__).resolve().parent.parent / "docs" / "architecture.md"


@pytest.fixture
def world(db):
    # Offers go only to chosen members (none): no automatic offers get in the way.
    template = TicketTemplateFactory(
        offer_recipients=OfferRecipients.MEMBERS, asks_feedback=True, default_visibility=Visibility.PUBLIC
    )
    code = AccessCodeFactory(template=template)
    return {
        "moderator": UserFactory(role=Role.MODERATOR, first_name="Moritz", last_name="Berger"),
        "mia": UserFactory(first_name="Mia", last_name="Schneider"),
        "jonas": UserFactory(first_name="Jonas", last_name="Fischer"),
        "code_user": CodeUserFactory(access_code=code, display_name="Karl Kunde"),
        "code": code,
        "template": template,
    }


def staff(user):
    return {"kind": "staff", "id": user.pk, "name": user.display_name}


def code_user(user):
    return {"kind": "code_user", "id": user.pk, "name": user.display_name}


SYSTEM = {"kind": "system", "id": None, "name": "System"}


def public_ticket(world, status, *, assignees=()):
    return make_ticket(
        status, access_code=world["code"], assignees=list(assignees) or None, creator=world["moderator"]
    )


def offer_to(world, ticket, user):
    fleet_services.offers_send(world["moderator"], ticket, users=[user])
    return TicketOffer.objects.get(ticket=ticket, user=user)


# Each scenario prepares (up to its ``yield``), then acts through one service and returns the
# ticket, the actor and payload expected, and whether the event is internal.


def created(w):
    yield
    ticket = services.ticket_create(w["moderator"], template=w["template"], title="Pumpe", visibility=Visibility.PUBLIC)
    return ticket, staff(w["moderator"]), {"status": Status.DRAFT, "visibility": Visibility.PUBLIC}, False


def changed_internal(w):
    ticket = make_ticket(Status.DRAFT, creator=w["mia"], visibility=Visibility.INTERNAL)
    yield
    services.ticket_update_fields(w["mia"], ticket, title="Neuer Titel")
    return ticket, staff(w["mia"]), {"fields": ["title"], "step": None}, True


def changed_step(w):
    ticket = services.ticket_create(w["mia"], template=w["template"], title="Pumpe", visibility=Visibility.PUBLIC)
    yield
    services.ticket_update_fields(w["mia"], ticket, complete_step="fields")
    return ticket, staff(w["mia"]), {"fields": [], "step": "fields"}, False


def transitioned(w):
    ticket = public_ticket(w, Status.IN_PROGRESS, assignees=[w["mia"]])
    yield
    services.ticket_transition(w["mia"], ticket, "finish", reason="Dichtung getauscht")
    payload = {"transition": "finish", "from": Status.IN_PROGRESS, "to": Status.DONE, "reason": "Dichtung getauscht"}
    return ticket, staff(w["mia"]), payload, False


def visibility_changed(w):
    ticket = public_ticket(w, Status.OPEN)
    yield
    services.ticket_set_visibility(w["moderator"], ticket, Visibility.INTERNAL)
    return ticket, staff(w["moderator"]), {"from": Visibility.PUBLIC, "to": Visibility.INTERNAL}, True


def public_update_posted(w):
    ticket = public_ticket(w, Status.OPEN)
    yield
    update = services.update_post(w["code_user"], ticket, text="Es tropft wieder")
    return ticket, code_user(w["code_user"]), {"update_id": update.pk, "kind": UpdateKind.PUBLIC, "corrects": None}, False


def internal_correction_posted(w):
    ticket = public_ticket(w, Status.IN_PROGRESS, assignees=[w["mia"]])
    first = services.update_post(w["mia"], ticket, text="Teil bestellt", internal=True)
    yield
    update = services.update_post(w["mia"], ticket, text="Teil kommt Freitag", internal=True, corrects=first)
    return ticket, staff(w["mia"]), {"update_id": update.pk, "kind": UpdateKind.INTERNAL, "corrects": first.pk}, True


def feedback_given(w):
    ticket = public_ticket(w, Status.DONE, assignees=[w["mia"]])
    services.ticket_follow(w["code_user"], ticket)
    yield
    services.feedback_submit(w["code_user"], ticket, stars=4, text="Danke")
    return ticket, code_user(w["code_user"]), {"stars": 4}, False


def assignee_added(w):
    ticket = public_ticket(w, Status.OPEN)
    yield
    fleet_services.assignee_add(w["moderator"], ticket, w["mia"])
    return ticket, staff(w["moderator"]), {"user_id": w["mia"].pk, "how": "assigned"}, False


def assignee_added_via_offer(w):
    ticket = public_ticket(w, Status.OPEN)
    offer = offer_to(w, ticket, w["jonas"])
    yield
    fleet_services.offer_accept(w["jonas"], offer)
    return ticket, staff(w["jonas"]), {"user_id": w["jonas"].pk, "how": "offer"}, False


def assignee_claimed(w):
    ticket = public_ticket(w, Status.OPEN)
    yield
    fleet_services.ticket_claim(w["mia"], ticket)
    return ticket, staff(w["mia"]), {"user_id": w["mia"].pk, "how": "claim"}, False


def assignee_removed(w):
    ticket = public_ticket(w, Status.ASSIGNED, assignees=[w["mia"], w["jonas"]])
    yield
    fleet_services.assignee_remove(w["moderator"], ticket, w["jonas"])
    return ticket, staff(w["moderator"]), {"user_id": w["jonas"].pk, "released": False}, False


def assignee_released(w):
    ticket = public_ticket(w, Status.IN_PROGRESS, assignees=[w["mia"]])
    yield
    fleet_services.assignee_release(w["mia"], ticket, reason="Urlaub")
    return ticket, staff(w["mia"]), {"user_id": w["mia"].pk, "released": True}, False


def forwarded(w):
    ticket = public_ticket(w, Status.IN_PROGRESS, assignees=[w["mia"]])
    yield
    fleet_services.assignee_forward(w["mia"], ticket, w["jonas"])
    return ticket, staff(w["mia"]), {"from_user_id": w["mia"].pk, "to_user_id": w["jonas"].pk}, False


def offers_sent(w):
    ticket = public_ticket(w, Status.OPEN)
    yield
    fleet_services.offers_send(w["moderator"], ticket, users=[w["jonas"], w["mia"]])
    return ticket, staff(w["moderator"]), {"user_ids": [w["jonas"].pk, w["mia"].pk]}, False


def offer_declined(w):
    ticket = public_ticket(w, Status.OPEN)
    offer = offer_to(w, ticket, w["jonas"])
    yield
    fleet_services.offer_decline(w["jonas"], offer)
    return ticket, staff(w["jonas"]), {"user_id": w["jonas"].pk}, False


def offer_withdrawn(w):
    ticket = public_ticket(w, Status.OPEN)
    offer = offer_to(w, ticket, w["jonas"])
    yield
    fleet_services.offer_withdraw(w["moderator"], offer)
    return ticket, staff(w["moderator"]), {"user_id": w["jonas"].pk}, False


def offers_expired(w):
    ticket = public_ticket(w, Status.OPEN)
    offer = offer_to(w, ticket, w["jonas"])
    yield
    fleet_services.offers_expire(now=offer.expires_at + timedelta(minutes=1))
    return ticket, SYSTEM, {"user_ids": [w["jonas"].pk]}, False


def seen(w):
    ticket = public_ticket(w, Status.OPEN)
    yield
    fleet_services.ticket_seen(w["mia"], ticket)
    return ticket, staff(w["mia"]), {"user_id": w["mia"].pk}, True


def message_posted(w):
    ticket = public_ticket(w, Status.OPEN)
    yield
    message, _created = messenger_services.message_post(w["code_user"], ticket, text="Hallo?", client_id="c-1")
    return ticket, code_user(w["code_user"]), {"message_id": message.pk, "shown": messenger_services.shown(message)}, False


def video_session_requested(w):
    from videosessions import services as video_services

    ticket = public_ticket(w, Status.IN_PROGRESS, assignees=[w["mia"]])
    yield
    session = video_services.session_request(w["code_user"], ticket, note="Morgen früh?")
    payload = {"session_id": session.pk, "title": "Video-Session, angefragt von Karl Kunde", "change": "requested",
               "state": "requested", "visibility": "public"}
    return ticket, code_user(w["code_user"]), payload, False


def internal_video_session_ended(w):
    from videosessions import services as video_services

    ticket = public_ticket(w, Status.IN_PROGRESS, assignees=[w["mia"]])
    session = video_services.session_create(w["mia"], ticket, title="Rücksprache Technik")
    video_services.session_join(w["mia"], session, channel="c-1")
    yield
    video_services.session_transition(w["mia"], session, "end")
    payload = {"session_id": session.pk, "title": "Rücksprache Technik", "change": "end", "state": "ended",
               "visibility": "internal"}
    return ticket, staff(w["mia"]), payload, True


def access_code_switched_off(w):
    from types import SimpleNamespace

    from tickets.services import access_code_set_active

    admin = UserFactory(role=Role.ADMINISTRATOR, first_name="Anna", last_name="Admin")
    yield
    access_code_set_active(admin, w["code"], False)
    no_ticket = SimpleNamespace(pk=None, number=None)  # the event is about the code
    return no_ticket, staff(admin), {"access_code_id": w["code"].pk, "active": False}, True


def access_code_switched_on_in_its_settings(w):
    from types import SimpleNamespace

    from tickets.services import access_code_set_active, access_code_update

    admin = UserFactory(role=Role.ADMINISTRATOR, first_name="Anna", last_name="Admin")
    access_code_set_active(admin, w["code"], False)
    yield
    code = w["code"]
    access_code_update(admin, code, label=code.label, template=code.template, is_active=True)
    no_ticket = SimpleNamespace(pk=None, number=None)
    return no_ticket, staff(admin), {"access_code_id": code.pk, "active": True}, True


SCENARIOS = {
    "ticket.created": [created],
    "ticket.changed": [changed_internal, changed_step],
    "ticket.transitioned": [transitioned],
    "ticket.visibility_changed": [visibility_changed],
    "ticket.update_posted": [public_update_posted, internal_correction_posted],
    "ticket.feedback_given": [feedback_given],
    "fleet.assignee_added": [assignee_added, assignee_added_via_offer, assignee_claimed],
    "fleet.assignee_removed": [assignee_removed, assignee_released],
    "fleet.forwarded": [forwarded],
    "fleet.offers_sent": [offers_sent],
    "fleet.offer_declined": [offer_declined],
    "fleet.offer_withdrawn": [offer_withdrawn],
    "fleet.offers_expired": [offers_expired],
    "fleet.seen": [seen],
    "messenger.message_posted": [message_posted],
    "video.session_changed": [video_session_requested, internal_video_session_ended],
    "access_code.switched": [access_code_switched_off, access_code_switched_on_in_its_settings],
}


def test_every_event_of_the_catalogue_has_a_scenario():
    assert list(SCENARIOS) == list(CATALOGUE)


@pytest.mark.parametrize(
    "name, scenario",
    [(name, scenario) for name, scenarios in SCENARIOS.items() for scenario in scenarios],
    ids=[scenario.__name__ for scenarios in SCENARIOS.values() for scenario in scenarios],
)
def test_the_service_publishes_the_event_with_its_exact_payload(
    name, scenario, world, django_capture_on_commit_callbacks
):
    received = []
    record = received.append
    for event_name in CATALOGUE:
        events.subscribe(event_name, record)
    try:
        steps = scenario(world)
        with django_capture_on_commit_callbacks(execute=True):
            next(steps)  # the preparation's own events are not what this test looks at
        received.clear()
        with django_capture_on_commit_callbacks(execute=True):
            with pytest.raises(StopIteration) as done:
                next(steps)
        ticket, actor, payload, internal = done.value.value
    finally:
        for event_name in CATALOGUE:
            events.unsubscribe(event_name, record)

    mine = [event for event in received if event.name == name]
    assert len(mine) == 1
    event = mine[0]
    assert (event.name, event.ticket_id, event.ticket_number, event.actor, event.payload, event.internal) == (
        name, ticket.pk, ticket.number, actor, payload, internal,
    )
    assert tuple(event.payload) == CATALOGUE[name].payload
    assert abs(event.occurred_at - timezone.now()) < timedelta(minutes=1)


def test_a_builder_that_would_send_other_keys_is_refused():
    event_type = EventType("ticket.example", ("status",), "An example.", "tests")
    ticket = make_ticket(Status.DRAFT)
    with pytest.raises(ValueError, match=r"ticket.example: payload keys \('state',\) differ"):
        _event(event_type, ticket, None, {"state": "draft"})


def test_the_docs_table_is_the_catalogue():
    text = DOCS.read_text(encoding="utf-8")
    start, end = "<!-- event catalogue: start -->", "<!-- event catalogue: end -->"
    table = text.split(start, 1)[1].split(end, 1)[0].strip()
    assert table == markdown_table(), (
        "docs/architecture.md's event table differs from tickets/events.py; replace it with:\n" + markdown_table()
    )
