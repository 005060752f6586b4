from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class FleetConfig(AppConfig):
    name = "fleet"
    verbose_name = _("Fleet")

    def ready(self):
        from fleet import roles

        # Permissions of apps migrated later (tickets, ...) exist only after their own
        # migrations; re-grant the role permissions after every migrate run.
        post_migrate.connect(roles.sync_role_permissions_signal, dispatch_uid="fleet.sync_roles")
