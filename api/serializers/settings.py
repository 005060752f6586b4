"""The settings area's objects over the API: ticket templates (with their fields) and access codes."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.settings import ISO_8601

from tickets.choices import CreationStep, FieldType, OfferRecipients, Visibility
from tickets.models import TicketTemplate
from tickets.qr import access_code_url


class TemplateFieldSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    key = serializers.SlugField(max_length=50)
    label = serializers.CharField(max_length=120)
    field_type = serializers.ChoiceField(choices=FieldType.choices, required=False, default=FieldType.TEXT)
    required = serializers.BooleanField(required=False, default=False)
    choices = serializers.ListField(child=serializers.CharField(max_length=200), required=False, default=list, max_length=100)
    help_text = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    position = serializers.IntegerField(read_only=True)


class TemplateFieldUpdateSerializer(TemplateFieldSerializer):
    key = serializers.SlugField(max_length=50, required=False)
    label = serializers.CharField(max_length=120, required=False)
    field_type = serializers.ChoiceField(choices=FieldType.choices, required=False)
    required = serializers.BooleanField(required=False)
    choices = serializers.ListField(child=serializers.CharField(max_length=200), required=False, max_length=100)
    help_text = serializers.CharField(max_length=255, required=False, allow_blank=True)


class TemplateSerializer(serializers.Serializer):
    """A ticket template. Writing: every field optional on PATCH; ``offer_members`` only matters
    with ``offer_recipients: members``."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=120)
    description = serializers.CharField(required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)
    default_title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    default_description = serializers.CharField(required=False, allow_blank=True)
    default_visibility = serializers.ChoiceField(choices=Visibility.choices, required=False)
    creation_steps = serializers.ListField(child=serializers.ChoiceField(choices=CreationStep.choices), required=False, max_length=3)
    asks_feedback = serializers.BooleanField(required=False)
    offer_recipients = serializers.ChoiceField(choices=OfferRecipients.choices, required=False)
    offer_group = serializers.PrimaryKeyRelatedField(queryset=Group.objects.all(), required=False, allow_null=True)
    offer_members = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True), many=True, required=False
    )
    assignees_needed = serializers.IntegerField(required=False, min_value=1, max_value=20)
    offer_validity = serializers.DurationField(
        required=False, format=ISO_8601, help_text="ISO 8601, e.g. PT24H or P3D (1 hour up to 90 days).",
    )
    announce_in_app = serializers.BooleanField(required=False)
    announce_by_email = serializers.BooleanField(required=False)
    allows_claiming = serializers.BooleanField(required=False)
    fields = TemplateFieldSerializer(many=True, read_only=True)


class TemplateUpdateSerializer(TemplateSerializer):
    name = serializers.CharField(max_length=120, required=False)


class AccessCodeSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    label = serializers.CharField(max_length=120, help_text="Usually the machine or site.")
    location = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    serial_number = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    template = serializers.PrimaryKeyRelatedField(queryset=TicketTemplate.objects.all(), help_text="The template of the tickets customers report with it.")
    is_active = serializers.BooleanField(read_only=True)
    entry_code = serializers.CharField(read_only=True, help_text="What a customer types instead of scanning.")
    has_pin = serializers.SerializerMethodField()
    portal_url = serializers.SerializerMethodField(help_text="Where the QR code leads.")
    created_at = serializers.DateTimeField(read_only=True)
    pin = serializers.CharField(write_only=True, required=False, allow_null=True, max_length=32, help_text="Optional PIN customers must enter.")

    def get_has_pin(self, code) -> bool:
        return bool(code.pin_hash)

    @extend_schema_field(OpenApiTypes.URI)
    def get_portal_url(self, code) -> str:
        return access_code_url(code, self.context.get("request"))


class AccessCodeUpdateSerializer(serializers.Serializer):
    label = serializers.CharField(max_length=120, required=False)
    location = serializers.CharField(max_length=200, required=False, allow_blank=True)
    serial_number = serializers.CharField(max_length=100, required=False, allow_blank=True)
    template = serializers.PrimaryKeyRelatedField(queryset=TicketTemplate.objects.all(), required=False)
    is_active = serializers.BooleanField(required=False, help_text="false switches the code off: its customers are let out at once.")
    pin = serializers.CharField(required=False, allow_null=True, max_length=32, help_text="A new PIN; null removes it.")




class AccessCodeQuerySerializer(serializers.Serializer):
    """The list's query: DRF's fields refuse what the database cannot hold (NUL characters)."""

    search = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    state = serializers.ChoiceField(choices=["active", "inactive"], required=False, allow_blank=True, default="")
