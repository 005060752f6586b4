"""Forms of the code-user portal. They collect and render input; the services validate the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from common.languages import language_choices
from tickets.forms import GeneralForm, MultipleFileField


class EntryCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"), max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
        help_text=_("The code printed beside the QR code, e.g. K7M2-9XQP."),
        error_messages={"required": _("Please enter the code.")},
    )


class PinForm(forms.Form):
    pin = forms.CharField(
        label=_("PIN"), max_length=12,
        widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={"required": _("Please enter the PIN.")},
    )


class IdentityForm(forms.Form):
    display_name = forms.CharField(label=_("Your name"), max_length=120, error_messages={"required": _("Please tell us your name.")})
    email = forms.EmailField(
        label=_("E-mail (optional)"), required=False,
        help_text=_("We write to you when the status of your tickets changes."),
    )
    preferred_language = forms.ChoiceField(
        label=_("Language"), choices=language_choices, initial="de", widget=forms.RadioSelect
    )


class PortalTicketForm(GeneralForm):
    photos = MultipleFileField(label=_("Photos (optional)"), required=False, help_text=_("Photos, PDF or text files."))


class FeedbackForm(forms.Form):
    stars = forms.TypedChoiceField(
        label=_("Your rating"), choices=[(n, n) for n in range(5, 0, -1)], coerce=int, widget=forms.RadioSelect,
        error_messages={"required": _("Please choose one to five stars."), "invalid_choice": _("Please choose one to five stars.")},
    )
    text = forms.CharField(label=_("Your comment (optional)"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=5000)


class ProblemForm(forms.Form):
    text = forms.CharField(
        label=_("What is still wrong?"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000,
        error_messages={"required": _("Please describe what is still wrong.")},
    )
