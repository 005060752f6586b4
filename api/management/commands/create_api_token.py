"""``manage.py create_api_token <username> [--name N] [--scope read|write] [--days D]``: a personal
API token for a staff member, printed once (for scripts and the README's example; people make
theirs under Mein Profil → API-Tokens). The same service as the page: the same rules."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from api import services
from api.models import TokenScope
from common.errors import DomainError


class Command(BaseCommand):
    help = "Make a personal API token for a staff member and print it (it is shown only this once)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="Kommandozeile")
        parser.add_argument("--scope", choices=TokenScope.values, default=TokenScope.READ)
        parser.add_argument("--days", type=int, default=30, help="valid for this many days (at most 366)")

    def handle(self, *args, username, name, scope, days, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"There is no user {username!r}.")
        try:
            _token, raw = services.token_create(user, name=name, scope=scope, expires_at=timezone.now() + timedelta(days=days))
        except DomainError as error:
            raise CommandError(str(error.message)) from None
        self.stdout.write(raw)
