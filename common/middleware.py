"""How the doors map errors that reach them unhandled: a domain ``NotFound``, a lost database."""

from __future__ import annotations

import logging

from django.core.handlers.exception import response_for_exception
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from common.errors import NotFound

logger = logging.getLogger(__name__)


class NotFoundMiddleware:
    """A domain ``NotFound`` (e.g. ``tickets.selectors.access_ticket``) becomes the 404 page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, NotFound):
            return response_for_exception(request, Http404(exception.message))
        return None


RETRY_AFTER_SECONDS = 5


class DatabaseUnavailableMiddleware:
    """The database connection broke (PostgreSQL restarted or failed over, the backend was
    terminated, the network dropped) or refused the work for now: 503 "try again", not the 500
    page and no traceback. Every service runs in one transaction, so the database has rolled back
    whatever the request had written; Django drops the broken connection when the request ends
    (``close_old_connections``), and the next request gets a fresh one. API clients get the API's
    error body."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        logger.warning("database unavailable for %s %s: %s: %s", request.method, request.path,
                       type(exception).__name__, str(exception).strip().splitlines()[0] if str(exception).strip() else "")
        if request.path.startswith("/api/"):
            response = JsonResponse({
                "code": "database_unavailable",
                "message": _("The connection to the database was interrupted. Nothing was saved; please try again."),
                "errors": {}, "current_status": None,
            }, status=503)
        else:
            response = HttpResponse(render_to_string("503.html", request=None), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
