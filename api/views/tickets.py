"""Tickets, their lifecycle and their history."""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api.serializers import tickets as serializers
from api.filters import StableOrderingFilter, TicketFilter
from api.serializers.common import parse
from api.pagination import StableCursorPagination
from fleet import selectors as fleet_selectors
from fleet import services as fleet_services
from tickets import selectors, services
from tickets.choices import Status
from tickets.services import TRANSITION_LABELS, TRANSITIONS

TICKET_NUMBER = r"[0-9]{4}-[0-9]{6,}"
# The two transitions that need the fleet (an assignee; releasing the assignees), as on the status bar.
STAFFING_TARGETS = {"assign": Status.ASSIGNED, "release": Status.OPEN}
ORDERING_FIELDS = ["number", "title", "created_at", "updated_at", "status_changed_at"]
NUMBER_PARAMETER = OpenApiParameter("number", str, OpenApiParameter.PATH, description="The ticket number, e.g. 2026-000123.")


class TicketScoped:
    """Views under /tickets/{number}/: the ticket, fetched and authorised in one step (404 when
    the caller may not see it, whether or not it exists)."""

    def ticket(self, *, lock: bool = False):
        return selectors.access_ticket(self.request.user, self.kwargs["number"], lock=lock)


@extend_schema_view(
    list=extend_schema(
        summary="List tickets",
        description="The tickets the caller may see (the ticket list's rules), filtered and ordered; cursor pages.",
        parameters=[OpenApiParameter(
            "ordering", str, enum=[f"{sign}{key}" for key in ORDERING_FIELDS for sign in ("", "-")],
            description="The order (default: newest first, -created_at).",
        )],
    ),
    retrieve=extend_schema(summary="A ticket", parameters=[NUMBER_PARAMETER]),
)
class TicketViewSet(TicketScoped, mixins.ListModelMixin, viewsets.GenericViewSet):
    lookup_field = "number"
    lookup_value_regex = TICKET_NUMBER
    serializer_class = serializers.TicketSerializer
    filter_backends = [DjangoFilterBackend, StableOrderingFilter]
    filterset_class = TicketFilter
    ordering_fields = ORDERING_FIELDS
    ordering = ["-created_at", "-id"]
    pagination_class = StableCursorPagination

    def get_queryset(self):
        return selectors.with_list_columns(selectors.tickets_for_staff(self.request.user))

    def retrieve(self, request, number=None):
        return Response(self._detail(number))

    def _detail(self, number: str) -> dict:
        ticket = selectors.access_ticket(self.request.user, number, list_columns=True)
        return serializers.TicketDetailSerializer(ticket, context=self.get_serializer_context()).data

    @extend_schema(
        summary="Create a ticket",
        request=serializers.TicketCreateSerializer,
        responses={201: serializers.TicketDetailSerializer},
        examples=[OpenApiExample("a report from monitoring", request_only=True, value={
            "template": 1, "title": "Kühlung Halle 3 meldet Übertemperatur", "description": "Sensor T-17: 41 °C",
            "visibility": "internal", "submit": True,
        })],
    )
    def create(self, request):
        data = parse(serializers.TicketCreateSerializer, request.data)
        ticket = services.ticket_create_complete(request.user, **data)
        return Response(self._detail(ticket.number), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change title, description or template fields",
        parameters=[NUMBER_PARAMETER],
        request=serializers.TicketUpdateSerializer,
        responses={200: serializers.TicketDetailSerializer},
    )
    def partial_update(self, request, number=None):
        data = parse(serializers.TicketUpdateSerializer, request.data)
        ticket = self.ticket()
        if "custom_values" in data:
            data["custom_values"] = {**ticket.custom_values, **data["custom_values"]}
        ticket = services.ticket_update_fields(request.user, ticket, **data)
        return Response(self._detail(ticket.number))


    @extend_schema(
        summary="The transitions and whether the caller may do each now",
        description="The status bar's options: every transition, the status it leads to, and why not when it is not allowed now.",
        parameters=[NUMBER_PARAMETER],
        responses={200: serializers.TransitionsSerializer},
    )
    @action(detail=True, methods=["get"], url_path="transitions", url_name="transitions")
    def transitions(self, request, number=None):
        ticket = self.ticket()
        options = fleet_selectors.with_staffing(request.user, ticket, services.ticket_transition_options(request.user, ticket))
        return Response(serializers.TransitionsSerializer({
            "status": ticket.status,
            "transitions": [
                {"name": o.name, "label": str(TRANSITION_LABELS[o.name]), "target": o.target, "allowed": o.allowed, "reason": o.reason}
                for o in options
            ],
        }).data)

    @extend_schema(
        summary="Perform a transition",
        description=(
            "Moves the ticket, e.g. `start` (Zugewiesen → In Bearbeitung) or `finish`. 409 with the reason and "
            "`current_status` when it is not possible now or `expected_status` is stale; 403 when the caller may not. "
            "`assign` (from Offen) needs `assignee`; `release` (back to Offen) releases the whole ticket for an "
            "administrator and the caller's own place for an assignee, as the status bar does."
        ),
        parameters=[NUMBER_PARAMETER, OpenApiParameter("name", str, OpenApiParameter.PATH, enum=TRANSITIONS)],
        request=serializers.TransitionRequestSerializer,
        responses={200: serializers.TicketDetailSerializer},
        examples=[OpenApiExample("start work", request_only=True, value={"expected_status": "assigned"})],
    )
    @action(detail=True, methods=["post"], url_path=r"transitions/(?P<name>[a-z_]+)", url_name="transition")
    def transition(self, request, number=None, name=None):
        data = parse(serializers.TransitionRequestSerializer, request.data)
        assignee = data.pop("assignee", None)
        if name in STAFFING_TARGETS:
            # Zugewiesen by choosing an assignee, Offen by releasing: the status bar's SPEICHERN.
            ticket = fleet_services.status_bar_save(
                request.user, self.ticket(), target=STAFFING_TARGETS[name], assignee=assignee, **data
            )
        else:
            ticket = services.ticket_transition(request.user, self.ticket(), name, **data)
        return Response(self._detail(ticket.number))
