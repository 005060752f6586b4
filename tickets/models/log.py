"""What happened on a ticket, append-only: updates (service log and internal), their
attachments, and the history of every change."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from common.actors import display_name_of
from tickets.choices import CreationStep, HistoryAction, Status, UpdateKind, VideoSessionState, Visibility
from tickets.models.access import CodeUser
from tickets.models.ticket import Ticket


class AppendOnlyModel(models.Model):
    """Rows are written once: no update, no delete (corrections are new rows)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError(_("%(model)s entries cannot be changed.") % {"model": self._meta.verbose_name})
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("%(model)s entries cannot be deleted.") % {"model": self._meta.verbose_name})


class TicketUpdate(AppendOnlyModel):
    """A public update (the ticket's service log, seen by code users) or an internal one (staff only)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="updates")
    kind = models.CharField(_("kind"), max_length=16, choices=UpdateKind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="ticket_updates"
    )
    author_code_user = models.ForeignKey(
        CodeUser, null=True, blank=True, on_delete=models.SET_NULL, related_name="ticket_updates"
    )
    text = models.TextField(_("text"))
    corrects = models.ForeignKey(
        "self",
        verbose_name=_("corrects"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("update")
        verbose_name_plural = _("updates")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["ticket", "kind", "-created_at"], name="update_ticket_kind_idx")]

    def __str__(self) -> str:
        return f"{self.ticket.number}: {self.text[:40]}"

    @property
    def author_name(self) -> str:
        return display_name_of(self.author, self.author_code_user)


def attachment_path(instance, filename):
    # The stored name is random; the original name is kept in the row.
    return f"attachments/{instance.update.ticket_id}/{secrets.token_hex(16)}"


class Attachment(AppendOnlyModel):
    update = models.ForeignKey(TicketUpdate, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_path)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class TicketHistory(AppendOnlyModel):
    """Who changed what and when; nobody can edit it."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="history")
    action = models.CharField(_("action"), max_length=16, choices=HistoryAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_code_user = models.ForeignKey(CodeUser, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    field = models.CharField(_("field"), max_length=64, blank=True)
    old_value = models.TextField(_("from"), blank=True)
    new_value = models.TextField(_("to"), blank=True)
    reason = models.TextField(_("reason"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("history entry")
        verbose_name_plural = _("history")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.action} {self.field}"

    @property
    def actor_name(self) -> str:
        return display_name_of(self.actor, self.actor_code_user)

    # How the history tab names fields and values (stored values stay machine-readable).
    _FIELD_LABELS = {
        "status": _("Progress status"),
        "visibility": _("Visibility"),
        "title": _("Title"),
        "description": _("Description"),
        "custom_values": _("Template fields"),
        "access_code": _("Access code"),
        "completed_steps": _("Creation step"),
        "assignees": _("Assigned staff"),
        "offers": _("Offers"),
        UpdateKind.PUBLIC: _("Public update"),
        UpdateKind.INTERNAL: _("Internal update"),
        "feedback": _("Rating"),
        "video_session": _("Video session"),
        "video_feedback": _("Rating of a video session"),
    }

    def _label_value(self, value: str) -> str:
        choices = {"status": Status, "visibility": Visibility, "completed_steps": CreationStep, "video_session": VideoSessionState}.get(self.field)
        if choices and value in choices.values:
            return str(choices(value).label)
        return value

    @property
    def field_label(self) -> str:
        return str(self._FIELD_LABELS.get(self.field, self.field))

    @property
    def old_display(self) -> str:
        return self._label_value(self.old_value)

    @property
    def new_display(self) -> str:
        return self._label_value(self.new_value)
