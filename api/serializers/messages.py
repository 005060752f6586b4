"""A ticket's conversation (the messenger beside the ticket)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.serializers.common import PersonSerializer, person
from messenger.models import MessageKind
from messenger.selectors import MAX_PAGE
from messenger.services import render_system_text

# The largest message number or id a request may name (as on the socket).
MAX_NUMBER = 2**53


class MessageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    seq = serializers.IntegerField(help_text="The message's number in the ticket's conversation: 1, 2, 3 … without gaps.")
    kind = serializers.ChoiceField(choices=MessageKind.choices, help_text="`text`: written by someone; `system`: a notice (status changes, who took the ticket, …).")
    author = serializers.SerializerMethodField()
    text = serializers.SerializerMethodField(help_text="As staff see it; system notices worded in the caller's language.")
    created_at = serializers.DateTimeField()
    client_id = serializers.SerializerMethodField(help_text="The sender's idempotency key, if one was given.")

    @extend_schema_field(PersonSerializer)
    def get_author(self, message) -> dict:
        return person(message.author, message.author_code_user)

    def get_text(self, message) -> str:
        return render_system_text(message) if message.kind == MessageKind.SYSTEM else message.text

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_client_id(self, message):
        return message.client_id or None


class MessagePageSerializer(serializers.Serializer):
    messages = MessageSerializer(many=True, help_text="Oldest first (ascending seq).")
    more = serializers.BooleanField(
        help_text="There are more in the direction read: newer ones after the last (with after_seq), "
        "else older ones before the first.",
    )


class MessagePageQuerySerializer(serializers.Serializer):
    after_seq = serializers.IntegerField(
        required=False, min_value=0, max_value=MAX_NUMBER,
        help_text="Catching up: the messages after this number, oldest first (0: from the beginning).",
    )
    before_seq = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_NUMBER,
        help_text="Older history: the messages just before this number.",
    )
    limit = serializers.IntegerField(required=False, default=50, min_value=1, max_value=MAX_PAGE, help_text="At most 200.")

    def validate(self, data):
        if "after_seq" in data and "before_seq" in data:
            raise serializers.ValidationError({"before_seq": [_("Give either after_seq or before_seq, not both.")]})
        return data


class MessagePostSerializer(serializers.Serializer):
    """The header ``Idempotency-Key`` may stand in for ``client_id`` (the view passes it in the
    context as ``idempotency_key``)."""

    text = serializers.CharField(trim_whitespace=False, allow_blank=True, help_text="The message (the messenger's length limit applies).")
    client_id = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, default=None, trim_whitespace=False,
        help_text="An idempotency key (at most 64 printable characters, unique per ticket): sending the "
        "same one again returns the stored message (200) and stores nothing.",
    )

    def validate(self, data):
        key = self.context.get("idempotency_key")
        if key is not None:
            if data.get("client_id") not in (None, "", key):
                raise serializers.ValidationError(
                    {"client_id": [_("client_id and the Idempotency-Key header differ: give one, or the same in both.")]}
                )
            data["client_id"] = key
        return data


class ReadSerializer(serializers.Serializer):
    up_to_id = serializers.IntegerField(min_value=0, max_value=MAX_NUMBER, help_text="The id of the last message the caller has read.")


class ReadStateSerializer(serializers.Serializer):
    last_read_id = serializers.IntegerField(help_text="The caller's read cursor now (it never moves back; 0: nothing read).")
