"""Ticket templates: what a kind of ticket asks for, who gets offers, and its custom fields."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from common.models import TimeStampedModel
from tickets.choices import CreationStep, FieldType, OfferRecipients, Visibility


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
    allows_claiming = models.BooleanField(
        _("staff may take tickets without an offer"), default=True,
        help_text=_("Übernehmen: a staff member who sees an Offen ticket takes it, as if they had accepted an offer."),
    )

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
