from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    """Outgoing webhooks (issue 21): endpoints, signed deliveries, their log."""

    name = "webhooks"
    verbose_name = _("Webhooks")
