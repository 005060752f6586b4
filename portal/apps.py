from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The code-user door: code entry, PIN, identity, personal links, the customer's pages and
    e-mails (subscribed in config/subscriptions.py). Its models (AccessCode, CodeUser, Ticket …)
    stay in tickets/."""

    name = "portal"
    verbose_name = _("Code-user portal")
