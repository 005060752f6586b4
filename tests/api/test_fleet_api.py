"""The REST API's fleet: my offers and the answers to them, taking a ticket, and a ticket's
Flottenmanagement tab with its actions; every rule is the fleet's, every refusal the one error body."""

from datetime import timedelta

import pytest
from django.utils import timezone

from api.models import TokenScope
from fleet import services as fleet_services
from fleet.models import Assignment, OfferStatus, TicketOffer
from tests.factories import TicketTemplateFactory, UserFactory, make_ticket
from tickets.choices import Status
from tickets.models import TicketHistory

pytestmark = pytest.mark.django_db

NOT_FOUND_TICKET = {"code": "not_found", "message": "There is no such ticket, or you may not see it.", "errors": {}, "current_status": None}
NOT_FOUND_OFFER = {"code": "not_found", "message": "There is no such offer.", "errors": {}, "current_status": None}


def _offer(ticket, user) -> TicketOffer:
    return TicketOffer.objects.get(ticket=ticket, user=user)


def _assignees(ticket) -> set[str]:
    return set(Assignment.objects.filter(ticket=ticket).values_list("user__username", flat=True))


def _names(members) -> list[str]:
    return [m["user"]["name"] for m in members]


def _row(members, name) -> dict:
    return next(m for m in members if m["user"]["name"] == name)


@pytest.fixture
def offered(crew, template):
    """Two Offen tickets with offers to Mia (one of them also to Jonas)."""
    first = make_ticket(Status.OPEN, template=template, title="Pumpe 3 verliert Öl")
    second = make_ticket(Status.OPEN, template=template, title="Tor klemmt")
    fleet_services.offers_send(crew["moderator"], first, [crew["mia"], crew["jonas"]])
    fleet_services.offers_send(crew["moderator"], second, [crew["mia"]])
    TicketOffer.objects.filter(ticket=second).update(expires_at=timezone.now() + timedelta(hours=1))
    return first, second


# --- my offers -----------------------------------------------------------------------------------


def test_my_open_offers_soonest_first(crew, api_client, offered):
    first, second = offered
    gone = make_ticket(Status.OPEN, template=first.template, title="Alt")
    fleet_services.offers_send(crew["moderator"], gone, [crew["mia"]])
    TicketOffer.objects.filter(ticket=gone).update(expires_at=timezone.now() - timedelta(minutes=1))
    response = api_client(crew["mia"], TokenScope.READ).get("/api/v1/offers/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [(r["id"], r["ticket"]["number"], r["ticket"]["title"], r["state"]) for r in rows] == [
        (_offer(second, crew["mia"]).pk, second.number, "Tor klemmt", "pending"),
        (_offer(first, crew["mia"]).pk, first.number, "Pumpe 3 verliert Öl", "pending"),
    ]
    assert rows[0]["ticket"]["url"] == f"http://testserver/api/v1/tickets/{second.number}/"
    assert rows[0]["user"] == {"id": crew["mia"].pk, "name": "Mia Schneider"}
    assert rows[0]["expires_at"] == timezone.localtime(_offer(second, crew["mia"]).expires_at).isoformat()
    page = api_client(crew["mia"]).get("/api/v1/offers/?page_size=1").json()
    paged = [row["id"] for row in page["results"]]
    page = api_client(crew["mia"]).get(page["next"]).json()
    assert (paged + [row["id"] for row in page["results"]], page["next"]) == ([r["id"] for r in rows], None)
    jonas = api_client(crew["jonas"]).get("/api/v1/offers/").json()["results"]
    assert [r["ticket"]["number"] for r in jonas] == [first.number]


def test_accepting_an_offer_makes_the_caller_an_assignee(crew, api_client, offered):
    first, _second = offered
    offer = _offer(first, crew["mia"])
    response = api_client(crew["mia"]).post(f"/api/v1/offers/{offer.pk}/accept/")
    assert response.status_code == 200, response.content
    assert (response.json()["id"], response.json()["state"], response.json()["ticket"]["status"]) == (offer.pk, "accepted", "assigned")
    first.refresh_from_db()
    assert (first.status, _assignees(first)) == (Status.ASSIGNED, {crew["mia"].username})
    # The last place is taken: Jonas's offer was withdrawn, and accepting it now is a conflict.
    late = api_client(crew["jonas"]).post(f"/api/v1/offers/{_offer(first, crew['jonas']).pk}/accept/")
    assert late.status_code == 409
    assert late.json() == {
        "code": "condition_unmet", "message": "Someone else was quicker: the ticket already has all the assignees it needs.",
        "errors": {}, "current_status": None,
    }
    assert _assignees(first) == {crew["mia"].username}


