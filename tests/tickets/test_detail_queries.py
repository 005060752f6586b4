"""The ticket page and each of its tabs cost a fixed, small number of queries, however much the
ticket has gathered (issue 23, item 5): the same number with 2 and with 10 updates, internal
updates, assignees and messages. None of them reads all tickets: the side menu's unread badge
comes from the viewer's active assignments (``tests/fleet/test_badge_queries.py`` asks the
database's planner about those)."""

import pytest
from django.urls import reverse

from fleet import services as fleet_services
from fleet.roles import Role
from messenger import services as messenger_services
from tests.factories import AccessCodeFactory, CodeUserFactory, TicketTemplateFactory, UserFactory, make_ticket
from tickets import services as ticket_services
from tickets.choices import Status

pytestmark = pytest.mark.django_db

# Queries of one request of an assignee who has opened the ticket before. What they are, for the
# Allgemein tab: session, user, the user's and the role's model permissions, the ticket, the
# GESEHEN marker, the feedback, guardian's object permissions on the ticket (the user's and their
# groups': read once per request however many checks the status bar makes,
# ``common.object_permissions``), whether anyone is assigned, who is (the status bar's staffing
# steps), the template's fields, the assignees with their names, the side menu's badges (open
# offers, notifications, the viewer's active assignments, their unread) and the viewer's role.
# Updates and Interne Updates add the updates with their authors and attachments; Flottenmanagement
# the staff, their roles, the offers and the seen markers; Video-Sessions the sessions; Verlauf the
# history.
EXPECTED = {"general": 18, "updates": 20, "internal": 20, "fleet": 23, "video": 19, "history": 19}


def _a_ticket_that_has_gathered(n: int):
    code = AccessCodeFactory(template=TicketTemplateFactory(assignees_needed=2 * n))
    assignees = [UserFactory() for _ in range(n)]
    ticket = make_ticket(Status.IN_PROGRESS, access_code=code, assignees=assignees)
    code_user = CodeUserFactory(access_code=code)
    moderator = UserFactory(role=Role.MODERATOR)
    for i in range(n):
        ticket_services.update_post(assignees[i], ticket, text=f"Vermerk-öffentlich-{i}", internal=False)
        ticket_services.update_post(assignees[i], ticket, text=f"Vermerk-intern-{i}", internal=True)
        messenger_services.message_post(code_user, ticket, text=f"Frage {i}")
        messenger_services.message_post(assignees[i], ticket, text=f"Antwort {i}")
        fleet_services.offers_send(moderator, ticket, [UserFactory()])
    return ticket, assignees[0]


@pytest.mark.parametrize("n", [2, 10])
@pytest.mark.parametrize("tab", list(EXPECTED))
def test_each_tab_costs_the_same_few_queries_however_much_the_ticket_holds(
    client, django_assert_num_queries, tab, n
):
    ticket, viewer = _a_ticket_that_has_gathered(n)
    url = ticket.get_absolute_url() if tab == "general" else reverse("tickets:tab", args=[ticket.number, tab])
    client.force_login(viewer)
    assert client.get(url).status_code == 200  # the first visit marks the ticket GESEHEN
    with django_assert_num_queries(EXPECTED[tab]):
        response = client.get(url)
    assert response.status_code == 200
    if tab == "updates":
        assert response.content.decode().count("Vermerk-öffentlich-") == n
    if tab == "internal":
        assert response.content.decode().count("Vermerk-intern-") == n
    if tab == "fleet":
        assert response.context["fleet"].assigned and len(response.context["fleet"].assigned) == n
