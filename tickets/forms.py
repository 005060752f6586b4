"""Forms of the staff pages. They collect and render input; the services validate the rules,
and their errors are put back next to the fields (``add_domain_errors``)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from common.errors import DomainError
from tickets.choices import FieldType, Status, Visibility
from tickets.models import AccessCode, TicketTemplate


def add_domain_errors(form: forms.Form, error: DomainError) -> None:
    """Show a domain error next to the fields it names, else above the form."""
    form.is_valid()  # errors are reset by the first validation: run it before adding ours
    placed = False
    for field, messages in (error.errors or {}).items():
        if field in form.fields:
            for message in messages if isinstance(messages, (list, tuple)) else [messages]:
                # Codes such as "required" are replaced by the readable message.
                form.add_error(field, error.message if message in _CODES else message)
            placed = True
    if not placed:
        form.add_error(None, error.message)


_CODES = {
    "required", "max_length", "type", "invalid", "inactive", "too_many", "too_large",
    # video sessions (videosessions.services)
    "past", "too_far", "ticket_internal", "staff_only", "range", "internal_session",
}


class GeneralForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 6}), required=False)


class TemplateChoiceForm(forms.Form):
    template = forms.ModelChoiceField(
        label=_("Template"),
        queryset=TicketTemplate.objects.filter(is_active=True),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": _("Please choose a template."), "invalid_choice": _("Please choose a template.")},
    )


class CustomFieldsForm(forms.Form):
    """One input per template field; the service validates the values."""

    def __init__(self, template, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in template.fields.all():
            self.fields[field.key] = self._form_field(field)

    @staticmethod
    def _form_field(field):
        common = {"label": field.label, "required": False, "help_text": field.help_text}
        attrs = {"aria-required": "true"} if field.required else {}
        if field.field_type == FieldType.CHECKBOX:
            return forms.BooleanField(**common)
        if field.field_type == FieldType.LONG_TEXT:
            return forms.CharField(widget=forms.Textarea(attrs={"rows": 4, **attrs}), strip=False, **common)
        if field.field_type == FieldType.NUMBER:
            return forms.CharField(widget=forms.TextInput(attrs={"inputmode": "decimal", **attrs}), **common)
        if field.field_type == FieldType.CHOICE:
            choices = [("", "—")] + [(choice, choice) for choice in field.choices]
            # A plain field with a select widget: the service, not the form, refuses unknown options.
            return forms.CharField(widget=forms.Select(choices=choices, attrs=attrs), **common)
        if field.field_type == FieldType.DATE:
            return forms.CharField(widget=forms.DateInput(attrs={"type": "date", **attrs}), **common)
        return forms.CharField(widget=forms.TextInput(attrs=attrs), **common)

    def values(self) -> dict:
        """The values as submitted; the service validates them (one validator for every door)."""
        return {
            key: (self.add_prefix(key) in self.data)
            if isinstance(field, forms.BooleanField)
            else self.data.get(self.add_prefix(key), "")
            for key, field in self.fields.items()
        }


class AccessForm(forms.Form):
    access_code = forms.ModelChoiceField(
        label=_("Access code"),
        queryset=AccessCode.objects.filter(is_active=True).select_related("template"),
        required=False,
        empty_label=_("No access code"),
        help_text=_("Code users of this code see the ticket when it is public."),
    )
    visibility = forms.ChoiceField(label=_("Visibility"), choices=Visibility.choices, widget=forms.RadioSelect)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if not data:
            return []
        files = data if isinstance(data, (list, tuple)) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


class UpdateForm(forms.Form):
    text = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 4}), required=False, strip=False)
    attachments = MultipleFileField(
        label=_("Attachments"),
        required=False,
        help_text=_("Photos, PDF or text files."),
    )


class StatusForm(forms.Form):
    """BEARBEITEN → choose a state and/or the visibility → SPEICHERN."""

    target_status = forms.ChoiceField(label=_("Progress status"), choices=Status.choices, required=False)
    visibility = forms.ChoiceField(label=_("Visibility"), choices=Visibility.choices, required=False)
    expected_status = forms.ChoiceField(choices=Status.choices, required=False, widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason (optional)"), max_length=2000, required=False)
    assignee = forms.IntegerField(required=False)  # Zugewiesen from Offen: who (the service checks the id)
    edit_fields = forms.BooleanField(required=False)  # the Allgemein tab's inputs were part of the form


# --- the code-user portal ---------------------------------------------------------------------
