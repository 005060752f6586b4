from django.db import migrations, models

import tickets.models


def fill_entry_codes(apps, schema_editor):
    AccessCode = apps.get_model("tickets", "AccessCode")
    taken = set()
    for code in AccessCode.objects.all():
        value = tickets.models.generate_entry_code()
        while value in taken:
            value = tickets.models.generate_entry_code()
        taken.add(value)
        code.entry_code = value
        code.save(update_fields=["entry_code"])


class Migration(migrations.Migration):
    dependencies = [("tickets", "0002_ticket_list_indexes")]

    operations = [
        migrations.AddField(
            model_name="accesscode",
            name="entry_code",
            field=models.CharField(max_length=8, null=True, editable=False, verbose_name="entry code"),
        ),
        migrations.RunPython(fill_entry_codes, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="accesscode",
            name="entry_code",
            field=models.CharField(
                default=tickets.models.generate_entry_code, editable=False, max_length=8, unique=True,
                help_text="Printed beside the QR code for people who type it in.", verbose_name="entry code",
            ),
        ),
    ]
