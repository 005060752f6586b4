"""The code user's rating of finished work."""

from __future__ import annotations

from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from tickets.models.access import CodeUser
from tickets.models.log import AppendOnlyModel
from tickets.models.ticket import Ticket

STARS_MIN = 1
STARS_MAX = 5
FEEDBACK_TEXT_MAX = 5000


def stars_display(stars: int) -> str:
    """4 → "★★★★☆" (how the history and the pages show a rating)."""
    stars = max(0, min(int(stars), STARS_MAX))
    return "★" * stars + "☆" * (STARS_MAX - stars)


class Feedback(AppendOnlyModel):
    """The code user's rating of a finished ticket: given once, never changed (``tickets.feedback``)."""

    ticket = models.OneToOneField(Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="feedback")
    code_user = models.ForeignKey(
        CodeUser,
        verbose_name=_("code user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="feedback_given",
    )
    stars = models.PositiveSmallIntegerField(
        _("stars"), validators=[MinValueValidator(STARS_MIN), MaxValueValidator(STARS_MAX)]
    )
    text = models.TextField(_("text"), blank=True, validators=[MaxLengthValidator(FEEDBACK_TEXT_MAX)])
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(stars__gte=STARS_MIN) & models.Q(stars__lte=STARS_MAX),
                name="feedback_stars_1_to_5",
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.stars_display}"

    @property
    def stars_display(self) -> str:
        return stars_display(self.stars)

    @property
    def author_name(self) -> str:
        return self.code_user.display_name if self.code_user_id else str(_("Code user"))
