"""Personal API tokens: a staff member's key for external systems, acting with their rights."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TokenScope(models.TextChoices):
    READ = "read", _("Read only")
    WRITE = "write", _("Read and write")


class TokenState(models.TextChoices):
    ACTIVE = "active", _("Active")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")


class ApiToken(models.Model):
    """Only the token's SHA-256 digest is stored (the token itself is shown once, when it is made);
    ``prefix`` is its first characters, to tell tokens apart in the list."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    scope = models.CharField(_("scope"), max_length=8, choices=TokenScope.choices)
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(_("begins with"), max_length=12)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def state_at(self, now) -> TokenState:
        """Revoked wins over expired; ``token_authenticate`` accepts exactly the active ones."""
        if self.revoked_at is not None:
            return TokenState.REVOKED
        if self.expires_at <= now:
            return TokenState.EXPIRED
        return TokenState.ACTIVE

    @property
    def state(self) -> TokenState:
        return self.state_at(timezone.now())
