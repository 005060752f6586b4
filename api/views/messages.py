"""A ticket's conversation: reading it by message number, writing (idempotently, pushed at once to
the open pages through the domain event after commit) and read receipts. The messenger's rules
(``messenger.services.may_read`` / ``may_write``) decide, as on the socket."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api.serializers.common import parse
from api.serializers import messages as serializers
from api.views.tickets import NUMBER_PARAMETER, TicketScoped
from common.actors import actor_summary
from messenger import live, selectors, services
from messenger.models import Message

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key", str, OpenApiParameter.HEADER, required=False,
    description="Instead of `client_id` (the same meaning; when both are given they must be equal).",
)

_MESSAGE_EXAMPLE = {
    "id": 5812, "seq": 14, "kind": "text", "author": {"kind": "staff", "id": 7, "name": "Mia Schneider"},
    "text": "Die Dichtung ist bestellt, wir kommen morgen früh vorbei.", "created_at": "2026-03-02T09:41:12+01:00",
    "client_id": "erp-7f3a9c",
}


class TicketMessageViewSet(TicketScoped, viewsets.GenericViewSet):
    serializer_class = serializers.MessageSerializer
    queryset = Message.objects.none()  # for the schema only: every read goes through the selectors
    pagination_class = None
    list_answers_one_object = True  # {"messages": [...], "more": …} (api.schema)


    @extend_schema(
        summary="A page of the conversation",
        description=(
            "By the ticket's message numbers (`seq`, 1, 2, 3 … without gaps), always oldest first. Without a position: "
            "the newest `limit` messages (`more`: older ones exist). `after_seq=N`: what follows N, for catching up "
            "(`more`: ask again after the last one). `before_seq=N`: older history before N (`more`: older still)."
        ),
        parameters=[NUMBER_PARAMETER, serializers.MessagePageQuerySerializer],
        responses={200: serializers.MessagePageSerializer},
        examples=[OpenApiExample("catching up", response_only=True, status_codes=["200"],
                                 value={"messages": [_MESSAGE_EXAMPLE], "more": False})],
    )
    def list(self, request, number=None):
        query = parse(serializers.MessagePageQuerySerializer, request.query_params)
        messages, more = selectors.messages_page(request.user, self.ticket(), **query)
        return Response(serializers.MessagePageSerializer({"messages": messages, "more": more}).data)

    @extend_schema(
        summary="Write a message",
        description=(
            "Stored, then pushed at once to every open page of the ticket. With `client_id` (or the header "
            "`Idempotency-Key`) a repeated request returns the stored message with 200 and stores nothing; a new "
            "message answers 201. 409 when the ticket takes no messages (a draft)."
        ),
        parameters=[NUMBER_PARAMETER, IDEMPOTENCY_KEY],
        request=serializers.MessagePostSerializer,
        responses={201: serializers.MessageSerializer, 200: serializers.MessageSerializer},
        examples=[
            OpenApiExample("an answer from the ERP", request_only=True,
                           value={"text": "Die Dichtung ist bestellt, wir kommen morgen früh vorbei.", "client_id": "erp-7f3a9c"}),
            OpenApiExample("stored", response_only=True, status_codes=["201"], value=_MESSAGE_EXAMPLE),
        ],
    )
    def create(self, request, number=None):
        data = parse(
            serializers.MessagePostSerializer, request.data, idempotency_key=request.headers.get("Idempotency-Key"),
        )
        message, created = services.message_post(request.user, self.ticket(), **data)
        return Response(
            serializers.MessageSerializer(message).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        summary="Mark messages as read",
        description="Moves the caller's read cursor forward to `up_to_id` (never back); answers where it stands.",
        parameters=[NUMBER_PARAMETER], request=serializers.ReadSerializer,
        responses={200: serializers.ReadStateSerializer},
        examples=[OpenApiExample("read up to a message", request_only=True, value={"up_to_id": 5812})],
    )
    @action(detail=False, methods=["post"], url_path="read", url_name="read")
    def read(self, request, number=None):
        data = parse(serializers.ReadSerializer, request.data)
        ticket = self.ticket()
        last_read_id = services.mark_read(request.user, ticket, data["up_to_id"])
        if last_read_id:  # the open pages show "read", as for a receipt from a socket
            live.push_read(ticket.pk, {**actor_summary(request.user), "key": "api"}, last_read_id)
        return Response(serializers.ReadStateSerializer({"last_read_id": last_read_id}).data)
