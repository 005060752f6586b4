from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string


class ConfigConfig(AppConfig):
    """The project itself: wires the apps together (domain-event subscriptions)."""

    name = "config"
    verbose_name = "Leitstand"

    def ready(self):
        from common import events
        from config.subscriptions import SUBSCRIPTIONS
        from tickets.events import CATALOGUE

        for name, path in SUBSCRIPTIONS:
            if name not in CATALOGUE:
                raise ImproperlyConfigured(f"config/subscriptions.py: {name!r} is not an event of tickets/events.py")
            events.subscribe(name, import_string(path))
