from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    """Adds timezone-aware creation and modification timestamps."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class OutgoingEmail(models.Model):
    """One e-mail the project owes someone, kept until it is sent (``common.outbox``).

    The row is the truth, the Celery message only a prompt: an e-mail queued while the broker is
    away, or whose worker died mid-send, is still here unsent, and the minute's sweep sends it.
    ``key`` names what the e-mail is about (one status change, one notification), so queuing the
    same one twice stores it once; ``sent_at`` is set in the same transaction that sends it.
    """

    key = models.CharField(max_length=200, unique=True)
    to = models.EmailField(max_length=254)
    subject = models.CharField(max_length=998)
    text = models.TextField()
    html = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["sent_at", "created_at"], name="outgoing_email_pending_idx")]

    def __str__(self) -> str:
        return f"{self.key} → {self.to}"
