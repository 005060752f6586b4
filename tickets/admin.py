"""Django admin: templates and access codes are managed here; tickets are read-only
(their changes go through the services, from the pages and the API)."""

from django import forms
from django.contrib import admin
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from common.errors import DomainError
from tickets import services
from tickets.choices import CreationStep
from tickets.models import AccessCode, CodeUser, TemplateField, Ticket, TicketHistory, TicketTemplate, TicketUpdate
from tickets.qr import access_code_url


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TemplateFieldInline(admin.TabularInline):
    model = TemplateField
    extra = 0
    fields = ("position", "key", "label", "field_type", "required", "choices", "help_text")


class TicketTemplateForm(forms.ModelForm):
    creation_steps = forms.MultipleChoiceField(
        label=_("Creation steps"),
        choices=CreationStep.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Wizard steps a ticket of this template must complete before it can be submitted."),
    )

    class Meta:
        model = TicketTemplate
        fields = "__all__"


@admin.register(TicketTemplate)
class TicketTemplateAdmin(admin.ModelAdmin):
    form = TicketTemplateForm
    list_display = ("name", "default_visibility", "offer_recipients", "assignees_needed", "asks_feedback", "is_active")
    list_filter = ("is_active", "default_visibility", "offer_recipients")
    search_fields = ("name", "description")
    filter_horizontal = ("offer_members",)
    inlines = [TemplateFieldInline]
    fieldsets = (
        (None, {"fields": ("name", "description", "is_active")}),
        (_("New tickets"), {"fields": ("default_title", "default_description", "default_visibility", "creation_steps")}),
        (_("Feedback"), {"fields": ("asks_feedback",)}),
        (
            _("Fleet"),
            {
                "fields": (
                    "offer_recipients",
                    "offer_group",
                    "offer_members",
                    "assignees_needed",
                    "offer_validity",
                    "announce_in_app",
                    "announce_by_email",
                    "allows_claiming",
                )
            },
        ),
    )


class AccessCodeForm(forms.ModelForm):
    pin = forms.CharField(
        label=_("New PIN"),
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password", "inputmode": "numeric"}),
        help_text=_("4 to 12 digits. Leave empty to keep the current PIN."),
    )
    remove_pin = forms.BooleanField(label=_("Remove the PIN"), required=False)

    class Meta:
        model = AccessCode
        fields = ("label", "location", "serial_number", "template", "is_active")

    def clean_pin(self):
        pin = self.cleaned_data.get("pin")
        if pin:
            try:
                services.validate_pin(pin)
            except DomainError as error:
                raise forms.ValidationError(error.message) from None
        return pin


@admin.register(AccessCode)
class AccessCodeAdmin(admin.ModelAdmin):
    form = AccessCodeForm
    list_display = ("label", "entry_code_display", "location", "serial_number", "template", "has_pin", "is_active", "qr_link")
    list_filter = ("is_active", "template")
    search_fields = ("label", "location", "serial_number")
    readonly_fields = ("entry_code_display", "entry_url", "qr_preview")

    @admin.display(description=_("entry code"))
    def entry_code_display(self, obj):
        return obj.entry_code_display if obj.pk else "–"

    @admin.display(boolean=True, description=_("PIN"))
    def has_pin(self, obj):
        return obj.has_pin

    @admin.display(description=_("QR code"))
    def qr_link(self, obj):
        return format_html(
            '<a href="{}">SVG</a> · <a href="{}">PNG</a>',
            reverse("tickets:access-code-qr", args=[obj.pk, "svg"]),
            reverse("tickets:access-code-qr", args=[obj.pk, "png"]),
        )

    @admin.display(description=_("entry URL"))
    def entry_url(self, obj):
        return access_code_url(obj, getattr(self, "_request", None)) if obj.pk else "–"

    @admin.display(description=_("QR code"))
    def qr_preview(self, obj):
        if not obj.pk:
            return "–"
        return format_html(
            '<img src="{}" alt="" width="180" height="180"><br>{}',
            reverse("tickets:access-code-qr", args=[obj.pk, "svg"]),
            self.qr_link(obj),
        )

    actions = ("switch_on", "switch_off")

    def get_form(self, request, obj=None, **kwargs):
        self._request = request
        form = super().get_form(request, obj, **kwargs)
        # Only templates in use (and the code's own): the service refuses the others.
        current = obj.template_id if obj is not None else None
        form.base_fields["template"].queryset = TicketTemplate.objects.filter(Q(is_active=True) | Q(pk=current))
        return form

    def save_model(self, request, obj, form, change):
        """Through the services, like the settings pages: they validate, hash the PIN and write
        the code's history (so the admin's own log entries are not written twice, below)."""
        data = form.cleaned_data
        pin = data.get("pin") or None
        fields = {key: data[key] for key in ("label", "template", "location", "serial_number")}
        if not change:
            saved = services.access_code_create(request.user, **fields, pin=pin)
            if not data["is_active"]:
                saved = services.access_code_set_active(request.user, saved, False)
        else:
            extra = {"pin": pin} if pin or data.get("remove_pin") else {}
            saved = services.access_code_update(request.user, obj, **fields, is_active=data["is_active"], **extra)
        obj.__dict__.update(saved.__dict__)

    def log_addition(self, request, obj, message):
        return None  # access_code_create wrote it

    def log_change(self, request, obj, message):
        return None  # access_code_update wrote it

    @admin.action(description=_("Switch the selected codes on"), permissions=["change"])
    def switch_on(self, request, queryset):
        for code in queryset:
            services.access_code_set_active(request.user, code, True)

    @admin.action(description=_("Switch the selected codes off"), permissions=["change"])
    def switch_off(self, request, queryset):
        for code in queryset:
            services.access_code_set_active(request.user, code, False)


@admin.register(CodeUser)
class CodeUserAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("display_name", "email", "access_code", "preferred_language", "created_at")
    search_fields = ("display_name", "email")
    list_select_related = ("access_code",)


class HistoryInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = TicketHistory
    fields = ("created_at", "action", "actor", "actor_code_user", "field", "old_value", "new_value", "reason")
    readonly_fields = fields
    extra = 0


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: status changes go through the lifecycle services (pages and API)."""

    list_display = ("number", "title", "status", "visibility", "template", "access_code", "updated_at")
    list_filter = ("status", "visibility", "template")
    search_fields = ("number", "title", "description")
    list_select_related = ("template", "access_code")
    inlines = [HistoryInline]

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("tickets.view_ticket")


@admin.register(TicketUpdate)
class TicketUpdateAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("ticket", "kind", "author", "author_code_user", "created_at")
    list_filter = ("kind",)
    list_select_related = ("ticket", "author", "author_code_user")


@admin.register(TicketHistory)
class TicketHistoryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("ticket", "action", "field", "old_value", "new_value", "actor", "created_at")
    list_filter = ("action",)
    list_select_related = ("ticket", "actor")
