from django.apps import AppConfig


class CommonConfig(AppConfig):
    """Shared building blocks; an installed app for the e-mail outbox's table and the signals of
    the per-request permission memo (``common.object_permissions``)."""

    name = "common"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from common.object_permissions import connect_signals

        connect_signals()
