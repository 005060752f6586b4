"""A ticket's updates (with attachments), history and rating."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, mixins, status, viewsets
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from api.pagination import OldestFirstPagination, StableCursorPagination
from api.serializers import records as serializers
from api.serializers.common import parse, person
from api.views.tickets import NUMBER_PARAMETER, TicketScoped
from common.errors import InvalidInput
from tickets import selectors, services
from tickets.downloads import attachment_response


class NewestFirst(StableCursorPagination):
    ordering = ("-created_at", "-id")


KIND_PARAMETER = OpenApiParameter("kind", str, enum=["public", "internal"], description="Only public updates or only internal notes.")


@extend_schema_view(
    list=extend_schema(
        summary="A ticket's updates",
        description="The public service log and the internal notes, newest first.",
        parameters=[NUMBER_PARAMETER, KIND_PARAMETER],
    ),
)
class UpdateViewSet(TicketScoped, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = serializers.UpdateSerializer
    pagination_class = NewestFirst
    filter_backends: list = []
    parser_classes = [JSONParser, MultiPartParser]

    def get_queryset(self):
        queryset = selectors.updates_for(self.request.user, self._ticket)
        kind = self.request.query_params.get("kind")
        if kind is not None:
            if kind not in ("public", "internal"):
                raise InvalidInput(_("Choose public or internal."), errors={"kind": ["invalid"]})
            queryset = queryset.filter(kind=kind)
        return queryset

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authentication, permissions, throttles first
        self._ticket = self.ticket()

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "ticket": self._ticket}

    @extend_schema(
        summary="Write an update",
        description=(
            "A public update (the customer's service log) or an internal note (`internal: true`), as JSON, "
            "or as `multipart/form-data` with files in the field `attachments` (repeated; photos, PDF "
            "and text files, checked like on the pages)."
        ),
        parameters=[NUMBER_PARAMETER],
        request={
            "application/json": serializers.UpdateCreateSerializer,
            "multipart/form-data": serializers.UpdateCreateSerializer,
        },
        responses={201: serializers.UpdateSerializer},
        examples=[OpenApiExample("a public update", request_only=True, media_type="application/json",
                                 value={"text": "Dichtung bestellt, Einbau morgen früh.", "internal": False})],
    )
    def create(self, request, number=None):
        data = parse(serializers.UpdateCreateSerializer, request.data)
        corrects = None
        if data["corrects"] is not None:
            corrects = selectors.updates_for(request.user, self._ticket).filter(pk=data["corrects"]).first()
            if corrects is None:
                raise InvalidInput(_("There is no such update on this ticket."), errors={"corrects": ["invalid"]})
        update = services.update_post(
            request.user, self._ticket, text=data["text"], internal=data["internal"],
            attachments=data["attachments"], corrects=corrects,
        )
        update = selectors.updates_for(request.user, self._ticket).get(pk=update.pk)
        return Response(self.get_serializer(update).data, status=status.HTTP_201_CREATED)


class AttachmentView(TicketScoped, APIView):
    @extend_schema(
        summary="Download an attachment",
        description="The file as it was uploaded (pictures and text inline, everything else as a download).",
        parameters=[NUMBER_PARAMETER],
        responses={(200, "*/*"): OpenApiResponse(OpenApiTypes.BINARY, description="The file, with its own content type (photos, PDF, text).")},
    )
    def get(self, request, number=None, pk=None):
        return attachment_response(selectors.attachment_for(request.user, self.ticket(), pk))


@extend_schema(
    summary="A ticket's history",
    description="Every change, oldest first (staff only): status, visibility, fields, assignees, offers, updates.",
    parameters=[NUMBER_PARAMETER],
)
class HistoryView(TicketScoped, generics.ListAPIView):
    serializer_class = serializers.HistorySerializer
    pagination_class = OldestFirstPagination
    filter_backends: list = []

    def get_queryset(self):
        return selectors.history_for(self.request.user, self.ticket())


class FeedbackView(TicketScoped, APIView):
    @extend_schema(
        summary="The customer's rating",
        description="The rating a code user gave for the finished work, or whether one is still awaited.",
        parameters=[NUMBER_PARAMETER],
        responses={200: serializers.FeedbackSerializer},
    )
    def get(self, request, number=None):
        ticket = self.ticket()
        feedback = selectors.feedback_of(ticket)
        body = {
            "state": selectors.feedback_state(ticket, feedback),
            "stars": feedback.stars if feedback else None,
            "text": feedback.text if feedback else None,
            "given_by": person(None, feedback.code_user) if feedback and feedback.code_user else None,
            "created_at": feedback.created_at if feedback else None,
        }
        return Response(serializers.FeedbackSerializer(body).data)
