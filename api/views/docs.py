"""The API's own description, for staff only: the OpenAPI schema (``/api/schema/``) answers like
every API endpoint (a token or the browser's session of an active staff member; else 401/403 with
the API's error body), the Swagger UI page (``/api/docs/``) like every staff page (anonymous →
the login page; a signed-in account that is no staff member → 403)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from csp.decorators import csp_update
from django.core.exceptions import PermissionDenied
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.renderers import JSONRenderer

from api.authentication import IsStaffMember
from tickets import permissions


class SchemaView(SpectacularAPIView):
    permission_classes = [IsStaffMember]

    def handle_exception(self, exc):
        """A refusal is the API's JSON error body, not a YAML document."""
        response = super().handle_exception(exc)
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response


class DocsView(SpectacularSwaggerSplitView):
    # The page and its script (``?script``) are read by the browser with the staff session.
    permission_classes = [IsStaffMember]


def _staff_page(view):
    @login_required
    def wrapped(request, *args, **kwargs):
        if not permissions.is_staff(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


# Swagger UI sets style attributes from its script: the one page whose policy allows inline styles.
SWAGGER_STYLES = {"style-src": ["'unsafe-inline'"]}

schema = SchemaView.as_view()
docs = _staff_page(
    csp_update(SWAGGER_STYLES)(csp_update(SWAGGER_STYLES, REPORT_ONLY=True)(DocsView.as_view(url_name="api-schema")))
)
