"""The ticket and its progress status: a django-fsm state machine whose ``permission=`` and
``conditions=`` are the rules in ``tickets.lifecycle``."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, FSMModelMixin, transition
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from common.models import TimeStampedModel
from tickets import lifecycle
from tickets.choices import ACTIVE_STATES, FINAL_STATES, Status, Visibility
from tickets.models.access import AccessCode, CodeUser
from tickets.models.templates import TicketTemplate


class TicketNumberSequence(models.Model):
    """The last number handed out per year; rows are locked while a ticket is created."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)


class Ticket(ConcurrentTransitionMixin, FSMModelMixin, TimeStampedModel):
    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    template = models.ForeignKey(
        TicketTemplate, verbose_name=_("template"), on_delete=models.PROTECT, related_name="tickets"
    )
    access_code = models.ForeignKey(
        AccessCode,
        verbose_name=_("access code"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    status = FSMField(_("progress status"), choices=Status.choices, default=Status.DRAFT, protected=True)
    visibility = models.CharField(_("visibility"), max_length=16, choices=Visibility.choices, default=Visibility.INTERNAL)
    custom_values = models.JSONField(_("template fields"), default=dict, blank=True)
    completed_steps = models.JSONField(_("completed steps"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="created_tickets",
    )
    created_by_code_user = models.ForeignKey(
        CodeUser,
        verbose_name=_("opened by code user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
    )
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    # PostgreSQL's full-text search over number, title, description, field values and every update's
    # text, written by the database's triggers (migration 0010), never by Python; NULL on SQLite,
    # whose search reads the columns themselves (``tickets.search``). Indexed by GIN (0010) and, for
    # the active tickets' ranked pages, included in a partial covering index (0011).
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("work_ticket", _("Can work on the ticket (status, updates)")),
            ("moderate_ticket", _("Can steer every ticket (assign, forward, release, close)")),
            ("administer_ticket", _("Can close and reopen every ticket in any state")),
        ]
        indexes = [
            models.Index(fields=["status", "-updated_at"], name="ticket_status_updated_idx"),
            models.Index(fields=["visibility", "status"], name="ticket_visibility_status_idx"),
            models.Index(fields=["access_code", "visibility", "status"], name="ticket_code_vis_status_idx"),
            models.Index(fields=["-updated_at"], name="ticket_updated_idx"),
            # Partial indexes that hold only the active tickets (a minority after a few years):
            # the active tabs' counts (index-only) and the default list's rows by last change.
            models.Index(
                fields=["status", "visibility", "created_by"], name="ticket_active_status_idx",
                condition=Q(status__in=ACTIVE_STATES),
            ),
            models.Index(
                fields=["-updated_at", "-id"], name="ticket_active_updated_idx", condition=Q(status__in=ACTIVE_STATES)
            ),
            # The archive's order (finished tickets, most recently finished first) for its keyset pages.
            models.Index(
                Coalesce("status_changed_at", "updated_at").desc(), F("id").desc(),
                name="ticket_finished_idx", condition=Q(status__in=FINAL_STATES),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("tickets:detail", kwargs={"number": self.number})

    @property
    def is_final(self) -> bool:
        return self.status not in ACTIVE_STATES

    # --- lifecycle: the transitions change only this row; services add history and events ---
    @transition(
        field=status,
        source=Status.DRAFT,
        target=Status.OPEN,
        permission=lifecycle.may_submit,
        conditions=[lifecycle.creation_complete],
    )
    def submit(self):
        pass

    @transition(
        field=status,
        source=Status.OPEN,
        target=Status.ASSIGNED,
        permission=lifecycle.may_assign,
        conditions=[lifecycle.has_assignees],
    )
    def assign(self):
        pass

    @transition(
        field=status,
        source=Status.ASSIGNED,
        target=Status.IN_PROGRESS,
        permission=lifecycle.may_work,
        conditions=[lifecycle.has_assignees],
    )
    def start(self):
        pass

    @transition(field=status, source=Status.IN_PROGRESS, target=Status.DONE, permission=lifecycle.may_work, conditions=[])
    def finish(self):
        pass

    @transition(field=status, source=Status.DONE, target=Status.CLOSED, permission=lifecycle.may_close_done, conditions=[])
    @transition(
        field=status, source=[Status.DRAFT, Status.OPEN], target=Status.CLOSED,
        permission=lifecycle.is_administrator, conditions=[],
    )
    @transition(
        field=status, source=[Status.ASSIGNED, Status.IN_PROGRESS], target=Status.CLOSED,
        permission=lifecycle.may_close_early, conditions=[],
    )
    def close(self):
        pass

    @transition(
        field=status, source=Status.DONE, target=Status.IN_PROGRESS, permission=lifecycle.may_reopen_done, conditions=[]
    )
    @transition(
        field=status, source=Status.CLOSED, target=Status.IN_PROGRESS, permission=lifecycle.is_administrator, conditions=[]
    )
    def reopen(self):
        pass

    @transition(
        field=status,
        source=[Status.ASSIGNED, Status.IN_PROGRESS],
        target=Status.OPEN,
        permission=lifecycle.may_release,
        conditions=[lifecycle.has_no_assignees],
    )
    def release(self):
        pass

    @transition(
        field=status,
        source=ACTIVE_STATES,
        target=Status.CANCELLED,
        permission=lifecycle.may_cancel,
        conditions=[],
    )
    def cancel(self):
        pass


class TicketUserObjectPermission(UserObjectPermissionBase):
    """Per-ticket permissions of a staff member (django-guardian, direct foreign key)."""

    content_object = models.ForeignKey(Ticket, on_delete=models.CASCADE)


class TicketGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Ticket, on_delete=models.CASCADE)
