from __future__ import annotations

from functools import cached_property

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from fleet.roles import ROLE_ORDER, Role


class User(AbstractUser):
    """A staff member of the fleet. Every logged-in user is one; code users are not users."""

    preferred_language = models.CharField(
        _("preferred language"),
        max_length=8,
        choices=[("de", _("German")), ("en", _("English"))],
        default="de",
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

    @property
    def is_administrator(self) -> bool:
        return self.role == Role.ADMINISTRATOR

    @property
    def is_moderator(self) -> bool:
        return self.role == Role.MODERATOR

    @property
    def can_steer_fleet(self) -> bool:
        """Administrators and moderators assign, forward and release any ticket."""
        return self.role in (Role.ADMINISTRATOR, Role.MODERATOR)


class Assignment(models.Model):
    """A staff member working on a ticket (accepted an offer, or assigned by a moderator)."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="assignments")
    assigned_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("assigned at"), auto_now_add=True)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["ticket", "user"], name="unique_assignment")]

    def __str__(self) -> str:
        return f"{self.user} → {self.ticket_id}"
