"""Partial indexes for the staff list at 100,000 tickets (issue 23): the active tickets only (the
tab counts, index-only, and the default list's rows by last change) and the finished ones only
(the archive's keyset pages, in the order it shows them). Declared on the model: both databases
build them.
"""

import django.db.models.functions.comparison
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('tickets', '0008_accesscode_links_version'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(condition=models.Q(('status__in', ['draft', 'open', 'assigned', 'in_progress', 'done'])), fields=['status', 'visibility', 'created_by'], name='ticket_active_status_idx'),
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(condition=models.Q(('status__in', ['draft', 'open', 'assigned', 'in_progress', 'done'])), fields=['-updated_at', '-id'], name='ticket_active_updated_idx'),
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(models.OrderBy(django.db.models.functions.comparison.Coalesce('status_changed_at', 'updated_at'), descending=True), models.OrderBy(models.F('id'), descending=True), condition=models.Q(('status__in', ['closed', 'cancelled'])), name='ticket_finished_idx'),
        ),
    ]
