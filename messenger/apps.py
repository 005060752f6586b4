from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessengerConfig(AppConfig):
    name = "messenger"
    verbose_name = _("Messenger")
    # Its subscriptions (status notices, live pages) are listed in config/subscriptions.py.
