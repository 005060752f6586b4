"""One error body for every answer of the REST API that is not a success.

``{"code": "...", "message": "...", "errors": {"field": ["..."]}, "current_status": "..."}``:
``code`` is stable for programs, ``message`` is for people (in the caller's language),
``errors`` names the fields that were refused (empty when none), and ``current_status`` is the
ticket's status where the answer depends on it (409), else null.

The status codes: 400 field errors, 401 not logged in (with a ``WWW-Authenticate: Bearer``
challenge), 403 not allowed, 404 not visible (never 403 for something the caller may not know
exists), 405, 406, 409 wrong state or stale ``expected_status``, 413, 415, 429 (with
``Retry-After``). The domain's errors (``common.errors``) map by their own status code.
"""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from common.errors import DomainError

_CODE = re.compile(r"[a-z_]+")

# DRF's error classes → our stable codes (DRF's own codes where they are already clear).
_CODES = {
    exceptions.ValidationError: "invalid",
    exceptions.ParseError: "malformed",
    exceptions.AuthenticationFailed: "not_authenticated",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
}


def error_body(code: str, message, *, errors: dict | None = None, current_status: str | None = None) -> dict:
    return {
        "code": code,
        "message": str(message),
        "errors": {field: [str(item) for item in items] for field, items in (errors or {}).items()},
        "current_status": current_status,
    }


def _flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail → ``{"field": [...]}`` (``"items.0.name"`` for nested ones)."""
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for key, value in detail.items():
            flat.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    if isinstance(detail, list) and any(isinstance(item, (dict, list)) for item in detail):
        flat = {}
        for index, value in enumerate(detail):
            flat.update(_flatten(value, f"{prefix}.{index}" if prefix else str(index)))
        return flat
    items = detail if isinstance(detail, list) else [detail]
    return {prefix or "non_field_errors": [str(item) for item in items]}


def _domain_errors(error: DomainError) -> dict[str, list[str]]:
    """The domain names a refused field either with a short code ("invalid", "required") and says
    what is wrong in its message, or with messages of its own (a template field's validation):
    each field gets words either way."""
    errors = {}
    for field, items in error.errors.items():
        items = items if isinstance(items, list) else [items]
        words = [str(item) for item in items if not _CODE.fullmatch(str(item))]
        errors[field] = words or [str(error.message)]
    return errors


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response(
            error_body(
                exc.code, exc.message, errors=_domain_errors(exc),
                current_status=exc.context.get("current_status"),
            ),
            status=exc.status_code,
        )
    response = drf_exception_handler(exc, context)  # Http404 and Django's PermissionDenied too
    if response is None:
        return None  # a real bug: Django's 500 handling (and its log) takes it
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    code = next((code for cls, code in _CODES.items() if isinstance(exc, cls)), None)
    if isinstance(exc, exceptions.ValidationError):
        message = _("Please check the fields.")
        errors = _flatten(exc.detail)
    else:
        detail = getattr(exc, "detail", "")
        message = detail if not isinstance(detail, (dict, list)) else _("The request was refused.")
        errors = {}
        code = code or getattr(detail, "code", None) or "error"
    if isinstance(exc, exceptions.NotAuthenticated):
        message = _("Log in: send a personal API token as “Authorization: Bearer <token>”.")
    response.data = error_body(code, message, errors=errors)
    return response


@csrf_exempt  # it changes nothing: every method gets the same 404, never the CSRF page
def not_found_view(request, *args, **kwargs):
    """Any address under /api/ that names no endpoint: the same body as every other 404."""
    return JsonResponse(error_body("not_found", _("There is no such API endpoint.")), status=404)


class ErrorSerializer(serializers.Serializer):
    """The error body, for the schema."""

    code = serializers.CharField(help_text="Stable, for programs: invalid, not_authenticated, permission_denied, not_found, wrong_state, condition_unmet, stale, throttled, …")
    message = serializers.CharField(help_text="For people, in the caller's language.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="The refused fields and why (empty when no field is to blame).",
    )
    current_status = serializers.CharField(
        allow_null=True, help_text="The ticket's status now, where the answer depends on it (409); else null."
    )
