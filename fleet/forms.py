from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("Username or password is wrong. Please check both and try again."),
        "inactive": _("This account is inactive. Please contact an administrator."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autofocus": True})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})


class StaffChoiceForm(forms.Form):
    """Picks a staff member for a fleet action; the services decide whether the action is allowed."""

    user = forms.ModelChoiceField(
        label=_("Staff member"),
        queryset=None,
        error_messages={"required": _("Please choose a staff member."), "invalid_choice": _("Please choose a staff member.")},
    )
    reason = forms.CharField(label=_("Reason (optional)"), max_length=2000, required=False)

    def __init__(self, *args, **kwargs):
        from fleet.services import active_staff

        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = active_staff()
