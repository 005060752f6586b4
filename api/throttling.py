"""Throttling per token and per user (DRF's throttles over the default cache: Redis when
``REDIS_URL`` is set, so every server process counts together; memory in the embedded mode).

Rates come from ``settings.API_THROTTLE_RATES`` when a request is checked (not frozen at import),
e.g. ``{"token": "600/min", "user": "1200/min"}``. A cache that does not answer (Redis away) lets
the request through with a warning: throttling protects the service, it must not take it down.
"""

from __future__ import annotations

import logging

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from api.models import ApiToken

logger = logging.getLogger(__name__)


class _SettingsRateThrottle(SimpleRateThrottle):
    def get_rate(self):
        return settings.API_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except Exception as error:  # the cache's connection error, whatever its backend
            logger.warning("API throttling skipped, the cache did not answer: %s", error)
            return True


class TokenRateThrottle(_SettingsRateThrottle):
    """Requests per personal API token (each of a user's tokens has its own allowance)."""

    scope = "token"

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


class UserRateThrottle(_SettingsRateThrottle):
    """Requests per user, however they log in (all their tokens and their browser together)."""

    scope = "user"

    def get_cache_key(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}
