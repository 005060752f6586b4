from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The code-user door: code entry, PIN, identity, personal links, the customer's pages and
    e-mails. Its models (AccessCode, CodeUser, Ticket …) stay in tickets/."""

    name = "portal"
    verbose_name = _("Code-user portal")

    def ready(self):
        from common import events
        from portal import emails

        # Every status change of a public ticket reaches its code user by e-mail (when given).
        events.subscribe("ticket.transitioned", emails.email_code_user_on_status_change)
