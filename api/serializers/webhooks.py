"""Webhook endpoints, their deliveries and the log of attempts (administrators)."""

from __future__ import annotations

from rest_framework import serializers

from webhooks.catalogue import TYPES
from webhooks.models import DeliveryState


class EndpointSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    url = serializers.URLField(max_length=2000, help_text="Where deliveries are POSTed (https; private addresses only where the installation allows them).")
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    event_types = serializers.ListField(child=serializers.ChoiceField(choices=list(TYPES.items())), min_length=1, max_length=len(TYPES))
    include_internal = serializers.BooleanField(required=False, default=False, help_text="Also events of internal tickets and internal notes.")
    is_active = serializers.BooleanField(read_only=True)
    disabled_reason = serializers.CharField(read_only=True)
    disabled_at = serializers.DateTimeField(read_only=True, allow_null=True)
    failing_since = serializers.DateTimeField(read_only=True, allow_null=True)
    last_delivery_state = serializers.ChoiceField(choices=DeliveryState.choices, read_only=True, allow_null=True)
    last_delivery_at = serializers.DateTimeField(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)


class EndpointWithSecretSerializer(EndpointSerializer):
    secret = serializers.CharField(read_only=True, help_text="Shown this once: verify the webhook-signature header with it (Standard Webhooks).")


class EndpointUpdateSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=2000, required=False)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    event_types = serializers.ListField(child=serializers.ChoiceField(choices=list(TYPES.items())), required=False, min_length=1, max_length=len(TYPES))
    include_internal = serializers.BooleanField(required=False)
    is_active = serializers.BooleanField(required=False, help_text="true switches it on again (failures are forgotten).")


class AttemptSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    started_at = serializers.DateTimeField()
    status_code = serializers.IntegerField(allow_null=True)
    duration_ms = serializers.IntegerField()
    succeeded = serializers.BooleanField()
    error = serializers.CharField()
    response_excerpt = serializers.CharField()


class DeliverySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    message_id = serializers.CharField(help_text="The webhook-id header: the same for every attempt and resend of this message.")
    type = serializers.CharField()
    body = serializers.JSONField(help_text="Exactly what was sent.")
    state = serializers.ChoiceField(choices=DeliveryState.choices)
    attempt_count = serializers.IntegerField()
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    retry_until = serializers.DateTimeField()
    created_at = serializers.DateTimeField()
    attempts = AttemptSerializer(many=True)


class EventTypeSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
