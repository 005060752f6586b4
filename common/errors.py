"""Errors the domain layer raises; every door (page, API, socket) maps them to a clear answer."""

from __future__ import annotations


class DomainError(Exception):
    """An action that cannot be done as asked. Nothing was changed."""

    code = "invalid"
    status_code = 400

    def __init__(self, message, *, errors: dict | None = None, **context):
        super().__init__(str(message))
        self.message = message
        self.errors = errors or {}
        self.context = context


class InvalidInput(DomainError):
    code = "invalid"
    status_code = 400


class PermissionDenied(DomainError):
    code = "permission_denied"
    status_code = 403


class WrongState(DomainError):
    code = "wrong_state"
    status_code = 409


class ConditionUnmet(DomainError):
    code = "condition_unmet"
    status_code = 409


class StaleState(DomainError):
    """The object changed since the client loaded it (e.g. another user moved the ticket)."""

    code = "stale"
    status_code = 409


class LimitExceeded(DomainError):
    """Too many of something in a period (flood protection)."""

    code = "limit_exceeded"
    status_code = 429


class NotFound(DomainError):
    """Nothing the actor may see exists under this name (never tells whether it exists at all).
    Pages answer 404, sockets close, the API answers 404."""

    code = "not_found"
    status_code = 404