def test_declining_with_a_reason(crew, api_client, offered):
    first, _second = offered
    offer = _offer(first, crew["mia"])
    response = api_client(crew["mia"]).post(f"/api/v1/offers/{offer.pk}/decline/", {"reason": "Bin im Urlaub."}, format="json")
    assert (response.status_code, response.json()["state"]) == (200, "declined")
    assert _offer(first, crew["mia"]).status == OfferStatus.DECLINED
    assert TicketHistory.objects.filter(ticket=first, field="offers", reason="Bin im Urlaub.", data__change="declined").count() == 1
    assert api_client(crew["mia"]).get("/api/v1/offers/").json()["results"][0]["ticket"]["number"] != first.number


def test_expired_and_withdrawn_offers_cannot_be_accepted(crew, api_client, offered):
    first, second = offered
    TicketOffer.objects.filter(ticket=second).update(expires_at=timezone.now() - timedelta(seconds=1))
    expired = api_client(crew["mia"]).post(f"/api/v1/offers/{_offer(second, crew['mia']).pk}/accept/")
    assert (expired.status_code, expired.json()["code"], expired.json()["message"]) == (409, "wrong_state", "This offer has expired.")
    fleet_services.offer_withdraw(crew["moderator"], _offer(first, crew["mia"]))
    withdrawn = api_client(crew["mia"]).post(f"/api/v1/offers/{_offer(first, crew['mia']).pk}/accept/")
    assert (withdrawn.status_code, withdrawn.json()["message"]) == (409, "This offer is no longer open (Withdrawn).")
    assert Assignment.objects.filter(user=crew["mia"]).count() == 0


def test_someone_elses_offer_is_not_found_unless_the_caller_steers_the_ticket(crew, api_client, offered):
    first, _second = offered
    offer = _offer(first, crew["mia"])
    jonas = api_client(crew["jonas"])
    for path in (f"{offer.pk}/accept/", f"{offer.pk}/decline/", f"{offer.pk}/withdraw/", "999999/accept/", "99999999999999999999/accept/",
                 "9" * 5000 + "/accept/"):
        response = jonas.post(f"/api/v1/offers/{path}", {}, format="json")
        assert (response.status_code, response.json()) == (404, NOT_FOUND_OFFER), path
    # The offer is the moderator's business (withdraw), but only Mia may answer it.
    answer = api_client(crew["moderator"]).post(f"/api/v1/offers/{offer.pk}/accept/")
    assert (answer.status_code, answer.json()["message"]) == (403, "This offer is meant for someone else.")
    own = api_client(crew["mia"]).post(f"/api/v1/offers/{offer.pk}/withdraw/")
    assert (own.status_code, own.json()["message"]) == (403, "Only administrators and moderators withdraw offers.")
    assert _offer(first, crew["mia"]).status == OfferStatus.PENDING


def test_moderators_and_administrators_withdraw_offers(crew, api_client, offered):
    first, _second = offered
    for actor, user in ((crew["moderator"], crew["mia"]), (crew["admin"], crew["jonas"])):
        response = api_client(actor).post(f"/api/v1/offers/{_offer(first, user).pk}/withdraw/")
        assert (response.status_code, response.json()["state"]) == (200, "withdrawn")
        assert _offer(first, user).status == OfferStatus.WITHDRAWN
    again = api_client(crew["admin"]).post(f"/api/v1/offers/{_offer(first, crew['mia']).pk}/withdraw/")
    assert (again.status_code, again.json()["code"]) == (409, "wrong_state")


def test_a_read_only_token_answers_no_offer(crew, api_client, offered):
    first, _second = offered
    offer = _offer(first, crew["mia"])
    reader = api_client(crew["mia"], TokenScope.READ)
    for action in ("accept", "decline"):
        refused = reader.post(f"/api/v1/offers/{offer.pk}/{action}/")
        assert (refused.status_code, refused.json()["message"]) == (403, "This token may only read.")
    assert _offer(first, crew["mia"]).status == OfferStatus.PENDING
    assert _assignees(first) == set()


# --- taking a ticket -----------------------------------------------------------------------------


