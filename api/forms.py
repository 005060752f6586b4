"""The form of the API token page. It parses and renders the input; ``api.services.token_create``
checks the rules (name, scope, expiry within a year) and its errors are put back next to the
fields (``tickets.forms.add_domain_errors``)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from api.models import TokenScope
from api.services import LONGEST_LIFE

DEFAULT_LIFE = timedelta(days=90)

# One line each: what a token of this scope may do.
SCOPE_HELP = {
    TokenScope.READ: _("Reads tickets and everything else you may see; changes nothing."),
    TokenScope.WRITE: _("Also creates and changes tickets, with your rights."),
}


def latest_day():
    """The last day the date input offers: a token that ends with it stays within the service's
    ``LONGEST_LIFE`` (a year and a day from now), whatever daylight saving does in between. In
    practice today plus 365 days."""
    return timezone.localtime(timezone.now() + LONGEST_LIFE).date() - timedelta(days=1)


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), required=False,
        widget=forms.TextInput(attrs={"maxlength": 100, "aria-required": "true", "autocomplete": "off"}),
        help_text=_("What the token is for, e.g. the system that uses it."),
    )
    scope = forms.ChoiceField(
        label=_("Access"), choices=TokenScope.choices, initial=TokenScope.READ, widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose read only or read and write."),
            "invalid_choice": _("Choose read only or read and write."),
        },
    )
    expires_at = forms.DateField(
        label=_("Expires on"),
        widget=forms.DateInput(attrs={"type": "date", "aria-required": "true"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
        help_text=_("The token works until the end of this day, at most one year."),
        error_messages={"required": _("Choose the day the token expires."), "invalid": _("Choose the day the token expires.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["expires_at"].initial = today + DEFAULT_LIFE
        self.fields["expires_at"].widget.attrs.update({"min": today.isoformat(), "max": latest_day().isoformat()})

    def scope_options(self):
        """The scope's radio buttons, each with its one line of help."""
        return [(radio, SCOPE_HELP[radio.data["value"]]) for radio in self["scope"]]

    def clean_expires_at(self):
        """The chosen day's end in the person's time zone (the service checks the range)."""
        day = self.cleaned_data["expires_at"]
        return timezone.make_aware(datetime.combine(day, time.max))
