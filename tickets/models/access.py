"""Access codes (the QR codes on machines) and the code users who enter through them."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import models
from django.utils.translation import gettext_lazy as _

from common.models import TimeStampedModel
from tickets.models.templates import TicketTemplate


def generate_token() -> str:
    # 32 random bytes = 256 bits, URL-safe base64.
    return secrets.token_urlsafe(32)


# Letters and digits that cannot be mistaken for each other when typed from a sticker.
ENTRY_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def generate_entry_code() -> str:
    """Eight characters (40 bits) people can type; code entry is throttled per IP."""
    return "".join(secrets.choice(ENTRY_CODE_ALPHABET) for _ in range(8))


def normalize_entry_code(value: str) -> str:
    return "".join(ch for ch in (value or "").upper() if ch.isalnum())


class AccessCode(TimeStampedModel):
    """How code users reach the service: a QR code on a machine or a site."""

    token = models.CharField(_("token"), max_length=64, unique=True, default=generate_token, editable=False)
    entry_code = models.CharField(
        _("entry code"), max_length=8, unique=True, default=generate_entry_code, editable=False,
        help_text=_("Printed beside the QR code for people who type it in."),
    )
    label = models.CharField(_("label"), max_length=120, help_text=_("Usually the machine or site."))
    location = models.CharField(_("location"), max_length=200, blank=True)
    serial_number = models.CharField(_("serial number"), max_length=100, blank=True)
    template = models.ForeignKey(
        TicketTemplate, verbose_name=_("template"), on_delete=models.PROTECT, related_name="access_codes"
    )
    pin_hash = models.CharField(_("PIN"), max_length=128, blank=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    # Every personal link names the version it was made under; staff raise it to end them all
    # (tickets.services.access_code_revoke_links).
    links_version = models.PositiveIntegerField(_("personal links version"), default=1, editable=False)
    links_revoked_at = models.DateTimeField(_("personal links revoked at"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("access code")
        verbose_name_plural = _("access codes")
        ordering = ["label"]

    def __str__(self) -> str:
        return self.label

    def get_absolute_url(self) -> str:
        """The code users' entry page (what the QR code points to)."""
        return f"/c/{self.token}/"

    @property
    def entry_code_display(self) -> str:
        return f"{self.entry_code[:4]}-{self.entry_code[4:]}"

    @property
    def has_pin(self) -> bool:
        return bool(self.pin_hash)

    def set_pin(self, pin: str | None) -> None:
        self.pin_hash = make_password(pin) if pin else ""

    def check_pin(self, pin: str) -> bool:
        return bool(self.pin_hash) and check_password(pin, self.pin_hash)


class CodeUser(models.Model):
    """A customer who came through an access code; not a Django user."""

    access_code = models.ForeignKey(AccessCode, on_delete=models.CASCADE, related_name="code_users")
    display_name = models.CharField(_("name"), max_length=120)
    email = models.EmailField(_("e-mail"), blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, default="de"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("code user")
        verbose_name_plural = _("code users")

    def __str__(self) -> str:
        return self.display_name

    # Code users take part in permission checks next to staff users.
    is_authenticated = True
    is_code_user = True
