"""Tickets and their lifecycle."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.serializers.common import AccessCodeRefSerializer, NamedRefSerializer, PersonSerializer, StaffRefSerializer, person
from tickets.choices import Status, Visibility
from tickets.models import AccessCode, Ticket, TicketTemplate

# --- tickets -----------------------------------------------------------------------------------------


class TicketSerializer(serializers.ModelSerializer):
    """A ticket as a list row (``description``, ``custom_values`` and ``completed_steps`` only in
    the detail)."""

    status_label = serializers.CharField(source="get_status_display")
    visibility_label = serializers.CharField(source="get_visibility_display")
    template = serializers.SerializerMethodField()
    access_code = serializers.SerializerMethodField()
    created_by = serializers.SerializerMethodField()
    assignees = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    web_url = serializers.SerializerMethodField()

    class Meta:
        model = Ticket
        fields = [
            "number", "title", "status", "status_label", "visibility", "visibility_label", "template",
            "access_code", "created_by", "assignees", "created_at", "updated_at", "status_changed_at",
            "url", "web_url",
        ]

    @extend_schema_field(NamedRefSerializer)
    def get_template(self, ticket) -> dict:
        return {"id": ticket.template_id, "name": ticket.template.name}

    @extend_schema_field(AccessCodeRefSerializer(allow_null=True))
    def get_access_code(self, ticket):
        code = ticket.access_code
        return None if code is None else {"id": code.pk, "label": code.label}

    @extend_schema_field(PersonSerializer)
    def get_created_by(self, ticket) -> dict:
        return person(ticket.created_by, ticket.created_by_code_user)

    @extend_schema_field(StaffRefSerializer(many=True))
    def get_assignees(self, ticket) -> list:
        return [{"id": a.user_id, "name": a.user.display_name} for a in ticket.assignments.all()]

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, ticket) -> str:
        return self._absolute(reverse("api:ticket-detail", kwargs={"number": ticket.number}))

    @extend_schema_field(OpenApiTypes.URI)
    def get_web_url(self, ticket) -> str:
        return self._absolute(ticket.get_absolute_url())

    def _absolute(self, path: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    # The fields above describe the shape (and the schema); a page of rows is rendered here in
    # one pass, without DRF's per-field machinery (which cost ~0.7 ms a row: signature checks of
    # get_*_display, a reverse() per link), bench/bench_api.py. tests/api compares both ways.
    def to_representation(self, ticket) -> dict:
        links = self._links()
        code, assignments = ticket.access_code, ticket.assignments.all()
        data = {
            "number": ticket.number,
            "title": ticket.title,
            "status": ticket.status,
            "status_label": str(Status(ticket.status).label),
            "visibility": ticket.visibility,
            "visibility_label": str(Visibility(ticket.visibility).label),
            "template": {"id": ticket.template_id, "name": ticket.template.name},
            "access_code": None if code is None else {"id": code.pk, "label": code.label},
            "created_by": person(ticket.created_by, ticket.created_by_code_user),
            "assignees": [{"id": a.user_id, "name": a.user.display_name} for a in assignments],
            "created_at": _datetime(ticket.created_at),
            "updated_at": _datetime(ticket.updated_at),
            "status_changed_at": _datetime(ticket.status_changed_at),
            "url": links["api"].replace(_PLACEHOLDER, ticket.number),
            "web_url": links["web"].replace(_PLACEHOLDER, ticket.number),
        }
        for name in self.Meta.fields[len(data):]:
            data[name] = getattr(ticket, name)
        return data

    def _links(self) -> dict:
        if "_links" not in self.context:  # once per response, not per row
            self.context["_links"] = {
                "api": self._absolute(reverse("api:ticket-detail", kwargs={"number": _PLACEHOLDER})),
                "web": self._absolute(reverse("tickets:detail", kwargs={"number": _PLACEHOLDER})),
            }
        return self.context["_links"]


_PLACEHOLDER = "0000-000000"
_datetime_field = serializers.DateTimeField()


def _datetime(value):
    return None if value is None else _datetime_field.to_representation(value)


class TicketDetailSerializer(TicketSerializer):
    class Meta(TicketSerializer.Meta):
        fields = [*TicketSerializer.Meta.fields, "description", "custom_values", "completed_steps"]


class TicketCreateSerializer(serializers.Serializer):
    template = serializers.PrimaryKeyRelatedField(queryset=TicketTemplate.objects.all(), help_text="The template's id.")
    title = serializers.CharField(max_length=200, trim_whitespace=False)
    description = serializers.CharField(required=False, allow_blank=True, default="", trim_whitespace=False)
    visibility = serializers.ChoiceField(
        choices=Visibility.choices, required=False, allow_null=True, default=None,
        help_text="Default: the template's.",
    )
    access_code = serializers.PrimaryKeyRelatedField(
        queryset=AccessCode.objects.all(), required=False, allow_null=True, default=None,
        help_text="The access code's id (the customers of a public ticket with a code follow it).",
    )
    custom_values = serializers.DictField(required=False, default=dict, help_text="The template fields, by key.")
    submit = serializers.BooleanField(
        required=False, default=False,
        help_text="true: submit at once (Offen; offers go out); false: keep it as Entwurf.",
    )


class TicketUpdateSerializer(serializers.Serializer):
    """PATCH: only the fields given change; ``custom_values`` changes only the keys given
    (``null`` empties one)."""

    title = serializers.CharField(required=False, max_length=200, trim_whitespace=False)
    description = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    custom_values = serializers.DictField(required=False)


# --- the lifecycle ---------------------------------------------------------------------------------


class TransitionOptionSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    target = serializers.ChoiceField(choices=Status.choices, allow_null=True, help_text="The status it leads to from here; null when there is no way from the current status.")
    allowed = serializers.BooleanField(help_text="May this caller do it now?")
    reason = serializers.CharField(help_text="Why not (empty when allowed).")


class TransitionsSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices)
    transitions = TransitionOptionSerializer(many=True)


class TransitionRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=2000, trim_whitespace=False,
        help_text="Goes into the history (closing before Fertig needs one).",
    )
    expected_status = serializers.ChoiceField(
        choices=Status.choices, required=False, allow_null=True, default=None,
        help_text="The status the caller saw; another one now answers 409 (stale) and changes nothing.",
    )
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True), required=False, allow_null=True, default=None,
        help_text="For `assign`: the staff member who works on the ticket.",
    )
