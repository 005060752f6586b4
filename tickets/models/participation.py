"""Which code users take part in a ticket: they opened it, wrote in it, or follow it through their
personal link. Only they rate the finished work, and they are the customers who hear by e-mail
when staff answer while they are not on the page (``portal.emails``)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tickets.models.access import CodeUser
from tickets.models.ticket import Ticket


class ParticipationKind(models.TextChoices):
    OPENED = "opened", _("opened it")
    WROTE = "wrote", _("wrote in it")
    FOLLOWED = "followed", _("follows it")


class TicketParticipant(models.Model):
    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="participants")
    code_user = models.ForeignKey(
        CodeUser, verbose_name=_("code user"), on_delete=models.CASCADE, related_name="participations"
    )
    kind = models.CharField(_("took part"), max_length=16, choices=ParticipationKind.choices)
    joined_at = models.DateTimeField(_("since"), auto_now_add=True)
    # The last time they had the ticket in front of them (page, socket, read receipt): what came
    # before that needs no e-mail.
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)
    # The e-mail digest: when the last one went out, and when the next is due (None: none pending).
    last_emailed_at = models.DateTimeField(_("last e-mail"), null=True, blank=True)
    email_due_at = models.DateTimeField(_("next e-mail due"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("unsubscribed"), null=True, blank=True)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [models.UniqueConstraint(fields=["ticket", "code_user"], name="unique_participant")]
        indexes = [models.Index(fields=["email_due_at"], name="participant_email_due_idx")]

    def __str__(self) -> str:
        return f"{self.code_user} · {self.ticket}"
