"""A ticket's records: updates (the service log and internal notes) with their attachments, the
history, and the customer's rating."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.serializers.common import PersonSerializer, person
from tickets.choices import HistoryAction, UpdateKind


class AttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="original_name")
    content_type = serializers.CharField()
    size = serializers.IntegerField(help_text="Bytes.")
    url = serializers.SerializerMethodField(help_text="The download (with the caller's rights checked again).")

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, attachment) -> str:
        path = reverse("api:ticket-attachment", kwargs={"number": self.context["ticket"].number, "pk": attachment.pk})
        return self.context["request"].build_absolute_uri(path)


class UpdateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=UpdateKind.choices, help_text="public: the service log the customer sees; internal: staff only.")
    text = serializers.CharField()
    author = serializers.SerializerMethodField()
    corrects = serializers.IntegerField(source="corrects_id", allow_null=True, help_text="The update this one corrects.")
    attachments = AttachmentSerializer(many=True)
    created_at = serializers.DateTimeField()

    @extend_schema_field(PersonSerializer)
    def get_author(self, update) -> dict:
        return person(update.author, update.author_code_user)


class UpdateCreateSerializer(serializers.Serializer):
    text = serializers.CharField(trim_whitespace=False)
    internal = serializers.BooleanField(required=False, default=False, help_text="true: an internal note (staff only).")
    corrects = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1, max_value=2**31 - 1,
                                        help_text="The id of an update of the same kind this one corrects.")
    attachments = serializers.ListField(
        child=serializers.FileField(allow_empty_file=False), required=False, default=list,
        help_text="Photos, PDF or text files (multipart/form-data; the same checks as the pages).",
    )


class HistorySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    action = serializers.ChoiceField(choices=HistoryAction.choices)
    field = serializers.CharField(help_text="What changed (status, visibility, title, assignees, …), or empty.")
    field_label = serializers.CharField()
    old_value = serializers.CharField()
    new_value = serializers.CharField()
    old_display = serializers.CharField()
    new_display = serializers.CharField()
    reason = serializers.CharField()
    actor = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    @extend_schema_field(PersonSerializer)
    def get_actor(self, entry) -> dict:
        return person(entry.actor, entry.actor_code_user)


class FeedbackSerializer(serializers.Serializer):
    state = serializers.ChoiceField(
        choices=["given", "pending", "none"], allow_null=True,
        help_text="given; pending (Fertig, waiting for the customer); none (finished unrated although asked); null: no rating expected.",
    )
    stars = serializers.IntegerField(allow_null=True, min_value=1, max_value=5)
    text = serializers.CharField(allow_null=True)
    given_by = PersonSerializer(allow_null=True)
    created_at = serializers.DateTimeField(allow_null=True)
