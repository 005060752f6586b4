"""How the REST API knows its caller: ``Authorization: Bearer lst_…`` (a personal API token), or
the browser's session (with CSRF). The token's scope narrows what its user may do."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, permissions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from api import services
from api.models import ApiToken, TokenScope
from tickets import lifecycle


class BearerTokenAuthentication(BaseAuthentication):
    keyword = b"bearer"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None  # not ours: another authentication may apply
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Give the token as: Authorization: Bearer <token>."))
        try:
            raw = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("This token is not valid.")) from None
        token = services.token_authenticate(raw)
        if token is None:
            raise exceptions.AuthenticationFailed(_("This token is not valid, has expired or was revoked."))
        return token.user, token

    def authenticate_header(self, request):
        # Makes "not logged in" a 401 with a challenge, not a 403.
        return 'Bearer realm="api"'


class TokenScopeAllows(permissions.BasePermission):
    """A read-only token reads: GET, HEAD and OPTIONS only. Sessions and read-write tokens pass
    (their user's own rights decide)."""

    message = gettext_lazy("This token may only read.")

    def has_permission(self, request, view):
        token = request.auth
        if isinstance(token, ApiToken) and token.scope == TokenScope.READ:
            return request.method in permissions.SAFE_METHODS
        return True


class IsStaffMember(permissions.BasePermission):
    """Logged in (token or session) as an active staff member; everything else decides per object
    through the services and selectors, like the pages do."""

    message = gettext_lazy("Only staff members use the API.")

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and lifecycle.is_staff(request.user))
