"""Per-ticket sequence numbers on messages: a Conversation row per ticket hands them out; existing
messages are numbered in the order of their ids."""

import django.db.models.deletion
from django.db import migrations, models


def number_existing_messages(apps, schema_editor):
    Message = apps.get_model("messenger", "Message")
    Conversation = apps.get_model("messenger", "Conversation")
    last = {}
    changed = []
    for message in Message.objects.order_by("ticket_id", "id").only("id", "ticket_id"):
        last[message.ticket_id] = last.get(message.ticket_id, 0) + 1
        message.seq = last[message.ticket_id]
        changed.append(message)
    Message.objects.bulk_update(changed, ["seq"], batch_size=500)
    Conversation.objects.bulk_create(
        [Conversation(ticket_id=ticket_id, last_seq=seq) for ticket_id, seq in last.items()], batch_size=500
    )


class Migration(migrations.Migration):

    dependencies = [
        ("messenger", "0001_initial"),
        ("tickets", "0006_ticket_participants"),
    ]

    operations = [
        migrations.CreateModel(
            name="Conversation",
            fields=[
                (
                    "ticket",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name="conversation",
                        serialize=False, to="tickets.ticket",
                    ),
                ),
                ("last_seq", models.PositiveIntegerField(default=0)),
            ],
        ),
        migrations.AddField(
            model_name="message",
            name="seq",
            field=models.PositiveIntegerField(null=True, verbose_name="number in the conversation"),
        ),
        migrations.RunPython(number_existing_messages, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="message",
            name="seq",
            field=models.PositiveIntegerField(verbose_name="number in the conversation"),
        ),
        migrations.AddConstraint(
            model_name="message",
            constraint=models.UniqueConstraint(fields=("ticket", "seq"), name="unique_message_seq"),
        ),
    ]
