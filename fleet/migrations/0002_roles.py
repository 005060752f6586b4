"""Create the role groups Administrator, Moderator and Mitarbeiter with their permissions.

Permissions of later apps are added by fleet.roles.sync_role_permissions after each
migrate run (post_migrate), from the same mapping in fleet/roles.py.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def create_roles(apps, schema_editor):
    from fleet.roles import sync_role_permissions

    # Permissions are normally created after all migrations (post_migrate): create them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    sync_role_permissions(
        apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"), schema_editor.connection.alias
    )


def remove_roles(apps, schema_editor):
    from fleet.roles import ROLE_ORDER

    apps.get_model("auth", "Group").objects.filter(name__in=[role.value for role in ROLE_ORDER]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("fleet", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
