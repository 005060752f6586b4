from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import translation

from tickets.services import tickets_autoclose


class Command(BaseCommand):
    help = (
        "Close tickets left in Fertig without feedback for FEEDBACK_AUTOCLOSE_DAYS days "
        "(also runs as a Celery beat task)."
    )

    def handle(self, *args, **options):
        with translation.override(settings.LANGUAGE_CODE):
            count = tickets_autoclose()
        self.stdout.write(f"{count} ticket(s) closed without feedback.")
