"""Making, using and revoking personal API tokens. A token acts with its user's role and object
permissions; its scope may only narrow them (read only: no changes)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from api.models import ApiToken, TokenScope
from common.errors import InvalidInput, NotFound
from common.text import clean_text
from tickets import lifecycle
from tickets.services.support import require_staff

TOKEN_PREFIX = "lst_"  # recognisable in logs and secret scanners
LONGEST_LIFE = timedelta(days=366)
# Last use is written at most this often per token (not a write on every request).
LAST_USE_PRECISION = timedelta(minutes=1)


def _digest(raw: str) -> str:
    # SHA-256, not a password hasher: the token is 256 random bits, nothing to slow down a guess of.
    return hashlib.sha256(raw.encode()).hexdigest()


def token_create(actor, *, name, scope, expires_at: datetime) -> tuple[ApiToken, str]:
    """A new token for the actor; returns it and the token itself, which is never shown again."""
    require_staff(actor)
    name = clean_text(name, field="name", max_length=100, required=True, label=_("Name"))
    if scope not in TokenScope.values:
        raise InvalidInput(_("Choose read only or read and write."), errors={"scope": ["invalid"]})
    now = timezone.now()
    if not isinstance(expires_at, datetime) or not now < expires_at <= now + LONGEST_LIFE:
        raise InvalidInput(
            _("A token must expire in the future, within a year."), errors={"expires_at": ["invalid"]}
        )
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=actor, name=name, scope=scope, digest=_digest(raw), prefix=raw[: len(TOKEN_PREFIX) + 4],
        expires_at=expires_at,
    )
    return token, raw


def token_revoke(actor, token_id: int) -> ApiToken:
    """Revoke one of the actor's own tokens (kept, marked revoked, for the record)."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().filter(pk=token_id, user=actor).first()
        if token is None:
            raise NotFound(_("There is no such token."))
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
    return token


def token_authenticate(raw) -> ApiToken | None:
    """The token a client presented, if it is valid now (not expired, not revoked, its user an
    active staff member); records its last use (at most once a minute)."""
    if not isinstance(raw, str) or not raw.startswith(TOKEN_PREFIX) or len(raw) > 100:
        return None
    token = ApiToken.objects.select_related("user").filter(digest=_digest(raw)).first()
    now = timezone.now()
    if token is None or token.revoked_at is not None or token.expires_at <= now:
        return None
    if not token.user.is_active or not lifecycle.is_staff(token.user):
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USE_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
