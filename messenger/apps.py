from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessengerConfig(AppConfig):
    name = "messenger"
    verbose_name = _("Messenger")

    def ready(self):
        from common import events
        from messenger import events as live
        from messenger import services

        events.subscribe("*", live.push_page_event)
        events.subscribe("ticket.transitioned", services.post_status_notice)
