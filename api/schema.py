"""The OpenAPI description's shared parts: the token scheme, and the error answers every endpoint
can give in the one error body (``api.errors``), so that clients and schemathesis know them."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiExample, OpenApiResponse

from api.errors import ErrorSerializer, error_body

_ERRORS = {
    "400": ("The request is malformed or a field is refused (see errors).",
            error_body("invalid", "Please check the fields.", errors={"title": ["This field may not be blank."]})),
    "401": ("Not logged in, or the token is not valid, has expired or was revoked.",
            error_body("not_authenticated", "This token is not valid, has expired or was revoked.")),
    "403": ("Logged in, but not allowed to do this (or a read-only token tried to change something).",
            error_body("permission_denied", "You are not allowed to do “Finish” on this ticket.")),
    "404": ("There is no such object, or the caller may not see it.",
            error_body("not_found", "There is no such ticket, or you may not see it.")),
    "406": ("The API answers JSON only.", error_body("not_acceptable", "Could not satisfy the request Accept header.")),
    "409": ("Not possible in the ticket's state now, or the ticket changed meanwhile (expected_status).",
            error_body("wrong_state", "“Finish” is not possible while the ticket is Offen.", current_status="open")),
    "413": ("An upload is too large.", error_body("invalid", "The file is too large.")),
    "415": ("The body's media type is not accepted.", error_body("unsupported_media_type", "Unsupported media type.")),
    "429": ("Too many requests: wait as long as Retry-After says.",
            error_body("throttled", "Request was throttled. Expected available in 12 seconds.")),
}
_ALWAYS = ("400", "401", "403", "404", "406", "429")
_WRITES = ("409", "413", "415")


class LeitstandAutoSchema(AutoSchema):
    def _is_list_view(self, serializer=None):
        # A view whose list answers one object of its own shape (e.g. a page of messages with a
        # "more" flag) says so with ``list_answers_one_object``; drf-spectacular would wrap it in
        # an array because the action is called "list".
        if getattr(self.view, "list_answers_one_object", False):
            return False
        return super()._is_list_view(serializer)

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        codes = _ALWAYS + (_WRITES if self.method in ("POST", "PUT", "PATCH", "DELETE") else ())
        for code in codes:
            if code in responses:
                continue
            description, example = _ERRORS[code]
            response = OpenApiResponse(
                ErrorSerializer, description=description,
                examples=[OpenApiExample(f"error {code}", value=example, response_only=True, status_codes=[code])],
            )
            responses[code] = self._get_response_for_code(response, code, direction=direction)
        return dict(sorted(responses.items()))


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.BearerTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "lst_…",
            "description": (
                "A personal API token (Profile → API tokens). It acts with its user's role and "
                "object permissions; a read-only token may only GET."
            ),
        }
