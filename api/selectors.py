"""Reading personal API tokens."""

from __future__ import annotations

from django.db.models import QuerySet

from api.models import ApiToken


def tokens_of(user) -> QuerySet[ApiToken]:
    """A staff member's own tokens, newest first (revoked and expired ones too, for the record)."""
    return ApiToken.objects.filter(user=user)
