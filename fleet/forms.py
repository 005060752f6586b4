from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from common.languages import language_choices
from common.timezones import time_zone_choices
from fleet.selectors import active_staff


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("Username or password is wrong. Please check both and try again."),
        "inactive": _("This account is inactive. Please contact an administrator."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autofocus": True})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})


class SetPasswordForm(auth_forms.SetPasswordForm):
    """The invitation's link: a new staff member chooses their password."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = _("New password")
        self.fields["new_password2"].label = _("Repeat the new password")
        self.fields["new_password1"].widget.attrs.update({"autocomplete": "new-password", "autofocus": True})


class StaffChoiceForm(forms.Form):
    """Picks a staff member for a fleet action; the services decide whether the action is allowed."""

    user = forms.ModelChoiceField(
        label=_("Staff member"),
        queryset=None,
        error_messages={"required": _("Please choose a staff member."), "invalid_choice": _("Please choose a staff member.")},
    )
    reason = forms.CharField(label=_("Reason (optional)"), max_length=2000, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = active_staff()


class ForwardForm(StaffChoiceForm):
    """Weiterleiten: to whom, and whose place (empty: the actor's own; administrators and moderators
    name the assignee they forward for). The fleet rules decide whether it is allowed."""

    from_user = forms.ModelChoiceField(
        label=_("Assignee"), queryset=None, required=False,
        error_messages={"invalid_choice": _("Please choose a staff member.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from_user"].queryset = active_staff()


class ProfileForm(forms.Form):
    """A staff member's own settings: language and time zone (fleet.staff_services.profile_update)."""

    preferred_language = forms.ChoiceField(label=_("Language"), help_text=_("Pages and e-mails use this language."))
    time_zone = forms.ChoiceField(
        label=_("Time zone"), required=False, help_text=_("Dates and times are shown in this time zone.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["preferred_language"].choices = language_choices()
        self.fields["time_zone"].choices = time_zone_choices()
