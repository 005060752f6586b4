"""Reading personal API tokens."""

from __future__ import annotations

from typing import NamedTuple

from django.db.models import QuerySet
from django.utils import timezone

from api.models import ApiToken, TokenState


def tokens_of(user) -> QuerySet[ApiToken]:
    """A staff member's own tokens, newest first (revoked and expired ones too, for the record)."""
    return ApiToken.objects.filter(user=user)


class TokenLists(NamedTuple):
    active: list[ApiToken]  # they work now
    ended: list[ApiToken]  # revoked or expired: kept for the record


def tokens_by_state(user) -> TokenLists:
    """A staff member's own tokens for their token page: the ones that work, then the ended ones,
    each newest first."""
    now = timezone.now()
    tokens = list(tokens_of(user))
    return TokenLists(
        active=[token for token in tokens if token.state_at(now) == TokenState.ACTIVE],
        ended=[token for token in tokens if token.state_at(now) != TokenState.ACTIVE],
    )
