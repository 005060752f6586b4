from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

from common.links import absolute_url
from config.demo.staff import DEMO_PASSWORD, DEMO_STAFF
from tickets.models import AccessCode

# The demo data of every app, in order: later seeders build on earlier ones.
SEEDERS = [
    "config.demo.staff.seed_staff",
    "config.demo.tickets.seed_tickets",
    "config.demo.staff.seed_fleet",
    "config.demo.tickets.seed_feedback",
    "config.demo.video.seed_video_sessions",
    "config.demo.tickets.spread_over_days",  # last: gives the fresh demo tickets a past of days and weeks
]


class Command(BaseCommand):
    help = "Create demo staff and demo data for a first start. Safe to run repeatedly."

    def handle(self, *args, **options):
        for path in SEEDERS:
            import_string(path)()
        self.stdout.write(self.style.SUCCESS("Demo data ready. Logins (password for all: %s):" % DEMO_PASSWORD))
        for username, first_name, last_name, role in DEMO_STAFF:
            self.stdout.write(f"  {username:<14} {first_name} {last_name} ({role.value})")
        base = absolute_url("").rstrip("/")
        self.stdout.write(self.style.SUCCESS("Access codes for code users (or type the code at %s/c/):" % base))
        for code in AccessCode.objects.filter(is_active=True).order_by("label"):
            self.stdout.write(f"  {code.label:<24} code {code.entry_code_display}  {base}{code.get_absolute_url()}")
