"""How the page door maps domain errors that reach it unhandled."""

from __future__ import annotations

from django.core.handlers.exception import response_for_exception
from django.http import Http404

from common.errors import NotFound


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
