"""The staff roles: Administrator, Moderator and Mitarbeiter.

Roles are Django groups. This module is the single source of truth for which
model permissions each role holds; object permissions per ticket (for assignees)
are granted by the fleet services with django-guardian.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    # The group names are the role names the users know (German product vocabulary).
    ADMINISTRATOR = "Administrator", _("Administrator")
    MODERATOR = "Moderator", _("Moderator")
    STAFF = "Mitarbeiter", _("Staff member")


# Ordered from most to least privileged: a user's role is the first group they are in.
ROLE_ORDER = [Role.ADMINISTRATOR, Role.MODERATOR, Role.STAFF]

# "app_label.codename" or "app_label.*" for every permission of that app.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    # Everything, including closing and reopening any ticket in any state and managing
    # templates, access codes and staff.
    Role.ADMINISTRATOR: [
        "fleet.*",
        "tickets.*",
        "messenger.*",
        "videosessions.*",
        "administration.*",
        "webhooks.*",
        "auth.view_group",
    ],
    # Steers the fleet: works on every ticket, assigns, forwards, releases, closes.
    Role.MODERATOR: [
        "fleet.view_user",
        "fleet.view_assignment",
        "tickets.view_ticket",
        "tickets.add_ticket",
        "tickets.change_ticket",
        "tickets.work_ticket",
        "tickets.moderate_ticket",
        "tickets.view_ticketupdate",
        "tickets.view_tickethistory",
        "tickets.view_tickettemplate",
        "tickets.view_accesscode",
        # New machines are daily field work: moderators label and switch access codes.
        "tickets.add_accesscode",
        "tickets.change_accesscode",
        "tickets.view_codeuser",
        # The settings area (read-only templates and staff, access codes as above).
        "administration.view_settings",
    ],
    # Works on the tickets they are assigned to (object permissions granted on assignment).
    Role.STAFF: [
        "fleet.view_user",
        "fleet.view_assignment",
        "tickets.view_ticket",
        "tickets.add_ticket",
        "tickets.view_ticketupdate",
        "tickets.view_tickethistory",
        "tickets.view_tickettemplate",
        "tickets.view_accesscode",
        "tickets.view_codeuser",
    ],
}


ROLE_APPS = {"fleet", "tickets", "messenger", "videosessions", "administration", "webhooks"}


def permissions_for(role: str, permission_model, using: str = "default"):
    """The Permission queryset a role should hold (works with historical models too)."""
    query = models.Q(pk__in=[])
    for spec in ROLE_PERMISSIONS[role]:
        app_label, codename = spec.split(".", 1)
        if codename == "*":
            query |= models.Q(content_type__app_label=app_label)
        else:
            query |= models.Q(content_type__app_label=app_label, codename=codename)
    return permission_model.objects.using(using).filter(query)


def sync_role_permissions(group_model, permission_model, using: str = "default") -> None:
    """Create the role groups if needed and give each exactly its permissions."""
    for role in ROLE_ORDER:
        group, _created = group_model.objects.using(using).get_or_create(name=role.value)
        group.permissions.set(permissions_for(role, permission_model, using))


def sync_role_permissions_signal(sender, using="default", **kwargs) -> None:
    from django.contrib.auth.models import Group, Permission

    # After each of our apps: its permissions were created just before (auth's handler runs first).
    if sender.label not in ROLE_APPS:
        return
    sync_role_permissions(Group, Permission, using)
