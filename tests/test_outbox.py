"""The e-mail outbox keeps what it owes and a recent trail: a daily task deletes what was sent
more than OUTBOX_KEEP_DAYS ago and never an e-mail still unsent."""

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from common import outbox
from common.models import OutgoingEmail

pytestmark = pytest.mark.django_db


def _email(key: str, *, sent_days_ago: float | None, created_days_ago: float = 40) -> OutgoingEmail:
    now = timezone.now()
    email = OutgoingEmail.objects.create(key=key, to="petra@example.org", subject=key, text="Hallo")
    OutgoingEmail.objects.filter(pk=email.pk).update(
        created_at=now - timedelta(days=created_days_ago),
        sent_at=None if sent_days_ago is None else now - timedelta(days=sent_days_ago),
    )
    return email


def test_sent_e_mails_older_than_the_keep_days_are_deleted_unsent_ones_never(settings):
    settings.OUTBOX_KEEP_DAYS = 30
    _email("old-sent", sent_days_ago=31)
    _email("recent-sent", sent_days_ago=29)
    _email("old-unsent", sent_days_ago=None)  # the mail server was away for weeks: still owed
    assert outbox.purge_sent_emails() == 1
    assert sorted(OutgoingEmail.objects.values_list("key", flat=True)) == ["old-unsent", "recent-sent"]
    assert outbox.purge_sent_emails(keep_days=0) == 1
    assert list(OutgoingEmail.objects.values_list("key", flat=True)) == ["old-unsent"]


def test_the_beat_runs_it_daily():
    assert django_settings.CELERY_BEAT_SCHEDULE["purge-sent-emails"] == {
        "task": "common.outbox.purge_sent_emails", "schedule": 86400.0,
    }
