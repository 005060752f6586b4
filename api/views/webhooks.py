"""Webhook endpoints over the API (administrators, like the settings page): register, change,
switch, new secret, test, delete, and the delivery log with resending."""

from __future__ import annotations

import json

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api.serializers.common import parse
from api.pagination import StableCursorPagination
from api.serializers import webhooks as serializers
from webhooks import selectors, services
from webhooks.catalogue import TYPES

ID = OpenApiParameter("id", int, OpenApiParameter.PATH)
DELIVERY_ID = OpenApiParameter("delivery_id", int, OpenApiParameter.PATH)




class NewestFirst(StableCursorPagination):
    ordering = ("-created_at", "-id")


def _delivery(delivery) -> dict:
    return {
        "id": delivery.pk, "message_id": delivery.message_id, "type": delivery.type, "body": json.loads(delivery.body),
        "state": delivery.state, "attempt_count": delivery.attempt_count, "next_attempt_at": delivery.next_attempt_at,
        "retry_until": delivery.retry_until, "created_at": delivery.created_at,
        "attempts": list(delivery.attempts.all()),
    }


@extend_schema_view(
    list=extend_schema(summary="Webhook endpoints"),
    retrieve=extend_schema(summary="A webhook endpoint", parameters=[ID]),
)
class EndpointViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = serializers.EndpointSerializer
    pagination_class = NewestFirst
    filter_backends: list = []
    lookup_value_regex = "[0-9]{1,9}"

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not selectors.may_manage(request.user):
            self.permission_denied(request, message=_("Only administrators manage webhooks."))

    def get_queryset(self):
        return selectors.endpoints()

    def get_object(self):
        return selectors.endpoint_for(self.request.user, self.kwargs["pk"])

    @extend_schema(summary="Register a webhook endpoint", request=serializers.EndpointSerializer,
                   responses={201: serializers.EndpointWithSecretSerializer})
    def create(self, request):
        endpoint, secret = services.endpoint_create(request.user, **parse(serializers.EndpointSerializer, request.data))
        return self._with_secret(endpoint, secret, status.HTTP_201_CREATED)

    def _with_secret(self, endpoint, secret, code=status.HTTP_200_OK):
        endpoint = selectors.endpoint_for(self.request.user, endpoint.pk)
        endpoint.secret = secret
        return Response(serializers.EndpointWithSecretSerializer(endpoint).data, status=code)

    @extend_schema(summary="Change a webhook endpoint, or switch it on or off", parameters=[ID],
                   request=serializers.EndpointUpdateSerializer, responses={200: serializers.EndpointSerializer})
    def partial_update(self, request, pk=None):
        data = parse(serializers.EndpointUpdateSerializer, request.data)
        endpoint = self.get_object()
        active = data.pop("is_active", None)
        if data:
            endpoint = services.endpoint_update(request.user, endpoint, **data)
        if active is not None and active != endpoint.is_active:
            endpoint = services.endpoint_set_active(request.user, endpoint, active)
        return Response(self.get_serializer(selectors.endpoint_for(request.user, endpoint.pk)).data)

    @extend_schema(summary="Delete a webhook endpoint (with its log)", parameters=[ID], request=None, responses={204: None})
    def destroy(self, request, pk=None):
        services.endpoint_delete(request.user, self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(summary="A new secret (shown once)", parameters=[ID], request=None,
                   responses={200: serializers.EndpointWithSecretSerializer})
    @action(detail=True, methods=["post"], url_path="rotate-secret", url_name="rotate-secret")
    def rotate_secret(self, request, pk=None):
        endpoint, secret = services.endpoint_rotate_secret(request.user, self.get_object())
        return self._with_secret(endpoint, secret)

    @extend_schema(summary="Send a test message (webhook.test)", parameters=[ID], request=None,
                   responses={202: serializers.DeliverySerializer})
    @action(detail=True, methods=["post"], url_path="test", url_name="test")
    def send_test(self, request, pk=None):
        delivery = services.endpoint_send_test(request.user, self.get_object())
        return Response(serializers.DeliverySerializer(_delivery(delivery)).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(summary="The endpoint's deliveries and their attempts, newest first", parameters=[ID],
                   responses={200: serializers.DeliverySerializer(many=True)})
    @action(detail=True, methods=["get"], url_path="deliveries", url_name="deliveries",
            pagination_class=NewestFirst)
    def deliveries(self, request, pk=None):
        page = self.paginate_queryset(selectors.deliveries_of(self.get_object()))
        return self.get_paginated_response(serializers.DeliverySerializer([_delivery(d) for d in page], many=True).data)

    @extend_schema(summary="Send a delivery again (same webhook-id and body)", parameters=[ID, DELIVERY_ID], request=None,
                   responses={202: serializers.DeliverySerializer})
    @action(detail=True, methods=["post"], url_path=r"deliveries/(?P<delivery_id>[0-9]{1,9})/resend", url_name="resend")
    def resend(self, request, pk=None, delivery_id=None):
        delivery = selectors.delivery_for(request.user, self.get_object(), delivery_id)
        delivery = services.delivery_resend(request.user, delivery)
        return Response(serializers.DeliverySerializer(_delivery(delivery)).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(summary="The event types an endpoint can subscribe to", responses={200: serializers.EventTypeSerializer(many=True)})
    @action(detail=False, methods=["get"], url_path="event-types", url_name="event-types", pagination_class=None)
    def event_types(self, request):
        return Response([{"name": name, "label": str(label)} for name, label in TYPES.items()])
