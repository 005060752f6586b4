"""Tickets, their templates, updates, history and access codes.

The progress status is a django-fsm state machine (see ``tickets.lifecycle`` for who may do
what). Nothing here sends messages or e-mails: the services publish domain events after commit.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, FSMModelMixin, transition
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from common.actors import display_name_of
from common.models import TimeStampedModel
from tickets import lifecycle
from tickets.choices import (
    ACTIVE_STATES,
    CreationStep,
    FieldType,
    HistoryAction,
    OfferRecipients,
    Status,
    UpdateKind,
    Visibility,
)


def _all_steps():
    return [step.value for step in CreationStep]


class TicketTemplate(TimeStampedModel):
    name = models.CharField(_("name"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)
    default_title = models.CharField(_("default title"), max_length=200, blank=True)
    default_description = models.TextField(_("default description"), blank=True)
    default_visibility = models.CharField(
        _("default visibility"), max_length=16, choices=Visibility.choices, default=Visibility.INTERNAL
    )
    creation_steps = models.JSONField(
        _("creation steps"),
        default=_all_steps,
        help_text=_("Wizard steps a ticket of this template must complete before it can be submitted."),
    )
    asks_feedback = models.BooleanField(_("ask code users for feedback"), default=True)
    is_active = models.BooleanField(_("active"), default=True)

    # Fleet settings (read by the fleet app when a ticket is submitted).
    offer_recipients = models.CharField(
        _("offers go to"), max_length=16, choices=OfferRecipients.choices, default=OfferRecipients.ALL_STAFF
    )
    offer_group = models.ForeignKey(
        "auth.Group", verbose_name=_("group"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    offer_members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("chosen members"), blank=True, related_name="+"
    )
    assignees_needed = models.PositiveSmallIntegerField(_("assignees needed"), default=1)
    offer_validity = models.DurationField(_("offer valid for"), default=timedelta(hours=24))
    announce_in_app = models.BooleanField(_("announce offers in the app"), default=True)
    announce_by_email = models.BooleanField(_("announce offers by e-mail"), default=False)

    class Meta:
        verbose_name = _("ticket template")
        verbose_name_plural = _("ticket templates")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        unknown = set(self.creation_steps or []) - set(CreationStep.values)
        if unknown:
            raise ValidationError({"creation_steps": _("Unknown steps: %s") % ", ".join(sorted(unknown))})
        if self.assignees_needed < 1:
            raise ValidationError({"assignees_needed": _("At least one assignee is needed.")})
        if self.offer_recipients == OfferRecipients.GROUP and not self.offer_group_id:
            raise ValidationError({"offer_group": _("Choose the group that receives the offers.")})
        if self.offer_validity <= timedelta(0):
            raise ValidationError({"offer_validity": _("Offers must be valid for some time.")})


class TemplateField(models.Model):
    """A custom field every ticket of the template fills (values are stored on the ticket)."""

    template = models.ForeignKey(TicketTemplate, on_delete=models.CASCADE, related_name="fields")
    key = models.SlugField(_("key"), max_length=50, help_text=_("Stable identifier, e.g. serial_number."))
    label = models.CharField(_("label"), max_length=120)
    field_type = models.CharField(_("type"), max_length=16, choices=FieldType.choices, default=FieldType.TEXT)
    required = models.BooleanField(_("required"), default=False)
    choices = models.JSONField(_("choices"), default=list, blank=True, help_text=_("For choice fields: the options."))
    help_text = models.CharField(_("help text"), max_length=255, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("template field")
        verbose_name_plural = _("template fields")
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["template", "key"], name="unique_field_key_per_template")]

    def __str__(self) -> str:
        return self.label

    def clean(self):
        if self.field_type == FieldType.CHOICE:
            if not isinstance(self.choices, list) or not self.choices or not all(
                isinstance(c, str) and c.strip() for c in self.choices
            ):
                raise ValidationError({"choices": _("A choice field needs a list of non-empty options.")})


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
        field=status,
        source=[Status.DRAFT, Status.OPEN, Status.ASSIGNED, Status.IN_PROGRESS],
        target=Status.CLOSED,
        permission=lifecycle.is_administrator,
        conditions=[],
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
    }

    def _label_value(self, value: str) -> str:
        choices = {"status": Status, "visibility": Visibility, "completed_steps": CreationStep}.get(self.field)
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
