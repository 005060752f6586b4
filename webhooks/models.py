"""Outgoing webhooks: the endpoints administrators register, each delivery of a message to one
endpoint, and the log of every attempt to send it (docs/architecture.md, "Webhooks")."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Endpoint(models.Model):
    """Where messages go. ``secret`` is in the Standard Webhooks form ``whsec_<base64>``; it is
    shown once when made (and when rotated) and kept to sign every delivery."""

    url = models.URLField(_("URL"), max_length=2000)
    description = models.CharField(_("description"), max_length=200, blank=True)
    secret = models.CharField(max_length=100)
    event_types = models.JSONField(_("event types"), default=list)  # webhook type names, webhooks.catalogue
    include_internal = models.BooleanField(_("internal events"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    disabled_reason = models.CharField(_("why it was switched off"), max_length=300, blank=True)
    disabled_at = models.DateTimeField(_("switched off at"), null=True, blank=True)
    # The first failure since the last success: a day of failures switches the endpoint off.
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.url


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Pending")  # not tried yet
    FAILED = "failed", _("Failed, will retry")  # the last attempt failed; next_attempt_at says when again
    SUCCEEDED = "succeeded", _("Delivered")
    GIVEN_UP = "given_up", _("Given up")  # failed until its retry window closed


class Delivery(models.Model):
    """One message to one endpoint: the exact body sent (signed anew at each attempt, with the same
    ``message_id``, as Standard Webhooks asks for retries of one message)."""

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    message_id = models.CharField(_("message id"), max_length=64, unique=True)
    type = models.CharField(_("type"), max_length=64)
    body = models.TextField(_("body"))
    state = models.CharField(_("state"), max_length=16, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempt_count = models.PositiveIntegerField(_("attempts"), default=0)
    # When it is due (again); null once it succeeded or was given up. A sender claims a delivery by
    # moving this forward, so two senders never send it at once.
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    retry_until = models.DateTimeField(_("retried until"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="webhook_delivery_due_idx"),
            models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_endpoint_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.message_id} {self.type} → {self.endpoint_id}"

    @property
    def finished(self) -> bool:
        return self.state in (DeliveryState.SUCCEEDED, DeliveryState.GIVEN_UP)


class Attempt(models.Model):
    """The log: one row per try to send a delivery."""

    EXCERPT_LENGTH = 500

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveIntegerField(_("attempt"))
    started_at = models.DateTimeField(_("started"))
    status_code = models.PositiveIntegerField(_("status code"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    succeeded = models.BooleanField(_("succeeded"), default=False)
    error = models.TextField(_("error"), blank=True)
    response_excerpt = models.CharField(_("response"), max_length=EXCERPT_LENGTH, blank=True)

    class Meta:
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")
        ordering = ["number", "id"]
        constraints = [models.UniqueConstraint(fields=["delivery", "number"], name="unique_webhook_attempt_number")]

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.number}: {self.status_code or self.error[:40]}"
