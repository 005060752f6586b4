from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = _("Tickets")

    def ready(self):
        from common import events
        from tickets import feedback

        # A ticket that becomes Fertig asks its code user for feedback (a messenger system message).
        # Subscribed to every event (the handler keeps only "ticket.transitioned"): "*" subscribers
        # run after those of the event's name, so the conversation shows the messenger's status
        # notice ("… → Fertig") first and the request for feedback after it, although this app
        # is loaded before the messenger.
        events.subscribe("*", feedback.request_feedback_on_done)
