from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AdministrationConfig(AppConfig):
    """The settings area: templates, access codes and staff in the product's own pages."""

    name = "administration"
    verbose_name = _("Settings")
