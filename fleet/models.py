from __future__ import annotations

from functools import cached_property

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from fleet.roles import ROLE_ORDER, Role


class User(AbstractUser):
    """A staff member of the fleet. Every logged-in user is one; code users are not users."""

    preferred_language = models.CharField(
        _("preferred language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default="de",
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        help_text=_("Dates and times are shown in this time zone; empty means the service desk's time zone."),
    )

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff members")
        ordering = ["last_name", "first_name", "username"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    @cached_property
    def role(self) -> Role | None:
        """The user's highest role, from their groups (superusers count as administrators)."""
        if self.is_superuser:
            return Role.ADMINISTRATOR
        names = {group.name for group in self.groups.all()}
        return next((role for role in ROLE_ORDER if role.value in names), None)


class Assignment(models.Model):
    """A staff member working on a ticket (accepted an offer, or assigned by a moderator)."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="assignments")
    assigned_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("assigned at"), auto_now_add=True)
    # True once the ticket is Geschlossen or Abgebrochen (set by ``tickets.services.ticket_transition``
    # in the transaction that moves it; back to False when it is reopened). Only an index aid: "my
    # active tickets" and the unread badge read the partial index below, which holds just the
    # assignments of unfinished tickets (history does not make them slower), and still check the
    # ticket's status, so a row left False (the default, e.g. after a bulk load) is merely read.
    ticket_finished = models.BooleanField(default=False, db_default=False, editable=False)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["ticket", "user"], name="unique_assignment")]
        indexes = [
            models.Index(
                fields=["user", "ticket"], name="assignment_user_active_idx", condition=models.Q(ticket_finished=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.ticket_id}"


class OfferStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPIRED = "expired", _("Expired")


class TicketOffer(models.Model):
    """A ticket offered to one staff member; accepting it makes them an assignee."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="offers")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="offers")
    status = models.CharField(_("status"), max_length=16, choices=OfferStatus.choices, default=OfferStatus.PENDING)
    sent_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("valid until"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("ticket offer")
        verbose_name_plural = _("ticket offers")
        ordering = ["expires_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "user"], condition=models.Q(status="pending"), name="one_pending_offer_per_user"
            )
        ]
        indexes = [
            models.Index(fields=["user", "status", "expires_at"], name="offer_user_status_idx"),
            models.Index(fields=["status", "expires_at"], name="offer_status_expiry_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} → {self.user} ({self.status})"


class SeenMarker(models.Model):
    """When a staff member first opened a ticket's detail page."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="seen_markers")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="seen_markers")
    first_seen_at = models.DateTimeField(_("first seen at"), auto_now_add=True)

    class Meta:
        verbose_name = _("seen marker")
        verbose_name_plural = _("seen markers")
        constraints = [models.UniqueConstraint(fields=["ticket", "user"], name="unique_seen_marker")]


class NotificationKind(models.TextChoices):
    OFFER_RECEIVED = "offer_received", _("New ticket offer")
    OFFER_WITHDRAWN = "offer_withdrawn", _("Ticket offer withdrawn")
    OFFER_EXPIRED = "offer_expired", _("Ticket offer expired")
    ASSIGNED = "assigned", _("Assigned to a ticket")
    UNASSIGNED = "unassigned", _("Removed from a ticket")
    FORWARDED_TO_YOU = "forwarded", _("Ticket forwarded to you")
    WEBHOOK_SWITCHED_OFF = "webhook_off", _("Webhook endpoint switched off")


class Notification(models.Model):
    """An in-app notification for one staff member (rendered in their language when shown)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=32, choices=NotificationKind.choices)
    ticket = models.ForeignKey("tickets.Ticket", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    actor_name = models.CharField(max_length=150, blank=True)
    # What the notification is about when it is not a ticket (a webhook endpoint's URL).
    detail = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at", "-created_at"], name="notification_user_unread_idx")]

    def __str__(self) -> str:
        return f"{self.user}: {self.kind}"

    @property
    def text(self) -> str:
        number = self.ticket.number if self.ticket_id else ""
        title = self.ticket.title if self.ticket_id else ""
        texts = {
            NotificationKind.OFFER_RECEIVED: _("You were offered ticket %(number)s “%(title)s”."),
            NotificationKind.OFFER_WITHDRAWN: _("The offer for ticket %(number)s “%(title)s” was withdrawn."),
            NotificationKind.OFFER_EXPIRED: _("Your offer for ticket %(number)s “%(title)s” expired."),
            NotificationKind.ASSIGNED: _("%(actor)s assigned you to ticket %(number)s “%(title)s”."),
            NotificationKind.UNASSIGNED: _("%(actor)s removed you from ticket %(number)s “%(title)s”."),
            NotificationKind.FORWARDED_TO_YOU: _("%(actor)s forwarded ticket %(number)s “%(title)s” to you."),
            NotificationKind.WEBHOOK_SWITCHED_OFF: _(
                "The webhook endpoint %(detail)s failed for a day and was switched off. "
                "Check it under Settings → Webhooks and switch it on again."
            ),
        }
        return str(texts.get(self.kind, self.get_kind_display())) % {
            "number": number, "title": title, "actor": self.actor_name or _("Someone"), "detail": self.detail,
        }
