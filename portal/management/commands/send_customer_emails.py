from django.core.management.base import BaseCommand

from portal.emails import send_due_customer_emails


class Command(BaseCommand):
    help = "Send the customers' e-mail digests that are due (Celery beat does this every minute)."

    def handle(self, *args, **options):
        sent = send_due_customer_emails()
        self.stdout.write(f"{sent} e-mail(s) sent.")
