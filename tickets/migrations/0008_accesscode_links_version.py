from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0007_alter_tickethistory_action"),
    ]

    operations = [
        migrations.AddField(
            model_name="accesscode",
            name="links_version",
            field=models.PositiveIntegerField(default=1, editable=False, verbose_name="personal links version"),
        ),
        migrations.AddField(
            model_name="accesscode",
            name="links_revoked_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="personal links revoked at"),
        ),
    ]
