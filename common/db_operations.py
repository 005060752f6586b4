"""Migration operations shared by the apps' migrations (kept here, stable, so that a migration
never imports app code that may change)."""

from django.db import migrations


class PostgresOnlySQL(migrations.RunSQL):
    """``RunSQL`` that does nothing on other databases (what it creates is PostgreSQL's only:
    triggers, functions; SQLite does the same work in the services)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
