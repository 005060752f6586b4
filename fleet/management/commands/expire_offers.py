from django.core.management.base import BaseCommand

from fleet.services import offers_expire


class Command(BaseCommand):
    help = "Withdraw ticket offers whose time ran out (also runs as a Celery beat task)."

    def handle(self, *args, **options):
        count = offers_expire()
        self.stdout.write(f"{count} offer(s) expired.")
