"""Video sessions of a ticket: the appointment and its state machine, who was in the call when,
the snapshots kept from it, and the customer's rating."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, FSMModelMixin, transition

from tickets.choices import Visibility
from tickets.models import STARS_MAX, STARS_MIN, CodeUser, Ticket, TicketUpdate, stars_display
from videosessions import rules
from videosessions.choices import Provider, SessionState

S = SessionState


class VideoSession(ConcurrentTransitionMixin, FSMModelMixin, models.Model):
    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="video_sessions")
    title = models.CharField(_("title"), max_length=200)
    visibility = models.CharField(_("visibility"), max_length=16, choices=Visibility.choices, default=Visibility.INTERNAL)
    state = FSMField(_("state"), choices=SessionState.choices, default=SessionState.REQUESTED, protected=True)
    planned_at = models.DateTimeField(_("planned for"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    provider = models.CharField(_("room"), max_length=16, choices=Provider.choices, default=Provider.MESH)
    # An unguessable name: the external room's (Jitsi) link, never shown to who may not join.
    room = models.CharField(_("room name"), max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    requested_by_code_user = models.ForeignKey(
        CodeUser, verbose_name=_("requested by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    # When the last participant left a running session (the sweep ends it after a while).
    emptied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("video session")
        verbose_name_plural = _("video sessions")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "planned_at"], name="video_state_planned")]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.title}"

    @property
    def is_final(self) -> bool:
        return self.state in (S.ENDED, S.CANCELLED, S.MISSED)

    @property
    def duration(self):
        if self.started_at and self.ended_at:
            return self.ended_at - self.started_at
        return None

    # --- the lifecycle (rules in videosessions.rules) ---

    @transition(field=state, source=S.REQUESTED, target=S.CONFIRMED, permission=rules.may_confirm,
                conditions=[rules.ticket_takes_calls])
    def confirm(self):
        pass

    @transition(field=state, source=[S.REQUESTED, S.CONFIRMED], target=S.RUNNING, permission=rules.may_start,
                conditions=[rules.ticket_takes_calls])
    def start(self):
        pass

    @transition(field=state, source=S.RUNNING, target=S.ENDED, permission=rules.may_end)
    def end(self):
        pass

    @transition(field=state, source=[S.REQUESTED, S.CONFIRMED], target=S.CANCELLED, permission=rules.may_cancel)
    def cancel(self):
        pass

    @transition(field=state, source=[S.REQUESTED, S.CONFIRMED], target=S.MISSED, permission=rules.is_system)
    def miss(self):
        pass


class Participation(models.Model):
    """One stay in the call: who, from when to when (a person who rejoins gets a new row)."""

    session = models.ForeignKey(VideoSession, on_delete=models.CASCADE, related_name="participations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    code_user = models.ForeignKey(CodeUser, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    name = models.CharField(_("name"), max_length=200)
    channel = models.CharField(max_length=200)  # the socket's channel (the signalling relay's address)
    joined_at = models.DateTimeField(_("joined"))
    left_at = models.DateTimeField(_("left"), null=True, blank=True)
    seen_at = models.DateTimeField()  # the socket's last sign of life (a stay without one is over)

    class Meta:
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        ordering = ["joined_at", "id"]
        indexes = [models.Index(fields=["session", "left_at"], name="video_part_open")]

    @property
    def kind(self) -> str:
        return "code_user" if self.code_user_id else "staff"


class Snapshot(models.Model):
    """An annotated still from the call, kept as the attachment of a ticket update."""

    session = models.ForeignKey(VideoSession, on_delete=models.CASCADE, related_name="snapshots")
    update = models.OneToOneField(TicketUpdate, on_delete=models.CASCADE, related_name="video_snapshot")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]


class SessionFeedback(models.Model):
    """The code user's rating of a finished session (once)."""

    session = models.OneToOneField(VideoSession, on_delete=models.CASCADE, related_name="feedback")
    code_user = models.ForeignKey(CodeUser, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    stars = models.PositiveSmallIntegerField(_("stars"), validators=[MinValueValidator(STARS_MIN), MaxValueValidator(STARS_MAX)])
    text = models.TextField(_("text"), blank=True, validators=[MaxLengthValidator(2000)])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(stars__gte=STARS_MIN) & models.Q(stars__lte=STARS_MAX), name="video_feedback_stars_1_to_5"
            )
        ]

    @property
    def stars_display(self) -> str:
        return stars_display(self.stars)
