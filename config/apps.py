from django.apps import AppConfig
from django.utils.module_loading import import_string


class ConfigConfig(AppConfig):
    """The project itself: wires the apps together (domain-event subscriptions)."""

    name = "config"
    verbose_name = "Leitstand"

    def ready(self):
        from common import events
        from config.subscriptions import SUBSCRIPTIONS

        for name, path in SUBSCRIPTIONS:
            events.subscribe(name, import_string(path))
