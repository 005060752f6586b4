"""The fleet: the caller's offers, taking a ticket, and a ticket's Flottenmanagement tab (assign,
unassign, forward, release, send offers). Every rule is the fleet's (``fleet.services``,
``fleet.selectors``, ``fleet.permissions``); the views parse, call and render."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api.serializers.common import parse
from api.pagination import StableCursorPagination
from api.serializers import fleet as serializers
from api.views.tickets import NUMBER_PARAMETER, TICKET_NUMBER, TicketScoped
from fleet import selectors, services
from fleet.models import TicketOffer

OFFER_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The offer's id.")
# /tickets/{number}/… beside the tickets' own addresses (api.urls).
TICKET_PREFIX = rf"tickets/(?P<number>{TICKET_NUMBER})"

_FLEET_EXAMPLE = OpenApiExample(
    "an assigned ticket, as a moderator sees it", response_only=True, status_codes=["200"],
    value={
        "ticket": "2026-000123", "status": "assigned", "places_needed": 1, "can_steer": True, "can_claim": False,
        "assigned": [{
            "user": {"id": 7, "name": "Mia Schneider"}, "role": "Mitarbeiter", "is_me": False, "seen": True,
            "seen_at": "2026-03-02T08:15:00+01:00", "since": "2026-03-02T08:20:00+01:00", "offer": None,
            "actions": ["unassign", "forward"],
        }],
        "requested": [{
            "user": {"id": 9, "name": "Jonas Fischer"}, "role": "Mitarbeiter", "is_me": False, "seen": False,
            "seen_at": None, "since": "2026-03-02T08:00:00+01:00",
            "offer": {"id": 41, "state": "withdrawn", "state_at": "2026-03-02T08:20:00+01:00", "expires_at": "2026-03-03T08:00:00+01:00"},
            "actions": ["assign"],
        }],
        "available": [],
        "forward_targets": [{"id": 9, "name": "Jonas Fischer"}],
    },
)


class OfferPagination(StableCursorPagination):
    ordering = ("expires_at", "id")  # the soonest to run out first


@extend_schema_view(
    list=extend_schema(
        summary="My open offers",
        description="The offers waiting for the caller's answer (pending and not run out), the soonest to run out first.",
        responses={200: serializers.OfferSerializer(many=True)},
    ),
)
class OfferViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """``/offers/``: the caller's open offers and the answers to an offer (``{id}`` from this list
    or from a ticket's fleet). An offer that is neither the caller's nor on a ticket they steer is
    404, like one that does not exist."""

    serializer_class = serializers.OfferSerializer
    pagination_class = OfferPagination
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return TicketOffer.objects.none()  # the schema's generation, without a caller
        return selectors.open_offers(self.request.user)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}

    def _offer(self):
        digits = self.kwargs["pk"]  # [0-9]+; past 20 digits no id can match (and int() would refuse thousands)
        return selectors.access_offer(self.request.user, int(digits) if len(digits) <= 20 else 0, acting=True)

    def _answer(self, offer):
        offer.refresh_from_db()
        return Response(serializers.OfferSerializer(offer, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="Accept an offer",
        description=(
            "The caller becomes an assignee (the ticket Zugewiesen when it was Offen). 409 when the offer has "
            "expired, was withdrawn or answered, or someone else took the last place first; 403 for someone else's offer."
        ),
        parameters=[OFFER_ID], request=None, responses={200: serializers.OfferSerializer},
    )
    @action(detail=True, methods=["post"], url_path="accept", url_name="accept")
    def accept(self, request, pk=None):
        offer = self._offer()
        services.offer_accept(request.user, offer)
        return self._answer(offer)

    @extend_schema(
        summary="Decline an offer",
        parameters=[OFFER_ID], request=serializers.DeclineSerializer, responses={200: serializers.OfferSerializer},
        examples=[OpenApiExample("declined with a reason", request_only=True, value={"reason": "Bin diese Woche im Urlaub."})],
    )
    @action(detail=True, methods=["post"], url_path="decline", url_name="decline")
    def decline(self, request, pk=None):
        data = parse(serializers.DeclineSerializer, request.data)
        offer = self._offer()
        services.offer_decline(request.user, offer, **data)
        return self._answer(offer)

    @extend_schema(
        summary="Withdraw an offer",
        description="Administrators and moderators take back an open offer (403 for everyone else).",
        parameters=[OFFER_ID], request=None, responses={200: serializers.OfferSerializer},
    )
    @action(detail=True, methods=["post"], url_path="withdraw", url_name="withdraw")
    def withdraw(self, request, pk=None):
        offer = self._offer()
        services.offer_withdraw(request.user, offer)
        return self._answer(offer)


class TicketFleetViewSet(TicketScoped, viewsets.GenericViewSet):
    """``/tickets/{number}/fleet/…``, ``…/claim/`` and ``…/offers/``: each change answers with the
    fleet as the caller sees it afterwards."""

    serializer_class = serializers.FleetSerializer
    pagination_class = None

    def _fleet(self, changed=None):
        """The fleet now: after a change, of the ticket the change was made on (read again)."""
        if changed is None:
            ticket = self.ticket()
        else:
            ticket = changed
            ticket.refresh_from_db()
        overview = selectors.fleet_overview(self.request.user, ticket)
        return Response(serializers.FleetSerializer(serializers.fleet_body(ticket, overview)).data)

    @extend_schema(
        summary="Who works on the ticket",
        description=(
            "The Flottenmanagement tab: assigned, requested (received an offer, with its latest state) and available "
            "staff, who has seen the ticket, and for each member the actions the caller may take now."
        ),
        parameters=[NUMBER_PARAMETER], responses={200: serializers.FleetSerializer}, examples=[_FLEET_EXAMPLE],
    )
    @action(detail=False, methods=["get"], url_path="fleet", url_name="overview")
    def fleet(self, request, number=None):
        return self._fleet()

    @extend_schema(
        summary="Take the ticket (Übernehmen)",
        description=(
            "The caller takes an Offen ticket without an offer, when its template allows it (as if they had accepted "
            "one). 409 when someone else was quicker (all places taken) or the ticket is not Offen."
        ),
        parameters=[NUMBER_PARAMETER], request=None, responses={200: serializers.FleetSerializer},
    )
    @action(detail=False, methods=["post"], url_path="claim", url_name="claim")
    def claim(self, request, number=None):
        ticket = self.ticket()
        services.ticket_claim(request.user, ticket)
        return self._fleet(ticket)

    @extend_schema(
        summary="Assign a staff member",
        description="Administrators and moderators; an open offer of the member counts as answered.",
        parameters=[NUMBER_PARAMETER], request=serializers.StaffChoiceSerializer,
        responses={200: serializers.FleetSerializer},
        examples=[OpenApiExample("assign Mia", request_only=True, value={"user": 7})],
    )
    @action(detail=False, methods=["post"], url_path="fleet/assign", url_name="assign")
    def assign(self, request, number=None):
        data = parse(serializers.StaffChoiceSerializer, request.data)
        ticket = self.ticket()
        services.assignee_add(request.user, ticket, data["user"])
        return self._fleet(ticket)

    @extend_schema(
        summary="Unassign a staff member",
        description="Administrators and moderators; the last assignee leaving makes the ticket Offen again (offers go out).",
        parameters=[NUMBER_PARAMETER], request=serializers.UnassignSerializer,
        responses={200: serializers.FleetSerializer},
        examples=[OpenApiExample("unassign with a reason", request_only=True, value={"user": 7, "reason": "Krankmeldung"})],
    )
    @action(detail=False, methods=["post"], url_path="fleet/unassign", url_name="unassign")
    def unassign(self, request, number=None):
        data = parse(serializers.UnassignSerializer, request.data)
        ticket = self.ticket()
        services.assignee_remove(request.user, ticket, data["user"], reason=data["reason"])
        return self._fleet(ticket)

    @extend_schema(
        summary="Forward a place (Weiterleiten)",
        description=(
            "An assignee hands their place to a colleague; administrators and moderators may do it for an assignee "
            "(`from_user`)."
        ),
        parameters=[NUMBER_PARAMETER], request=serializers.ForwardSerializer,
        responses={200: serializers.FleetSerializer},
        examples=[OpenApiExample("hand on to Jonas", request_only=True, value={"to_user": 9, "reason": "Jonas kennt die Anlage."})],
    )
    @action(detail=False, methods=["post"], url_path="fleet/forward", url_name="forward")
    def forward(self, request, number=None):
        data = parse(serializers.ForwardSerializer, request.data)
        ticket = self.ticket()
        services.assignee_forward(request.user, ticket, data["to_user"], from_user=data["from_user"], reason=data["reason"])
        return self._fleet(ticket)

    @extend_schema(
        summary="Leave the ticket (Freigeben)",
        description=(
            "The caller gives up their own place (the tab's button); when they were the last assignee the ticket is "
            "Offen again and offers go out. Releasing a whole ticket (administrators) is the status bar's Offen."
        ),
        parameters=[NUMBER_PARAMETER], request=serializers.ReleaseSerializer,
        responses={200: serializers.FleetSerializer},
        examples=[OpenApiExample("released with a reason", request_only=True, value={"reason": "Ersatzteil fehlt, bitte übernehmen."})],
    )
    @action(detail=False, methods=["post"], url_path="fleet/release", url_name="release")
    def release(self, request, number=None):
        data = parse(serializers.ReleaseSerializer, request.data)
        ticket = self.ticket()
        services.assignee_release(request.user, ticket, reason=data["reason"])
        return self._fleet(ticket)

    @extend_schema(
        summary="Send offers",
        description=(
            "Administrators and moderators: offers to the chosen staff members, or without `users` to the template's "
            "recipients (minus assignees and open offers). 409 when all places are taken."
        ),
        parameters=[NUMBER_PARAMETER], request=serializers.OffersSendSerializer,
        responses={200: serializers.FleetSerializer},
        examples=[OpenApiExample("offer to two members", request_only=True, value={"users": [7, 9]})],
    )
    @action(detail=False, methods=["post"], url_path="offers", url_name="offers")
    def offers(self, request, number=None):
        data = parse(serializers.OffersSendSerializer, request.data)
        ticket = self.ticket()
        services.offers_send(request.user, ticket, data.get("users"))
        return self._fleet(ticket)