def test_claiming_an_open_ticket_and_the_second_is_too_late(crew, api_client, template):
    ticket = make_ticket(Status.OPEN, template=template)
    response = api_client(crew["mia"]).post(f"/api/v1/tickets/{ticket.number}/claim/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], _names(body["assigned"]), body["can_claim"]) == ("assigned", ["Mia Schneider"], False)
    assert _assignees(ticket) == {crew["mia"].username}
    late = api_client(crew["jonas"]).post(f"/api/v1/tickets/{ticket.number}/claim/")
    assert (late.status_code, late.json()["code"], late.json()["message"]) == (
        409, "condition_unmet", "Someone else was quicker: the ticket already has all the assignees it needs.",
    )
    assert _assignees(ticket) == {crew["mia"].username}


def test_claiming_needs_the_template_to_allow_it_and_a_visible_ticket(crew, api_client):
    offers_only = TicketTemplateFactory(assignees_needed=1, allows_claiming=False)
    ticket = make_ticket(Status.OPEN, template=offers_only)
    refused = api_client(crew["mia"]).post(f"/api/v1/tickets/{ticket.number}/claim/")
    assert (refused.status_code, refused.json()["message"]) == (
        403, "Tickets of this template are assigned by offers only; please wait for one.",
    )
    draft = make_ticket(Status.DRAFT, creator=crew["jonas"])
    hidden = api_client(crew["mia"]).post(f"/api/v1/tickets/{draft.number}/claim/")
    assert (hidden.status_code, hidden.json()) == (404, NOT_FOUND_TICKET)
    missing = api_client(crew["mia"]).post("/api/v1/tickets/2026-999999/claim/")
    assert missing.json() == hidden.json()
    assert Assignment.objects.count() == 0


# --- a ticket's fleet ------------------------------------------------------------------------------


@pytest.fixture
def staffed(crew):
    """Assigned to Mia, two places, an open offer to Jonas; Mia has seen the ticket."""
    ticket = make_ticket(Status.ASSIGNED, template=TicketTemplateFactory(assignees_needed=2), assignees=[crew["mia"]])
    fleet_services.offers_send(crew["moderator"], ticket, [crew["jonas"]])
    fleet_services.ticket_seen(crew["mia"], ticket)
    return ticket


def test_the_fleet_shows_each_caller_their_own_actions(crew, api_client, staffed):
    url = f"/api/v1/tickets/{staffed.number}/fleet/"
    moderator = api_client(crew["moderator"]).get(url).json()
    assert (moderator["ticket"], moderator["status"], moderator["places_needed"], moderator["can_steer"]) == (
        staffed.number, "assigned", 2, True,
    )
    mia_row = _row(moderator["assigned"], "Mia Schneider")
    assert (mia_row["seen"], mia_row["actions"], mia_row["role"], mia_row["is_me"]) == (True, ["unassign", "forward"], "Staff member", False)
    assert mia_row["seen_at"] is not None
    jonas_row = _row(moderator["requested"], "Jonas Fischer")
    offer = _offer(staffed, crew["jonas"])
    assert (jonas_row["seen"], jonas_row["offer"]["id"], jonas_row["offer"]["state"], jonas_row["actions"]) == (
        False, offer.pk, "pending", ["assign", "withdraw"],
    )
    assert _row(moderator["available"], "Anna Adler")["actions"] == ["assign", "offer"]

    mia = api_client(crew["mia"], TokenScope.READ).get(url).json()
    assert (mia["can_steer"], _row(mia["assigned"], "Mia Schneider")["actions"]) == (False, ["release", "forward"])
    assert _row(mia["assigned"], "Mia Schneider")["is_me"] is True
    targets = [t["name"] for t in mia["forward_targets"]]
    assert "Jonas Fischer" in targets and "Mia Schneider" not in targets
    assert _row(mia["requested"], "Jonas Fischer")["actions"] == []
    jonas = api_client(crew["jonas"]).get(url).json()
    assert (_row(jonas["requested"], "Jonas Fischer")["actions"], jonas["forward_targets"]) == (["accept", "decline"], [])


def test_a_ticket_the_caller_may_not_see_has_no_fleet(crew, api_client):
    draft = make_ticket(Status.DRAFT, creator=crew["jonas"])
    client = api_client(crew["mia"])
    for url in (f"/api/v1/tickets/{draft.number}/fleet/", "/api/v1/tickets/2026-999999/fleet/"):
        response = client.get(url)
        assert (response.status_code, response.json()) == (404, NOT_FOUND_TICKET), url
    for action in ("fleet/assign/", "fleet/release/", "offers/"):
        response = client.post(f"/api/v1/tickets/{draft.number}/{action}", {"user": crew["mia"].pk}, format="json")
        assert (response.status_code, response.json()) == (404, NOT_FOUND_TICKET), action
    assert api_client(crew["jonas"]).get(f"/api/v1/tickets/{draft.number}/fleet/").status_code == 200


def test_moderators_assign_and_unassign_mitarbeiter_do_not(crew, api_client, template):
    ticket = make_ticket(Status.OPEN, template=template)
    refused = api_client(crew["mia"]).post(f"/api/v1/tickets/{ticket.number}/fleet/assign/", {"user": crew["jonas"].pk}, format="json")
    assert (refused.status_code, refused.json()["message"]) == (403, "Only administrators and moderators assign staff members.")
    assert _assignees(ticket) == set()

    assigned = api_client(crew["moderator"]).post(f"/api/v1/tickets/{ticket.number}/fleet/assign/", {"user": crew["jonas"].pk}, format="json")
    assert assigned.status_code == 200, assigned.content
    assert (assigned.json()["status"], _names(assigned.json()["assigned"])) == ("assigned", ["Jonas Fischer"])
    ticket.refresh_from_db()
    assert (ticket.status, _assignees(ticket)) == (Status.ASSIGNED, {crew["jonas"].username})

    url = f"/api/v1/tickets/{ticket.number}/fleet/unassign/"
    not_theirs = api_client(crew["mia"]).post(url, {"user": crew["jonas"].pk}, format="json")
    assert (not_theirs.status_code, not_theirs.json()["message"]) == (403, "You may only release tickets you are assigned to.")
    removed = api_client(crew["admin"]).post(url, {"user": crew["jonas"].pk, "reason": "Krankmeldung"}, format="json")
    assert (removed.status_code, removed.json()["status"], removed.json()["assigned"]) == (200, "open", [])
    assert _assignees(ticket) == set()
    assert TicketHistory.objects.filter(ticket=ticket, field="assignees", reason="Krankmeldung", data__change="removed").count() == 1


def test_forwarding_a_place(crew, api_client, staffed):
    url = f"/api/v1/tickets/{staffed.number}/fleet/forward/"
    stranger = api_client(crew["jonas"]).post(url, {"to_user": crew["admin"].pk}, format="json")
    assert (stranger.status_code, stranger.json()["message"]) == (403, "You may only forward tickets you are assigned to.")
    response = api_client(crew["mia"]).post(url, {"to_user": crew["jonas"].pk, "reason": "Jonas kennt die Anlage."}, format="json")
    assert response.status_code == 200, response.content
    assert _names(response.json()["assigned"]) == ["Jonas Fischer"]
    assert _assignees(staffed) == {crew["jonas"].username}
    assert _offer(staffed, crew["jonas"]).status == OfferStatus.WITHDRAWN  # the open offer is answered
    on_behalf = api_client(crew["moderator"]).post(url, {"to_user": crew["mia"].pk, "from_user": crew["jonas"].pk}, format="json")
    assert on_behalf.status_code == 200
    assert _assignees(staffed) == {crew["mia"].username}


def test_a_moderator_forwarding_for_a_member_who_is_not_assigned(crew, api_client, template):
    """The moderator may forward: naming a non-assignee is a wrong body (400), and a ticket that
    takes nobody now is 409; never "you may only forward tickets you are assigned to" (403)."""
    body = {"to_user": crew["jonas"].pk, "from_user": crew["mia"].pk}
    waiting = make_ticket(Status.OPEN, template=template)
    response = api_client(crew["moderator"]).post(f"/api/v1/tickets/{waiting.number}/fleet/forward/", body, format="json")
    assert (response.status_code, response.json()["message"], response.json()["errors"]) == (
        400, "Mia Schneider is not assigned to this ticket.", {"from_user": ["Mia Schneider is not assigned to this ticket."]},
    )
    draft = make_ticket(Status.DRAFT, template=template)
    response = api_client(crew["admin"]).post(f"/api/v1/tickets/{draft.number}/fleet/forward/", body, format="json")
    assert (response.status_code, response.json()["code"], response.json()["current_status"]) == (409, "wrong_state", "draft")
    assert not Assignment.objects.filter(ticket__in=[waiting, draft]).exists()


def test_releasing_the_callers_own_place(crew, api_client, staffed):
    url = f"/api/v1/tickets/{staffed.number}/fleet/release/"
    not_assigned = api_client(crew["jonas"]).post(url, {}, format="json")
    assert (not_assigned.status_code, not_assigned.json()["message"]) == (400, "Jonas Fischer is not assigned to this ticket.")
    response = api_client(crew["mia"]).post(url, {"reason": "Ersatzteil fehlt"}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["assigned"]) == ("open", [])
    staffed.refresh_from_db()
    assert (staffed.status, _assignees(staffed)) == (Status.OPEN, set())
    assert TicketHistory.objects.filter(ticket=staffed, reason="Ersatzteil fehlt", data__change="released").count() == 1


def test_sending_offers(crew, api_client, template):
    ticket = make_ticket(Status.OPEN, template=template)
    url = f"/api/v1/tickets/{ticket.number}/offers/"
    refused = api_client(crew["mia"]).post(url, {"users": [crew["jonas"].pk]}, format="json")
    assert (refused.status_code, refused.json()["message"]) == (403, "Only administrators and moderators send offers.")
    response = api_client(crew["moderator"]).post(url, {"users": [crew["jonas"].pk, crew["mia"].pk, crew["jonas"].pk]}, format="json")
    assert response.status_code == 200, response.content
    assert sorted(_names(response.json()["requested"])) == ["Jonas Fischer", "Mia Schneider"]
    assert set(TicketOffer.objects.filter(ticket=ticket).values_list("user__username", flat=True)) == {crew["jonas"].username, crew["mia"].username}
    twice = api_client(crew["moderator"]).post(url, {"users": [crew["jonas"].pk]}, format="json")
    assert (twice.status_code, twice.json()["message"]) == (400, "Jonas Fischer already has an open offer.")
    to_the_rest = api_client(crew["admin"]).post(url, {}, format="json")
    assert to_the_rest.status_code == 200
    assert TicketOffer.objects.filter(ticket=ticket, status=OfferStatus.PENDING).count() == len(to_the_rest.json()["requested"])
    assert TicketOffer.objects.filter(ticket=ticket, user=crew["admin"]).count() == 1
    fleet_services.assignee_add(crew["moderator"], ticket, crew["mia"])
    full = api_client(crew["moderator"]).post(url, {"users": [crew["admin"].pk]}, format="json")
    assert (full.status_code, full.json()["code"]) == (409, "condition_unmet")


def test_a_read_only_token_changes_no_fleet(crew, api_client, staffed):
    reader = api_client(crew["moderator"], TokenScope.READ)
    for action, payload in (("fleet/assign/", {"user": crew["admin"].pk}), ("fleet/unassign/", {"user": crew["mia"].pk}),
                            ("offers/", {}), ("claim/", {}), ("fleet/release/", {})):
        response = reader.post(f"/api/v1/tickets/{staffed.number}/{action}", payload, format="json")
        assert (response.status_code, response.json()["message"]) == (403, "This token may only read."), action
    assert _assignees(staffed) == {crew["mia"].username}
    assert TicketOffer.objects.filter(ticket=staffed).count() == 1


@pytest.mark.parametrize(
    "raw, field",
    [('{"user": 999999}', "user"), ('{"user": "abc"}', "user"), ('{"user": 1e400}', "user"),
     ('{"user": 99999999999999999999}', "user"), ('{"user": [1]}', "user"), ('{"user": {"id": 1}}', "user"),
     ('{"user": null}', "user"), ('{"user": true}', "user"), ('{"user": 1.5}', "user"), ("{}", "user"),
     ('[{"user": 1}]', "non_field_errors"), ('"user"', "non_field_errors")],
)
def test_bad_staff_ids_are_field_errors(crew, api_client, staffed, raw, field):
    response = api_client(crew["moderator"]).post(f"/api/v1/tickets/{staffed.number}/fleet/assign/", raw, content_type="application/json")
    assert response.status_code == 400, response.content
    assert (response.json()["code"], list(response.json()["errors"])) == ("invalid", [field])
    assert _assignees(staffed) == {crew["mia"].username}


def test_inactive_members_and_members_without_a_role_are_no_staff_to_choose(crew, api_client, staffed):
    gone, roleless = UserFactory(is_active=False), UserFactory(role=None)
    client = api_client(crew["moderator"])
    for action, payload in (("fleet/assign/", {"user": gone.pk}), ("fleet/forward/", {"to_user": roleless.pk, "from_user": crew["mia"].pk}),
                            ("offers/", {"users": [crew["jonas"].pk, roleless.pk]}), ("fleet/unassign/", {"user": ""})):
        response = client.post(f"/api/v1/tickets/{staffed.number}/{action}", payload, format="json")
        assert response.status_code == 400, action
        field = next(iter(payload))
        errors = response.json()["errors"]
        assert list(errors) == ([f"{field}.1"] if action == "offers/" else [field]), action
    assert client.post(f"/api/v1/tickets/{staffed.number}/fleet/assign/", {"user": gone.pk}, format="json").json()["errors"] == {
        "user": ["There is no active staff member with this id."],
    }
    assert _assignees(staffed) == {crew["mia"].username}
    assert TicketOffer.objects.filter(ticket=staffed).count() == 1
