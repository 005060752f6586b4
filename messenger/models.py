"""Chat messages beside a ticket, and how far each participant has read."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MessageKind(models.TextChoices):
    TEXT = "text", _("Message")
    SYSTEM = "system", _("System message")


class Conversation(models.Model):
    """Per ticket: the last sequence number handed out. Taking the next one updates this row, so a
    ticket's messages are numbered 1, 2, 3 … without gaps, in the order they were stored."""

    ticket = models.OneToOneField("tickets.Ticket", primary_key=True, on_delete=models.CASCADE, related_name="conversation")
    last_seq = models.PositiveIntegerField(default=0)


class Message(models.Model):
    """Written once, then only read. ``seq`` numbers a ticket's conversation without gaps: clients
    see a missing number, fetch exactly the missing range, and drop duplicates by it."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(_("kind"), max_length=16, choices=MessageKind.choices, default=MessageKind.TEXT)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    author_code_user = models.ForeignKey(
        "tickets.CodeUser", null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    text = models.TextField(_("text"))
    data = models.JSONField(default=dict, blank=True)  # system messages: what happened, rendered per language
    client_id = models.CharField(_("client id"), max_length=64, blank=True)
    seq = models.PositiveIntegerField(_("number in the conversation"))
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["id"]
        indexes = [models.Index(fields=["ticket", "id"], name="message_ticket_id_idx")]
        constraints = [
            # The idempotency key: a message resent after a reconnect is stored once.
            models.UniqueConstraint(
                fields=["ticket", "client_id"], condition=~models.Q(client_id=""), name="unique_message_client_id"
            ),
            models.UniqueConstraint(fields=["ticket", "seq"], name="unique_message_seq"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}#{self.pk}: {self.text[:40]}"


class ReadCursor(models.Model):
    """The last message a participant has seen on a ticket (gives receipts and unread counts)."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="read_cursors")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="read_cursors"
    )
    code_user = models.ForeignKey(
        "tickets.CodeUser", null=True, blank=True, on_delete=models.CASCADE, related_name="read_cursors"
    )
    last_read_id = models.BigIntegerField(default=0)
    # Staff cursors: how many messages after ``last_read_id`` others wrote (the side menu's badge and
    # the list's counts read it instead of counting messages). Kept exact by ``messenger.services``:
    # one more for every message, counted afresh when the cursor moves or is made.
    # Every assignee has a cursor from the moment they are assigned (``unread_track``). Not indexed:
    # every message changes it, and an update that touches no indexed column stays on its page
    # (PostgreSQL's HOT update, no index entries written); the badge reads a staff member's cursors
    # by the user's index (a few thousand rows at most, about 3 ms at 100,000 tickets).
    unread = models.PositiveIntegerField(default=0, db_default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ticket", "user"], condition=models.Q(user__isnull=False), name="unique_staff_cursor"),
            models.UniqueConstraint(
                fields=["ticket", "code_user"], condition=models.Q(code_user__isnull=False), name="unique_code_user_cursor"
            ),
        ]
