"""Shapes every resource shares: people, references."""

from __future__ import annotations

from rest_framework import serializers

from common.actors import actor_summary

# --- small shared shapes ---------------------------------------------------------------------------


class PersonSerializer(serializers.Serializer):
    """Who did something: a staff member, a code user (customer) or the system."""

    kind = serializers.ChoiceField(choices=["staff", "code_user", "system"])
    id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()


def person(user, code_user=None) -> dict:
    if user is not None:
        return actor_summary(user)
    if code_user is not None:
        return actor_summary(code_user)
    return actor_summary(None)


class NamedRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class StaffRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")


class AccessCodeRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()


def parse(serializer_class, data, **context) -> dict:
    """A request's fields checked by ``serializer_class``: the validated data, or DRF's
    ValidationError (the one error body's 400 with the fields)."""
    serializer = serializer_class(data=data, context=context)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
