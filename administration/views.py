"""The settings area: templates, access codes and staff. Each view parses the input, calls one
service and renders the result; the services check the rules and the permissions (again)."""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from administration import permissions
from administration.forms import (
    AccessCodeEditForm,
    AccessCodeFilterForm,
    AccessCodeForm,
    StaffForm,
    StaffInviteForm,
    TemplateFieldForm,
    TemplateForm,
    WebhookEndpointForm,
)
from common.errors import DomainError
from common.links import absolute_url
from fleet import selectors as fleet_selectors
from fleet import staff_services
from tickets import selectors as ticket_selectors
from tickets import services as ticket_services
from tickets.forms import add_domain_errors
from tickets.qr import access_code_url
from webhooks import catalogue as webhook_catalogue
from webhooks import selectors as webhook_selectors
from webhooks import services as webhook_services

CODES_PER_PAGE = 50
DELIVERIES_PER_PAGE = 20


def section_required(section: str, action: str = "view"):
    """Anonymous → login page; without the role's permission → the 403 page."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not permissions.may(request.user, section, action):
                raise DjangoPermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def _render(request, template_name, context, status=200):
    return render(request, template_name, {**context, "rights": permissions.rights(request.user)}, status=status)


def _refused(request, error: DomainError, page=None):
    """A service said no: show why on the page (or the 403 page), with the error's status code.
    Nothing was changed."""
    messages.error(request, error.message)
    if page is None:
        return render(request, "403.html", {"rights": permissions.rights(request.user)}, status=error.status_code)
    return page(error.status_code)


def _base_url(request) -> str:
    return request.build_absolute_uri("/")


@require_GET
def overview(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not permissions.may_enter(request.user):
        raise DjangoPermissionDenied
    rights = permissions.rights(request.user)
    counts = {
        "templates": ticket_selectors.active_template_count() if rights["templates"]["view"] else None,
        "codes": ticket_selectors.active_access_code_count() if rights["codes"]["view"] else None,
        "staff": fleet_selectors.active_staff_count() if rights["staff"]["view"] else None,
    }
    return _render(request, "administration/overview.html", {"counts": counts})


# --- templates ---------------------------------------------------------------------------------------


@require_GET
@section_required("templates")
def template_list(request):
    templates = ticket_selectors.templates_overview()
    return _render(request, "administration/template_list.html", {"templates": templates})


@require_http_methods(["GET", "POST"])
@section_required("templates", "add")
def template_create(request):
    form = TemplateForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                template = ticket_services.template_create(request.user, **form.service_data())
            except DomainError as error:
                add_domain_errors(form, error)
            else:
                messages.success(request, _("Template “%(name)s” created. Now add its fields.") % {"name": template.name})
                return redirect("administration:template-edit", pk=template.pk)
        return _render(request, "administration/template_form.html", {"form": form}, status=400)
    return _render(request, "administration/template_form.html", {"form": form})


def _template_page(request, template, *, form=None, field_form=None, status=200):
    read_only = not permissions.may(request.user, "templates", "change")
    if form is None:
        form = TemplateForm(initial=TemplateForm.initial_for(template), read_only=read_only)
    if field_form is None and not read_only:
        field_form = TemplateFieldForm(prefix="new")
    fields = ticket_selectors.template_fields(template)
    return _render(
        request, "administration/template_form.html",
        {"template": template, "form": form, "fields": fields, "field_form": field_form, "read_only": read_only},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@section_required("templates")
def template_edit(request, pk):
    template = ticket_selectors.template_for_settings(pk)
    if request.method == "GET":
        return _template_page(request, template)
    if not permissions.may(request.user, "templates", "change"):
        raise DjangoPermissionDenied
    form = TemplateForm(request.POST)
    if form.is_valid():
        try:
            template = ticket_services.template_update(request.user, template, **form.service_data())
        except DomainError as error:
            add_domain_errors(form, error)
        else:
            messages.success(request, _("Template “%(name)s” saved.") % {"name": template.name})
            return redirect("administration:template-edit", pk=template.pk)
    return _template_page(request, template, form=form, status=400)


@require_POST
@section_required("templates", "change")
def template_field_add(request, pk):
    template = ticket_selectors.template_for_settings(pk)
    field_form = TemplateFieldForm(request.POST, prefix="new")
    if field_form.is_valid():
        try:
            field = ticket_services.template_field_add(request.user, template, **field_form.cleaned_data)
        except DomainError as error:
            add_domain_errors(field_form, error)
        else:
            messages.success(request, _("Field “%(label)s” added.") % {"label": field.label})
            return redirect(reverse("administration:template-edit", args=[template.pk]) + "#fields")
    return _template_page(request, template, field_form=field_form, status=400)


@require_http_methods(["GET", "POST"])
@section_required("templates", "change")
def template_field_edit(request, pk, field_pk):
    field = ticket_selectors.template_field(pk, field_pk)
    form = TemplateFieldForm(request.POST or None, initial=TemplateFieldForm.initial_for(field))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                field = ticket_services.template_field_update(request.user, field, **form.cleaned_data)
            except DomainError as error:
                add_domain_errors(form, error)
            else:
                messages.success(request, _("Field “%(label)s” saved.") % {"label": field.label})
                return redirect(reverse("administration:template-edit", args=[pk]) + "#fields")
        status = 400
    return _render(request, "administration/field_form.html", {"form": form, "field": field, "template": field.template}, status)


@require_POST
@section_required("templates", "change")
def template_field_remove(request, pk, field_pk):
    field = ticket_selectors.template_field(pk, field_pk)
    try:
        ticket_services.template_field_remove(request.user, field)
    except DomainError as error:
        return _refused(request, error, lambda status: _template_page(request, field.template, status=status))
    messages.success(request, _("Field “%(label)s” removed.") % {"label": field.label})
    return redirect(reverse("administration:template-edit", args=[pk]) + "#fields")


@require_POST
@section_required("templates", "change")
def template_field_move(request, pk, field_pk):
    field = ticket_selectors.template_field(pk, field_pk)
    try:
        ticket_services.template_field_move(request.user, field, request.POST.get("direction", ""))
    except DomainError as error:
        return _refused(request, error, lambda status: _template_page(request, field.template, status=status))
    return redirect(reverse("administration:template-edit", args=[pk]) + f"#field-{field.pk}")


# --- access codes --------------------------------------------------------------------------------


@require_GET
@section_required("codes")
def code_list(request):
    filters = AccessCodeFilterForm(request.GET or None)
    valid = filters.is_valid()
    codes = ticket_selectors.access_codes(
        q=filters.cleaned_data["q"].strip() if valid else "", state=filters.cleaned_data["state"] if valid else ""
    )
    page = Paginator(codes, CODES_PER_PAGE).get_page(request.GET.get("page"))
    return _render(request, "administration/code_list.html", {"filters": filters, "page": page, "codes": page.object_list})


@require_http_methods(["GET", "POST"])
@section_required("codes", "add")
def code_create(request):
    form = AccessCodeForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                code = ticket_services.access_code_create(
                    request.user, label=data["label"], template=data["template"], location=data["location"],
                    serial_number=data["serial_number"], pin=data["pin"] or None,
                )
            except DomainError as error:
                add_domain_errors(form, error)
            else:
                messages.success(
                    request, _("Access code “%(label)s” created: %(code)s.") % {"label": code.label, "code": code.entry_code_display}
                )
                return redirect("administration:code-edit", pk=code.pk)
        return _render(request, "administration/code_form.html", {"form": form}, status=400)
    return _render(request, "administration/code_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
@section_required("codes")
def code_edit(request, pk):
    code = ticket_selectors.access_code_for_settings(pk)
    may_change = permissions.may(request.user, "codes", "change")
    status = 200
    if request.method == "POST":
        if not may_change:
            raise DjangoPermissionDenied
        form = AccessCodeEditForm(request.POST, code=code)
        if form.is_valid():
            data = form.cleaned_data
            extra = {} if form.pin_change() is ... else {"pin": form.pin_change()}
            try:
                code = ticket_services.access_code_update(
                    request.user, code, label=data["label"], template=data["template"], location=data["location"],
                    serial_number=data["serial_number"], is_active=data["is_active"], **extra,
                )
            except DomainError as error:
                add_domain_errors(form, error)
            else:
                messages.success(request, _("Access code “%(label)s” saved.") % {"label": code.label})
                return redirect("administration:code-edit", pk=code.pk)
        status = 400
    else:
        form = AccessCodeEditForm(
            code=code,
            initial={"label": code.label, "location": code.location, "serial_number": code.serial_number,
                     "template": code.template_id, "is_active": code.is_active},
        )
        if not may_change:
            for field in form.fields.values():
                field.disabled = True
    return _render(
        request, "administration/code_form.html",
        {
            "form": form, "code": code, "entry_url": access_code_url(code, request), "may_change": may_change,
            "history": ticket_selectors.access_code_history(code), "link_days": settings.PERSONAL_LINK_MAX_AGE_DAYS,
        },
        status=status,
    )


@require_POST
@section_required("codes", "change")
def code_set_active(request, pk):
    code = ticket_selectors.access_code_for_settings(pk)
    active = request.POST.get("active") == "1"
    try:
        code = ticket_services.access_code_set_active(request.user, code, active)
    except DomainError as error:
        return _refused(request, error)
    if code.is_active:
        messages.success(request, _("Access code “%(label)s” is switched on.") % {"label": code.label})
    else:
        messages.success(request, _("Access code “%(label)s” is switched off.") % {"label": code.label})
    back = request.POST.get("next", "")
    if not back.startswith("/settings/codes/") or "//" in back:
        back = reverse("administration:codes")
    return redirect(back)


@require_POST
@section_required("codes", "change")
def code_revoke_links(request, pk):
    """End every personal link of the code (its customers open their tickets again through the code)."""
    code = ticket_selectors.access_code_for_settings(pk)
    try:
        code = ticket_services.access_code_revoke_links(request.user, code)
    except DomainError as error:
        return _refused(request, error)
    messages.success(request, _("Every personal link of “%(label)s” has been revoked.") % {"label": code.label})
    return redirect("administration:code-edit", pk=code.pk)


@require_GET
@section_required("codes")
def code_labels(request):
    """A sheet of QR labels for the chosen codes, laid out for A4."""
    ids = {int(value) for value in request.GET.getlist("ids") if value.isdigit() and len(value) < 12}
    codes = ticket_selectors.access_codes_by_ids(ids)
    if not codes:
        messages.error(request, _("Choose at least one access code for the labels."))
        return redirect("administration:codes")
    entry_url = absolute_url(reverse("portal:start"), base_url=request.build_absolute_uri("/"))
    short_url = entry_url.split("://", 1)[-1]
    return _render(request, "administration/code_labels.html", {"codes": codes, "short_url": short_url})


# --- staff ------------------------------------------------------------------------------------------------


@require_GET
@section_required("staff")
def staff_list(request):
    members = fleet_selectors.staff_members()
    return _render(request, "administration/staff_list.html", {"members": members})


@require_http_methods(["GET", "POST"])
@section_required("staff", "add")
def staff_invite(request):
    form = StaffInviteForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                member = staff_services.staff_invite(request.user, **form.cleaned_data, base_url=_base_url(request))
            except DomainError as error:
                add_domain_errors(form, error)
            else:
                messages.success(
                    request,
                    _("%(name)s is invited: an e-mail with a link to choose a password went to %(email)s.")
                    % {"name": member.display_name, "email": member.email},
                )
                return redirect("administration:staff")
        return _render(request, "administration/staff_form.html", {"form": form}, status=400)
    return _render(request, "administration/staff_form.html", {"form": form})


def _staff_page(request, member, *, form=None, status=200):
    member = fleet_selectors.staff_member(member.pk)  # as it is now
    may_change = permissions.may(request.user, "staff", "change")
    if form is None:
        form = StaffForm(initial=StaffForm.initial_for(member))
        if not may_change:
            for field in form.fields.values():
                field.disabled = True
    return _render(
        request, "administration/staff_form.html",
        {"form": form, "member": member, "may_change": may_change, "is_me": member.pk == request.user.pk},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@section_required("staff")
def staff_edit(request, pk):
    member = fleet_selectors.staff_member(pk)
    if request.method == "GET":
        return _staff_page(request, member)
    if not permissions.may(request.user, "staff", "change"):
        raise DjangoPermissionDenied
    form = StaffForm(request.POST)
    if form.is_valid():
        try:
            member = staff_services.staff_update(request.user, member, **form.cleaned_data)
        except DomainError as error:
            add_domain_errors(form, error)
        else:
            messages.success(request, _("%(name)s saved.") % {"name": member.display_name})
            return redirect("administration:staff-edit", pk=member.pk)
    return _staff_page(request, member, form=form, status=400)


@require_POST
@section_required("staff", "change")
def staff_deactivate(request, pk):
    member = fleet_selectors.staff_member(pk)
    try:
        result = staff_services.staff_deactivate(request.user, member)
    except DomainError as error:
        return _refused(request, error, lambda status: _staff_page(request, member, status=status))
    text = _("%(name)s is deactivated and can no longer log in.") % {"name": member.display_name}
    if result.offers_withdrawn:
        text += " " + ngettext(
            "%(count)d open ticket offer was withdrawn.", "%(count)d open ticket offers were withdrawn.",
            result.offers_withdrawn,
        ) % {"count": result.offers_withdrawn}
    messages.success(request, text)
    if result.still_assigned:
        messages.warning(
            request,
            ngettext(
                "%(name)s is still assigned to %(count)d ticket: please reassign it.",
                "%(name)s is still assigned to %(count)d tickets: please reassign them.",
                result.still_assigned,
            ) % {"name": member.display_name, "count": result.still_assigned},
        )
    return redirect("administration:staff-edit", pk=member.pk)


@require_POST
@section_required("staff", "change")
def staff_reactivate(request, pk):
    member = fleet_selectors.staff_member(pk)
    try:
        staff_services.staff_reactivate(request.user, member)
    except DomainError as error:
        return _refused(request, error, lambda status: _staff_page(request, member, status=status))
    messages.success(request, _("%(name)s is active again.") % {"name": member.display_name})
    return redirect("administration:staff-edit", pk=member.pk)


@require_POST
@section_required("staff", "add")
def staff_resend_invitation(request, pk):
    member = fleet_selectors.staff_member(pk)
    try:
        staff_services.staff_resend_invitation(request.user, member, base_url=_base_url(request))
    except DomainError as error:
        return _refused(request, error, lambda status: _staff_page(request, member, status=status))
    messages.success(request, _("The invitation went again to %(email)s.") % {"email": member.email})
    return redirect("administration:staff-edit", pk=member.pk)



# --- webhooks ------------------------------------------------------------------------------------

# The secret is shown once, on the page the administrator lands on after creating or rotating.
_SECRET_KEY = "webhook_secret_once"


def _show_secret_once(request, endpoint, secret: str) -> None:
    request.session[_SECRET_KEY] = {"pk": endpoint.pk, "secret": secret}


def _type_labels(types) -> list[str]:
    return [str(webhook_catalogue.TYPES.get(name, name)) for name in types]


@require_GET
@section_required("webhooks")
def webhook_list(request):
    endpoints = list(webhook_selectors.endpoints())
    for endpoint in endpoints:
        endpoint.type_labels = _type_labels(endpoint.event_types)
    return _render(request, "administration/webhook_list.html", {"endpoints": endpoints})


@require_http_methods(["GET", "POST"])
@section_required("webhooks", "add")
def webhook_create(request):
    form = WebhookEndpointForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                endpoint, secret = webhook_services.endpoint_create(request.user, **form.service_data())
            except DomainError as error:
                add_domain_errors(form, error)
            else:
                _show_secret_once(request, endpoint, secret)
                messages.success(request, _("Webhook endpoint %(url)s created.") % {"url": endpoint.url})
                return redirect("administration:webhook-edit", pk=endpoint.pk)
        return _render(request, "administration/webhook_form.html", {"form": form}, status=400)
    return _render(request, "administration/webhook_form.html", {"form": form})


def _webhook_page(request, endpoint, *, form=None, status=200):
    endpoint = webhook_selectors.endpoint_for(request.user, endpoint.pk)  # as it is now
    if form is None:
        form = WebhookEndpointForm(initial={
            "url": endpoint.url, "description": endpoint.description, "event_types": endpoint.event_types,
            "include_internal": endpoint.include_internal,
        })
    shown = request.session.pop(_SECRET_KEY, None)
    secret = shown["secret"] if shown and shown.get("pk") == endpoint.pk else None
    page = Paginator(webhook_selectors.deliveries_of(endpoint), DELIVERIES_PER_PAGE).get_page(request.GET.get("page"))
    return _render(
        request, "administration/webhook_form.html",
        {"form": form, "endpoint": endpoint, "secret": secret, "page": page, "deliveries": page.object_list,
         "type_labels": dict(webhook_catalogue.TYPES)},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@section_required("webhooks")
def webhook_edit(request, pk):
    endpoint = webhook_selectors.endpoint_for(request.user, pk)
    if request.method == "GET":
        return _webhook_page(request, endpoint)
    if not permissions.may(request.user, "webhooks", "change"):
        raise DjangoPermissionDenied
    form = WebhookEndpointForm(request.POST)
    if form.is_valid():
        try:
            endpoint = webhook_services.endpoint_update(request.user, endpoint, **form.service_data())
        except DomainError as error:
            add_domain_errors(form, error)
        else:
            messages.success(request, _("Webhook endpoint %(url)s saved.") % {"url": endpoint.url})
            return redirect("administration:webhook-edit", pk=endpoint.pk)
    return _webhook_page(request, endpoint, form=form, status=400)


@require_POST
@section_required("webhooks", "change")
def webhook_set_active(request, pk):
    endpoint = webhook_selectors.endpoint_for(request.user, pk)
    try:
        endpoint = webhook_services.endpoint_set_active(request.user, endpoint, request.POST.get("active") == "1")
    except DomainError as error:
        return _refused(request, error)
    if endpoint.is_active:
        messages.success(request, _("Webhook endpoint %(url)s is switched on.") % {"url": endpoint.url})
    else:
        messages.success(request, _("Webhook endpoint %(url)s is switched off.") % {"url": endpoint.url})
    back = request.POST.get("next", "")
    if not back.startswith("/settings/webhooks/") or "//" in back:
        back = reverse("administration:webhook-edit", args=[endpoint.pk])
    return redirect(back)


@require_POST
@section_required("webhooks", "change")
def webhook_rotate_secret(request, pk):
    endpoint = webhook_selectors.endpoint_for(request.user, pk)
    try:
        endpoint, secret = webhook_services.endpoint_rotate_secret(request.user, endpoint)
    except DomainError as error:
        return _refused(request, error)
    _show_secret_once(request, endpoint, secret)
    messages.success(request, _("The endpoint has a new secret: every delivery from now on is signed with it."))
    return redirect("administration:webhook-edit", pk=endpoint.pk)


@require_POST
@section_required("webhooks", "change")
def webhook_send_test(request, pk):
    endpoint = webhook_selectors.endpoint_for(request.user, pk)
    try:
        webhook_services.endpoint_send_test(request.user, endpoint)
    except DomainError as error:
        return _refused(request, error)
    messages.success(request, _("A test message is on its way; its result appears in the delivery log."))
    return redirect("administration:webhook-edit", pk=endpoint.pk)


@require_POST
@section_required("webhooks", "change")
def webhook_delete(request, pk):
    endpoint = webhook_selectors.endpoint_for(request.user, pk)
    try:
        webhook_services.endpoint_delete(request.user, endpoint)
    except DomainError as error:
        return _refused(request, error)
    messages.success(request, _("Webhook endpoint %(url)s deleted.") % {"url": endpoint.url})
    return redirect("administration:webhooks")


@require_POST
@section_required("webhooks", "change")
def webhook_resend(request, pk, delivery_pk):
    endpoint = webhook_selectors.endpoint_for(request.user, pk)
    delivery = webhook_selectors.delivery_for(request.user, endpoint, delivery_pk)
    try:
        webhook_services.delivery_resend(request.user, delivery)
    except DomainError as error:
        return _refused(request, error, lambda status: _webhook_page(request, endpoint, status=status))
    messages.success(request, _("The delivery is sent again; its result appears in the log."))
    return redirect(reverse("administration:webhook-edit", args=[endpoint.pk]) + f"#delivery-{delivery.pk}")
