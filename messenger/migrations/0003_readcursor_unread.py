"""Staff read cursors keep their unread count (the side menu's badge reads it), and every
assignee gets a cursor. Existing cursors are counted once here; from now on messenger.services
keeps them."""

from django.conf import settings
from django.db import migrations, models
from django.db.models import Func, OuterRef, Subquery
from django.db.models.functions import Coalesce


def count_unread(apps, schema_editor):
    Assignment = apps.get_model("fleet", "Assignment")
    Message = apps.get_model("messenger", "Message")
    ReadCursor = apps.get_model("messenger", "ReadCursor")
    have = set(ReadCursor.objects.filter(user__isnull=False).values_list("ticket_id", "user_id"))
    missing = [
        ReadCursor(ticket_id=ticket_id, user_id=user_id)
        for ticket_id, user_id in Assignment.objects.values_list("ticket_id", "user_id").iterator(chunk_size=5000)
        if (ticket_id, user_id) not in have
    ]
    ReadCursor.objects.bulk_create(missing, batch_size=5000)
    unread = (
        Message.objects.filter(ticket=OuterRef("ticket"), id__gt=OuterRef("last_read_id"))
        .exclude(author=OuterRef("user"))
        .order_by()
        .annotate(n=Func("id", function="COUNT"))
        .values("n")
    )
    ReadCursor.objects.filter(user__isnull=False).update(unread=Coalesce(Subquery(unread), 0))


class Migration(migrations.Migration):

    dependencies = [
        ('messenger', '0002_message_sequence'),
        ('tickets', '0010_ticket_search_vector'),
        ('fleet', '0007_assignment_ticket_finished'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='readcursor',
            name='unread',
            field=models.PositiveIntegerField(db_default=0, default=0),
        ),
        migrations.RunPython(count_unread, migrations.RunPython.noop),
    ]
