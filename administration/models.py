"""No tables: only the permission that opens the settings area (granted to roles in fleet/roles.py)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SettingsArea(models.Model):
    """Holds ``administration.view_settings``. Mitarbeiter may read templates and access codes
    (the wizard, QR codes), so those view permissions alone cannot tell who enters the area."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("view_settings", _("Can open the settings area"))]
        verbose_name = _("settings area")
