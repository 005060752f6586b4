"""Forms of the settings pages. They parse and render the input; the services (tickets.
template_services, tickets.services, fleet.staff_services) check the rules, and their errors are
put back next to the fields (``tickets.forms.add_domain_errors``)."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from common.languages import language_choices
from common.timezones import time_zone_choices
from fleet.models import User
from fleet.roles import ROLE_ORDER, Role
from tickets.choices import CreationStep, FieldType, OfferRecipients, Visibility
from tickets.models import TicketTemplate
from webhooks.catalogue import TYPES as WEBHOOK_TYPES

# --- templates ---------------------------------------------------------------------------------


class TemplateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown when a ticket is created, to help choose the right template."),
    )
    is_active = forms.BooleanField(label=_("Active: new tickets can use this template"), required=False, initial=True)
    default_title = forms.CharField(label=_("Default title"), max_length=200, required=False)
    default_description = forms.CharField(
        label=_("Default description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    default_visibility = forms.ChoiceField(
        label=_("Default visibility"), choices=Visibility.choices, initial=Visibility.INTERNAL, widget=forms.RadioSelect
    )
    creation_steps = forms.MultipleChoiceField(
        label=_("Creation steps"), choices=CreationStep.choices, required=False, widget=forms.CheckboxSelectMultiple,
        initial=CreationStep.values,
        help_text=_("The wizard steps a ticket of this template must complete before it can be submitted."),
    )
    asks_feedback = forms.BooleanField(
        label=_("Ask code users for feedback when a ticket is done"), required=False, initial=True
    )
    offer_recipients = forms.ChoiceField(
        label=_("Offers go to"), choices=OfferRecipients.choices, initial=OfferRecipients.ALL_STAFF,
        widget=forms.RadioSelect,
    )
    offer_group = forms.ModelChoiceField(
        label=_("Group"), queryset=Group.objects.none(), required=False, empty_label="—",
        help_text=_("Only when offers go to the members of a group."),
    )
    offer_members = forms.ModelMultipleChoiceField(
        label=_("Chosen members"), queryset=User.objects.none(), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Only when offers go to chosen members."),
    )
    assignees_needed = forms.IntegerField(label=_("Assignees needed"), min_value=1, max_value=20, initial=1)
    offer_validity = forms.IntegerField(
        label=_("Offers are valid for (hours)"), min_value=1, max_value=24 * 90, initial=24,
    )
    announce_in_app = forms.BooleanField(label=_("Announce offers in the app"), required=False, initial=True)
    announce_by_email = forms.BooleanField(label=_("Announce offers by e-mail"), required=False)
    allows_claiming = forms.BooleanField(
        label=_("Staff may take a ticket without an offer (Übernehmen)"), required=False, initial=True,
        help_text=_("On by default when offers go to all staff."),
    )

    def __init__(self, *args, read_only: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["offer_group"].queryset = Group.objects.filter(name__in=[r.value for r in ROLE_ORDER]).order_by("name")
        self.fields["offer_group"].label_from_instance = lambda group: Role(group.name).label
        self.fields["offer_members"].queryset = (
            User.objects.filter(is_active=True, groups__name__in=[r.value for r in ROLE_ORDER]).distinct()
        )
        self.fields["offer_members"].label_from_instance = lambda user: user.display_name
        if read_only:
            for field in self.fields.values():
                field.disabled = True

    @classmethod
    def initial_for(cls, template: TicketTemplate) -> dict:
        initial = {name: getattr(template, name) for name in cls.base_fields if name not in ("offer_members", "offer_validity")}
        initial["offer_members"] = [user.pk for user in template.offer_members.all()]
        initial["offer_validity"] = max(1, round(template.offer_validity.total_seconds() / 3600))
        return initial

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["offer_validity"] = timedelta(hours=data["offer_validity"])
        return data


class TemplateFieldForm(forms.Form):
    key = forms.SlugField(
        label=_("Key"), max_length=50,
        help_text=_("Stable identifier in lower case, e.g. serial_number. Used by the REST API."),
    )
    label = forms.CharField(label=_("Label"), max_length=120)
    field_type = forms.ChoiceField(label=_("Type"), choices=FieldType.choices, initial=FieldType.TEXT)
    required = forms.BooleanField(label=_("Required"), required=False)
    choices = forms.CharField(
        label=_("Choices"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For choice fields: one option per line."),
    )
    help_text = forms.CharField(label=_("Help text"), max_length=255, required=False)

    @staticmethod
    def initial_for(field) -> dict:
        return {
            "key": field.key, "label": field.label, "field_type": field.field_type, "required": field.required,
            "choices": "\n".join(field.choices or []), "help_text": field.help_text,
        }


# --- access codes --------------------------------------------------------------------------------


def _template_queryset(current=None):
    queryset = TicketTemplate.objects.filter(is_active=True)
    if current is not None:
        queryset = TicketTemplate.objects.filter(pk=current.pk) | queryset
    return queryset.order_by("name")


class AccessCodeForm(forms.Form):
    label = forms.CharField(label=_("Label"), max_length=120, help_text=_("Usually the machine or site."))
    location = forms.CharField(label=_("Location"), max_length=200, required=False)
    serial_number = forms.CharField(label=_("Serial number"), max_length=100, required=False)
    template = forms.ModelChoiceField(
        label=_("Template"), queryset=TicketTemplate.objects.none(),
        help_text=_("Tickets opened through this code use this template."),
        error_messages={"required": _("Please choose a template."), "invalid_choice": _("Please choose a template.")},
    )
    pin = forms.CharField(
        label=_("PIN (optional)"), required=False, max_length=12,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password", "inputmode": "numeric"}),
        help_text=_("4 to 12 digits. Visitors enter it before they see anything."),
    )

    def __init__(self, *args, code=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = _template_queryset(code.template if code else None)


class AccessCodeEditForm(AccessCodeForm):
    is_active = forms.BooleanField(label=_("Active"), required=False)
    remove_pin = forms.BooleanField(label=_("Remove the PIN"), required=False)

    field_order = ["label", "location", "serial_number", "template", "is_active", "pin", "remove_pin"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pin"].label = _("New PIN")
        self.fields["pin"].help_text = _("4 to 12 digits. Leave empty to keep the current PIN.")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("pin") and cleaned.get("remove_pin"):
            self.add_error("remove_pin", _("Either set a new PIN or remove it, not both."))
        return cleaned

    def pin_change(self):
        """What the service should do with the PIN: a new one, None (remove) or ... (keep)."""
        if self.cleaned_data.get("pin"):
            return self.cleaned_data["pin"]
        return None if self.cleaned_data.get("remove_pin") else ...


class AccessCodeFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    state = forms.ChoiceField(
        label=_("Status"), required=False,
        choices=[("", _("All")), ("active", _("Active")), ("inactive", _("Inactive"))],
    )


# --- staff ------------------------------------------------------------------------------------------


class StaffForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail"))
    role = forms.ChoiceField(label=_("Role"), choices=[(role.value, role.label) for role in ROLE_ORDER], initial=Role.STAFF)
    preferred_language = forms.ChoiceField(label=_("Language"), choices=language_choices, initial="de")
    time_zone = forms.ChoiceField(
        label=_("Time zone"), required=False,
        help_text=_("Dates and times are shown in this time zone."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = time_zone_choices()

    @staticmethod
    def initial_for(member) -> dict:
        return {
            "first_name": member.first_name, "last_name": member.last_name, "email": member.email,
            "role": member.role.value if member.role else "", "preferred_language": member.preferred_language,
            "time_zone": member.time_zone,
        }


class StaffInviteForm(StaffForm):
    username = forms.CharField(
        label=_("Username"), max_length=150,
        help_text=_("For logging in. Letters, digits and @ . + - _ only."),
    )

    field_order = ["first_name", "last_name", "username", "email", "role", "preferred_language", "time_zone"]


# --- webhooks ----------------------------------------------------------------------------------


class WebhookEndpointForm(forms.Form):
    """The URL and the types are checked by ``webhooks.services`` (the address check, the known
    types), whose errors come back next to these fields."""

    url = forms.CharField(
        label=_("URL"), max_length=2000, widget=forms.URLInput(attrs={"placeholder": "https://", "autocomplete": "off"}),
        help_text=_("The address that receives the webhooks (HTTPS). Loopback and private addresses are refused."),
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    event_types = forms.MultipleChoiceField(
        label=_("Event types"), choices=list(WEBHOOK_TYPES.items()), required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    include_internal = forms.BooleanField(
        label=_("Also internal events (internal tickets, internal updates)"), required=False,
        help_text=_("Only for systems of your own organisation: internal events are never shown to customers."),
    )

    def service_data(self) -> dict:
        data = self.cleaned_data
        return {"url": data["url"], "description": data["description"], "event_types": list(data["event_types"]),
                "include_internal": data["include_internal"]}
