"""Actors: who does something. A staff member (fleet.User), a code user, or the system."""

from __future__ import annotations

from django.utils.translation import gettext as _


def is_code_user(actor) -> bool:
    return getattr(actor, "is_code_user", False)


def actor_columns(actor, *, user_field: str = "actor", code_user_field: str = "actor_code_user") -> dict:
    """Keyword arguments naming the actor on a model row (history, updates, ...)."""
    if actor is None:
        return {}
    if is_code_user(actor):
        return {code_user_field: actor}
    return {user_field: actor}


def actor_summary(actor) -> dict:
    """How events describe the actor (JSON-serialisable)."""
    if actor is None:
        return {"kind": "system", "id": None, "name": "System"}
    if is_code_user(actor):
        return {"kind": "code_user", "id": actor.pk, "name": actor.display_name}
    return {"kind": "staff", "id": actor.pk, "name": actor.display_name}


def display_name_of(user, code_user) -> str:
    """The name a row shows for its actor: the staff member, else the code user, else the system."""
    if user is not None:
        return user.display_name
    if code_user is not None:
        return code_user.display_name
    return _("System")
