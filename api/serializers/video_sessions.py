"""A ticket's video sessions: the list's rows, one session with its record (who was in the call
when, the snapshots the caller may see, where to join), and what planning or steering one takes.
The rules (who sees which snapshot, who may join or do what now) are the domain's
(``videosessions.selectors``, ``videosessions.services``): the shapes only render what they say."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.serializers.common import PersonSerializer, person
from tickets.choices import UpdateKind, Visibility
from videosessions import selectors, services
from videosessions.choices import Provider, SessionState

STEERING = ("confirm", "start", "end", "cancel")  # what staff do through the API ("miss" is the system's)


class VideoSessionSerializer(serializers.Serializer):
    """A session as a list row."""

    id = serializers.IntegerField()
    title = serializers.CharField()
    state = serializers.ChoiceField(choices=SessionState.choices)
    state_label = serializers.CharField(source="get_state_display")
    visibility = serializers.ChoiceField(choices=Visibility.choices, help_text="public: the ticket's customers see it too.")
    visibility_label = serializers.CharField(source="get_visibility_display")
    provider = serializers.ChoiceField(
        choices=Provider.choices, help_text="mesh: the browsers call each other (the call page); jitsi: a room on the Jitsi Meet server.",
    )
    provider_label = serializers.CharField(source="get_provider_display")
    planned_at = serializers.DateTimeField(allow_null=True)
    started_at = serializers.DateTimeField(allow_null=True)
    ended_at = serializers.DateTimeField(allow_null=True)
    duration_seconds = serializers.SerializerMethodField(help_text="From start to end, once it has ended; else null.")
    in_call = serializers.IntegerField(source="open_count", help_text="People in the call now.")
    created_by = serializers.SerializerMethodField(help_text="The staff member who planned it, or the customer who asked for it.")
    created_at = serializers.DateTimeField()
    url = serializers.SerializerMethodField()

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_duration_seconds(self, session) -> int | None:
        duration = session.duration
        return None if duration is None else int(duration.total_seconds())

    @extend_schema_field(PersonSerializer)
    def get_created_by(self, session) -> dict:
        return person(session.created_by, session.requested_by_code_user)

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, session) -> str:
        path = reverse("api:ticket-video-session-detail", kwargs={"number": self.context["ticket"].number, "pk": session.pk})
        return self.context["request"].build_absolute_uri(path)


class ParticipantSerializer(serializers.Serializer):
    """One stay in the call (who rejoins has one stay per time)."""

    kind = serializers.ChoiceField(choices=["staff", "code_user"])
    id = serializers.IntegerField(allow_null=True, help_text="The staff member's or the code user's id (null once they are deleted).")
    name = serializers.CharField()
    joined_at = serializers.DateTimeField()
    left_at = serializers.DateTimeField(allow_null=True, help_text="null: in the call now.")


class SnapshotSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    update = serializers.IntegerField(source="update_id", help_text="The ticket update the snapshot is kept in (…/updates/).")
    kind = serializers.ChoiceField(choices=UpdateKind.choices, source="update.kind", help_text="public: in the customer's service log; internal: staff only.")
    created_at = serializers.DateTimeField()
    image_url = serializers.SerializerMethodField(help_text="The picture (…/attachments/{id}/).")

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_image_url(self, snapshot) -> str | None:
        attachment = next(iter(snapshot.update.attachments.all()), None)
        if attachment is None:
            return None
        path = reverse("api:ticket-attachment", kwargs={"number": self.context["ticket"].number, "pk": attachment.pk})
        return self.context["request"].build_absolute_uri(path)


class VideoSessionDetailSerializer(VideoSessionSerializer):
    """One session with its record and what the caller may do with it now."""

    note = serializers.CharField(help_text="The customer's words when they asked for it.")
    transitions = serializers.SerializerMethodField(help_text="What the caller may do now (…/transitions/{name}/).")
    join_url = serializers.SerializerMethodField(
        help_text="Where the caller joins the call now: the call page, or the Jitsi room; null when it cannot be joined (ended, called off, missed).",
    )
    participants = serializers.SerializerMethodField()
    snapshots = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=STEERING)))
    def get_transitions(self, session) -> list[str]:
        return [name for name in services.available_transitions(self.context["request"].user, session) if name in STEERING]

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_join_url(self, session) -> str | None:
        link = selectors.join_link(self.context["request"].user, session)
        return None if link is None else self.context["request"].build_absolute_uri(link)

    @extend_schema_field(ParticipantSerializer(many=True))
    def get_participants(self, session) -> list[dict]:
        return ParticipantSerializer([
            {"kind": stay.kind, "id": stay.code_user_id if stay.code_user_id else stay.user_id, "name": stay.name,
             "joined_at": stay.joined_at, "left_at": stay.left_at}
            for stay in session.participations.all()
        ], many=True).data

    @extend_schema_field(SnapshotSerializer(many=True))
    def get_snapshots(self, session) -> list[dict]:
        snapshots = selectors.snapshots_seen_by(self.context["request"].user, session)
        return SnapshotSerializer(snapshots, many=True, context=self.context).data


class VideoSessionCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, trim_whitespace=False)
    planned_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None,
        help_text="When it takes place (at most a year ahead); without: now (whoever joins first starts it).",
    )
    visibility = serializers.ChoiceField(
        choices=Visibility.choices, required=False, default=Visibility.INTERNAL,
        help_text="internal (default): staff only; public: the customers of a public ticket see and join it.",
    )


class VideoSessionTransitionSerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=2000, trim_whitespace=False,
        help_text="Goes into the ticket's history (e.g. why it is called off).",
    )
    planned_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None,
        help_text="Only with `confirm`: the time it takes place (at most a year ahead); any other transition answers 400.",
    )
    expected_state = serializers.ChoiceField(
        choices=SessionState.choices, required=False, allow_null=True, default=None,
        help_text="The state the caller saw; another one now answers 409 (stale) and changes nothing.",
    )
