"""The ticket detail page: summary, status bar (BEARBEITEN → state → SPEICHERN), tabs."""

from __future__ import annotations


from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from common.errors import DomainError
from fleet import selectors as fleet_selectors
from fleet import services as fleet_services
from tickets import pages, selectors, services
from tickets.forms import StatusForm, UpdateForm, add_domain_errors

def _tab_url(ticket, tab) -> str:
    if tab == "general":
        return reverse("tickets:detail", args=[ticket.number])
    return reverse("tickets:tab", args=[ticket.number, tab])


@require_GET
@login_required
def ticket_detail(request, number, tab="general"):
    ticket = selectors.access_ticket(request.user, number)
    fleet_services.ticket_seen(request.user, ticket)
    return pages.render_ticket_page(request, ticket, tab, editing=request.GET.get("edit") == "1")


@require_GET
@login_required
def status_bar(request, number):
    """The read-only status bar alone: the page polls it so automatic changes show up by themselves."""
    ticket = selectors.access_ticket(request.user, number)
    return render(request, "tickets/partials/status_bar.html", pages.status_context(request, ticket, editing=False))


@require_POST
@login_required
def change_status(request, number):
    """SPEICHERN of the status bar: a new progress state and/or visibility, all or nothing."""
    ticket = selectors.access_ticket(request.user, number)
    form = StatusForm(request.POST)
    tab = request.POST.get("tab") if request.POST.get("tab") in dict(pages.TABS) else "general"
    if not form.is_valid():
        messages.error(request, _("Please choose a valid progress status and visibility."))
        return pages.render_ticket_page(request, ticket, tab, status=400, editing=True, status_form=form)
    data = form.cleaned_data
    edit_forms, fields = None, None
    if data["edit_fields"]:
        edit_forms = pages.ticket_edit_forms(ticket, request.POST)
        general, custom = edit_forms
        general.is_valid()
        fields = {
            "title": request.POST.get("edit-title", ""), "description": request.POST.get("edit-description", ""),
            "custom_values": custom.values(),
        }
    try:
        ticket = fleet_services.status_bar_save(
            request.user, ticket, target=data["target_status"], visibility=data["visibility"], reason=data["reason"],
            expected_status=data["expected_status"] or None, fields=fields,
            assignee=fleet_selectors.staff_member_or_none(data["assignee"]),
        )
    except DomainError as error:
        ticket.refresh_from_db()
        messages.error(request, error.message)
        if edit_forms is not None:
            for form_ in edit_forms:
                add_domain_errors(form_, error)
        return pages.render_ticket_page(
            request, ticket, tab, status=error.status_code, editing=True, status_form=form, edit_forms=edit_forms
        )
    messages.success(request, _("Saved."))
    return redirect(_tab_url(ticket, tab))


@require_POST
@login_required
def post_update(request, number):
    ticket = selectors.access_ticket(request.user, number)
    if _request_too_large(request):
        # Refused before the body is read: nothing is stored, the page says why.
        messages.error(
            request,
            _("The upload is too large: at most %(count)d files of %(size)s each.")
            % {"count": settings.ATTACHMENT_MAX_FILES, "size": filesizeformat(settings.ATTACHMENT_MAX_BYTES)},
        )
        return pages.render_ticket_page(request, ticket, "updates", status=413)
    internal = request.POST.get("internal") == "1"
    tab = "internal" if internal else "updates"
    form = UpdateForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.update_post(
                request.user, ticket, text=form.cleaned_data["text"], internal=internal,
                attachments=form.cleaned_data["attachments"],
            )
        except DomainError as error:
            add_domain_errors(form, error)
            return pages.render_ticket_page(request, ticket, tab, status=error.status_code, update_form=form)
        messages.success(request, _("Internal update saved.") if internal else _("Update published."))
        return redirect(_tab_url(ticket, tab))
    return pages.render_ticket_page(request, ticket, tab, status=400, update_form=form)


def _request_too_large(request) -> bool:
    limit = settings.ATTACHMENT_MAX_FILES * settings.ATTACHMENT_MAX_BYTES + settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > limit
    except ValueError:
        return False
