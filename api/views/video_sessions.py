"""A ticket's video sessions: list them, plan or start one, read one with its record, and steer it
(confirm, start, end, call off). Every rule is the domain's (``videosessions.rules``, through
``videosessions.services`` and ``videosessions.selectors``); the views parse, call and render."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api.pagination import StableCursorPagination
from api.serializers import video_sessions as serializers
from api.serializers.common import parse
from api.views.tickets import NUMBER_PARAMETER, TicketScoped
from videosessions import selectors, services
from videosessions.models import VideoSession

SESSION_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The video session's id.")

_SESSION_EXAMPLE = {
    "id": 12, "title": "Not-Aus-Taster gemeinsam ansehen", "state": "ended", "state_label": "Ended",
    "visibility": "public", "visibility_label": "Public", "provider": "mesh", "provider_label": "In the browser",
    "planned_at": "2026-03-02T09:00:00+01:00", "started_at": "2026-03-02T09:02:10+01:00",
    "ended_at": "2026-03-02T09:26:10+01:00", "duration_seconds": 1440, "in_call": 0,
    "created_by": {"kind": "staff", "id": 7, "name": "Mia Schneider"}, "created_at": "2026-03-01T16:40:00+01:00",
    "url": "https://leitstand.example.org/api/v1/tickets/2026-000123/video-sessions/12/",
    "note": "", "transitions": [], "join_url": None,
    "participants": [
        {"kind": "staff", "id": 7, "name": "Mia Schneider", "joined_at": "2026-03-02T09:02:10+01:00", "left_at": "2026-03-02T09:26:10+01:00"},
        {"kind": "code_user", "id": 31, "name": "Eva Kunde", "joined_at": "2026-03-02T09:03:00+01:00", "left_at": "2026-03-02T09:25:00+01:00"},
    ],
    "snapshots": [{
        "id": 4, "update": 812, "kind": "internal", "created_at": "2026-03-02T09:10:00+01:00",
        "image_url": "https://leitstand.example.org/api/v1/tickets/2026-000123/attachments/977/",
    }],
}


class NewestFirst(StableCursorPagination):
    ordering = ("-created_at", "-id")


@extend_schema_view(
    list=extend_schema(
        summary="A ticket's video sessions",
        description="Every video session of the ticket (staff see internal and public ones), newest first; cursor pages.",
        parameters=[NUMBER_PARAMETER],
    ),
)
class VideoSessionViewSet(TicketScoped, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = serializers.VideoSessionSerializer
    queryset = VideoSession.objects.none()  # for the schema only: every read goes through the selectors
    pagination_class = NewestFirst
    filter_backends: list = []
    lookup_value_regex = "[0-9]{1,12}"

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authentication, permissions, throttles first
        self._ticket = self.ticket()

    def get_queryset(self):
        return selectors.sessions_for(self.request.user, self._ticket)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "ticket": getattr(self, "_ticket", None)}

    def _detail(self, pk) -> dict:
        session = selectors.session_for(self.request.user, self._ticket, pk)
        return serializers.VideoSessionDetailSerializer(session, context=self.get_serializer_context()).data

    @extend_schema(
        summary="A video session",
        description=(
            "State, room (`provider`), times, who was in the call when (`participants`), the snapshots the caller may "
            "see with the updates they are kept in, where to join now (`join_url`: the call page or the Jitsi room) "
            "and what the caller may do now (`transitions`)."
        ),
        parameters=[NUMBER_PARAMETER, SESSION_ID],
        responses={200: serializers.VideoSessionDetailSerializer},
        examples=[OpenApiExample("a call that took place", response_only=True, status_codes=["200"], value=_SESSION_EXAMPLE)],
    )
    def retrieve(self, request, number=None, pk=None):
        return Response(self._detail(pk))

    @extend_schema(
        summary="Plan or start a video session",
        description=(
            "Plans a session for `planned_at` (at most a year ahead), or without it one for now, which starts when the "
            "first one joins. `visibility` public needs a public ticket. 409 when the ticket is a draft, closed or "
            "cancelled."
        ),
        parameters=[NUMBER_PARAMETER],
        request=serializers.VideoSessionCreateSerializer,
        responses={201: serializers.VideoSessionDetailSerializer},
        examples=[OpenApiExample("a call with the customer tomorrow", request_only=True, value={
            "title": "Dichtung gemeinsam ansehen", "planned_at": "2026-03-03T08:30:00+01:00", "visibility": "public",
        })],
    )
    def create(self, request, number=None):
        data = parse(serializers.VideoSessionCreateSerializer, request.data)
        session = services.session_create(request.user, self._ticket, **data)
        return Response(self._detail(session.pk), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Steer a video session",
        description=(
            "`confirm` (Angefragt → Bestätigt; `planned_at` sets the time, only here), `start` (→ Läuft; joining the call "
            "starts it too), `end` (Läuft → Beendet) or `cancel` (→ Abgesagt, with a `reason`). 409 with the reason and "
            "`current_status` (the session's state) when it is not possible now, when `expected_state` is stale, or "
            "when the ticket is closed or cancelled (then sessions are only called off or ended); 403 when the caller "
            "may not."
        ),
        parameters=[NUMBER_PARAMETER, SESSION_ID, OpenApiParameter("name", str, OpenApiParameter.PATH, enum=serializers.STEERING)],
        request=serializers.VideoSessionTransitionSerializer,
        responses={200: serializers.VideoSessionDetailSerializer},
        examples=[OpenApiExample("confirm with a time", request_only=True, value={
            "expected_state": "requested", "planned_at": "2026-03-03T07:00:00+01:00",
        })],
    )
    @action(detail=True, methods=["post"], url_path=r"transitions/(?P<name>[a-z_]+)", url_name="transition")
    def transition(self, request, number=None, pk=None, name=None):
        data = parse(serializers.VideoSessionTransitionSerializer, request.data)
        session = selectors.session_for(request.user, self._ticket, pk)
        services.session_transition(request.user, session, name, **data)
        return Response(self._detail(session.pk))
