"""Forms of video sessions (the staff tab and the customer's page). They collect and parse input;
the services check the rules (title, time window, visibility, who may), and their errors are put
back next to the fields (``tickets.forms.add_domain_errors``)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tickets.choices import Visibility
from tickets.models import STARS_MAX, STARS_MIN
from videosessions import rules, services

DATETIME_INPUT = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends
DATETIME_FORMATS = [DATETIME_INPUT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
BAD_TIME = _("Enter a date and time.")


def _time_field(label, *, help_text="") -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label, required=False, input_formats=DATETIME_FORMATS, help_text=help_text,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_INPUT),
        error_messages={"invalid": BAD_TIME},
    )


class SessionCreateForm(forms.Form):
    """The tab's form: a title, now or at a time, internal or public (as the rules offer)."""

    NOW, PLANNED = "now", "planned"

    title = forms.CharField(
        label=_("Title"), required=False, strip=False,
        widget=forms.TextInput(attrs={"maxlength": services.TITLE_MAX, "aria-required": "true"}),
    )
    when = forms.ChoiceField(
        label=_("When"), widget=forms.RadioSelect, initial=PLANNED,
        choices=[(PLANNED, _("Plan for a time")), (NOW, _("Start now"))],
        error_messages={"required": _("Choose now or a time."), "invalid_choice": _("Choose now or a time.")},
    )
    planned_at = _time_field(_("Date and time"))
    visibility = forms.ChoiceField(
        label=_("Visibility"), widget=forms.RadioSelect,
        error_messages={"required": _("Choose internal or public."), "invalid_choice": _("Choose internal or public.")},
    )

    def __init__(self, ticket, actor, *args, **kwargs):
        kwargs.setdefault("auto_id", "video_%s")
        kwargs.setdefault("initial", {"visibility": rules.default_visibility(ticket, actor), "when": self.PLANNED})
        super().__init__(*args, **kwargs)
        # Every visibility is parsed (the service refuses a public session on an internal ticket and
        # says why); only those the rules allow here are offered.
        self.fields["visibility"].choices = Visibility.choices
        labels = dict(Visibility.choices)
        self.fields["visibility"].widget.choices = [(value, labels[value]) for value in rules.visibility_choices(ticket, actor)]

    def clean(self):
        data = super().clean()
        if data.get("when") == self.PLANNED and not data.get("planned_at") and "planned_at" not in self.errors:
            self.add_error("planned_at", BAD_TIME)
        return data

    @property
    def starts_now(self) -> bool:
        return self.cleaned_data.get("when") == self.NOW


class ConfirmForm(forms.Form):
    """Staff confirming a session may set its time (empty: as planned or asked for)."""

    planned_at = _time_field(_("Time"))


class RequestForm(forms.Form):
    """A customer asks for a session: a short note and, if they like, when it suits them."""

    note = forms.CharField(
        label=_("What should we look at together? (optional)"), required=False, strip=False,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": services.NOTE_MAX}),
    )
    preferred_at = _time_field(_("Preferred time (optional)"))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "video_request_%s")
        super().__init__(*args, **kwargs)


class RatingForm(forms.Form):
    """The customer's stars (1–5) and words about a finished session."""

    stars = forms.TypedChoiceField(
        label=_("How was the video session?"), coerce=int, widget=forms.RadioSelect,
        choices=[(n, n) for n in range(STARS_MAX, STARS_MIN - 1, -1)],
        error_messages={"required": _("Please choose one to five stars."), "invalid_choice": _("Please choose one to five stars.")},
    )
    text = forms.CharField(
        label=_("Your comment (optional)"), required=False, strip=False,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 2000}),
    )

    def __init__(self, session_pk, *args, **kwargs):
        kwargs.setdefault("auto_id", f"video_rating_{session_pk}_%s")
        super().__init__(*args, **kwargs)
