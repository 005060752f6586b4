"""Who sees which part of the settings area. The roles' permissions live in fleet/roles.py; the
services refuse what a role may not do, whatever the page shows."""

from __future__ import annotations

from dataclasses import dataclass

AREA_PERMISSION = "administration.view_settings"


@dataclass(frozen=True)
class Section:
    view: str
    add: str
    change: str


SECTIONS = {
    "templates": Section("tickets.view_tickettemplate", "tickets.add_tickettemplate", "tickets.change_tickettemplate"),
    "codes": Section("tickets.view_accesscode", "tickets.add_accesscode", "tickets.change_accesscode"),
    "staff": Section("fleet.view_user", "fleet.add_user", "fleet.change_user"),
    # Administrators only (fleet/roles.py); webhooks.services asks the same permission again.
    "webhooks": Section("webhooks.view_endpoint", "webhooks.add_endpoint", "webhooks.change_endpoint"),
}


def may_enter(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.has_perm(AREA_PERMISSION))


def may(user, section: str, action: str = "view") -> bool:
    """``action`` is view, add or change."""
    return may_enter(user) and user.has_perm(getattr(SECTIONS[section], action))


def rights(user) -> dict[str, dict[str, bool]]:
    """For the templates: ``rights.codes.add`` etc."""
    return {
        name: {action: may(user, name, action) for action in ("view", "add", "change")}
        for name in SECTIONS
    }
