"""The fleet: offers, and who works on a ticket (the Flottenmanagement tab)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.serializers.common import StaffRefSerializer
from fleet.models import OfferStatus
from fleet.selectors import MAX_ID, active_staff, offer_state

# What a member's ``actions`` may hold, and the request that does each (the tab's buttons).
MEMBER_ACTIONS = {
    "assign": "POST /tickets/{number}/fleet/assign/ {user}",
    "unassign": "POST /tickets/{number}/fleet/unassign/ {user}",
    "release": "POST /tickets/{number}/fleet/release/ (the caller leaves)",
    "forward": "POST /tickets/{number}/fleet/forward/ {to_user, from_user}",
    "offer": "POST /tickets/{number}/offers/ {users: [user]}",
    "accept": "POST /offers/{offer.id}/accept/",
    "decline": "POST /offers/{offer.id}/decline/",
    "withdraw": "POST /offers/{offer.id}/withdraw/",
}


def _absolute(context: dict, path: str) -> str:
    request = context.get("request")
    return request.build_absolute_uri(path) if request is not None else path


# --- input ------------------------------------------------------------------------------------------


class StaffMemberField(serializers.IntegerField):
    """A staff member by id: an active member with a role (whom the tab lists), else a field error."""

    default_error_messages = {"no_member": _("There is no active staff member with this id.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "The staff member's id.")
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        pk = super().to_internal_value(data)
        member = active_staff().filter(pk=pk).first() if 0 < pk <= MAX_ID else None
        if member is None:
            self.fail("no_member")
        return member

    def to_representation(self, value):
        return value.pk


class ReasonField(serializers.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "Goes into the ticket's history (optional).")
        super().__init__(required=False, allow_blank=True, default="", max_length=2000, trim_whitespace=False, **kwargs)


class StaffChoiceSerializer(serializers.Serializer):
    user = StaffMemberField()


class UnassignSerializer(serializers.Serializer):
    user = StaffMemberField()
    reason = ReasonField()


class ForwardSerializer(serializers.Serializer):
    to_user = StaffMemberField(help_text="Who takes the place over.")
    from_user = StaffMemberField(
        required=False, allow_null=True, default=None,
        help_text="Whose place is handed on (default: the caller's; moderators and administrators may name an assignee).",
    )
    reason = ReasonField()


class ReleaseSerializer(serializers.Serializer):
    reason = ReasonField()


class OffersSendSerializer(serializers.Serializer):
    users = serializers.ListField(
        child=StaffMemberField(), required=False, allow_empty=False, max_length=500,
        help_text="Whom to offer the ticket (each once); without it, the template's recipients (all staff, a group or chosen members).",
    )

    def validate_users(self, users):
        return list(dict.fromkeys(users))  # each once, in the order given


class DeclineSerializer(serializers.Serializer):
    reason = ReasonField()


# --- output -----------------------------------------------------------------------------------------


class TicketRefSerializer(serializers.Serializer):
    number = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField()
    url = serializers.SerializerMethodField()
    web_url = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, ticket) -> str:
        return _absolute(self.context, reverse("api:ticket-detail", kwargs={"number": ticket.number}))

    @extend_schema_field(OpenApiTypes.URI)
    def get_web_url(self, ticket) -> str:
        return _absolute(self.context, ticket.get_absolute_url())


class OfferSerializer(serializers.Serializer):
    """An offer to a staff member; ``state`` as the tab shows it (a pending offer past its time reads
    "expired")."""

    id = serializers.IntegerField()
    ticket = TicketRefSerializer()
    user = StaffRefSerializer()
    state = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    answered_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(serializers.ChoiceField(choices=OfferStatus.choices))
    def get_state(self, offer) -> str:
        return offer_state(offer, self.context["now"])[0]


class MemberOfferSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="offer_id")
    state = serializers.ChoiceField(source="offer_state", choices=OfferStatus.choices)
    state_at = serializers.DateTimeField(
        source="offer_state_at", allow_null=True,
        help_text="Pending: valid until then; otherwise when it was answered, withdrawn or ran out.",
    )
    expires_at = serializers.DateTimeField()


class MemberSerializer(serializers.Serializer):
    user = StaffRefSerializer()
    role = serializers.SerializerMethodField()
    is_me = serializers.BooleanField(help_text="The caller.")
    seen = serializers.BooleanField(help_text="Has opened the ticket (GESEHEN).")
    seen_at = serializers.DateTimeField(allow_null=True)
    since = serializers.DateTimeField(allow_null=True, help_text="Assigned: since when; requested: when the offer was sent.")
    offer = serializers.SerializerMethodField()
    actions = serializers.ListField(
        child=serializers.ChoiceField(choices=list(MEMBER_ACTIONS)),
        help_text="What the caller may do with this member now: " + "; ".join(f"`{k}`: {v}" for k, v in MEMBER_ACTIONS.items()),
    )

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_role(self, member):
        role = member.user.role
        return None if role is None else str(role.label)

    @extend_schema_field(MemberOfferSerializer(allow_null=True))
    def get_offer(self, member):
        return None if member.offer_id is None else MemberOfferSerializer(member).data


class FleetSerializer(serializers.Serializer):
    """The Flottenmanagement tab: who works on the ticket, who was asked, everyone else."""

    ticket = serializers.CharField(help_text="The ticket's number.")
    status = serializers.CharField(help_text="The ticket's status now.")
    places_needed = serializers.IntegerField(help_text="How many assignees the template asks for.")
    can_steer = serializers.BooleanField(help_text="The caller assigns, unassigns, sends and withdraws offers (moderators, administrators).")
    can_claim = serializers.BooleanField(help_text="The caller may take the ticket now (POST /tickets/{number}/claim/).")
    assigned = MemberSerializer(many=True)
    requested = MemberSerializer(many=True, help_text="Everyone who received an offer for the ticket, with their latest offer's state.")
    available = MemberSerializer(many=True)
    forward_targets = StaffRefSerializer(many=True, help_text="To whom the caller may forward a place (their own, or as administrator or moderator any assignee's).")


def fleet_body(ticket, overview) -> dict:
    """What ``FleetSerializer`` renders: the overview (``fleet.selectors.fleet_overview``) and the ticket it is of."""
    return {
        "ticket": ticket.number, "status": ticket.status, "places_needed": overview.places_needed,
        "can_steer": overview.can_steer, "can_claim": overview.can_claim, "assigned": overview.assigned,
        "requested": overview.requested, "available": overview.available, "forward_targets": overview.forward_targets,
    }
