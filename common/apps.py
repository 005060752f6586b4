from django.apps import AppConfig


class CommonConfig(AppConfig):
    """Shared building blocks; an installed app only for the e-mail outbox's table."""

    name = "common"
    default_auto_field = "django.db.models.BigAutoField"
