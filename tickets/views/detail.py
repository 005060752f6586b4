"""The ticket detail page: summary, status bar (BEARBEITEN → state → SPEICHERN), tabs."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from common.errors import DomainError
from fleet import services as fleet_services
from messenger.ui import panel_context
from tickets import feedback as ticket_feedback
from tickets import selectors, services
from tickets.choices import PROGRESS_ORDER, Status, UpdateKind, Visibility
from tickets.forms import StatusForm, UpdateForm, add_domain_errors

TABS = [
    ("general", gettext_lazy("General")),
    ("updates", gettext_lazy("Updates")),
    ("internal", gettext_lazy("Internal updates")),
    ("fleet", gettext_lazy("Fleet management")),
    ("video", gettext_lazy("Video sessions")),
    ("history", gettext_lazy("History")),
]


@dataclass
class StatusStep:
    value: str
    label: str
    current: bool
    passed: bool
    reachable: bool
    reason: str


def status_steps(actor, ticket) -> list[StatusStep]:
    """Every progress state in order (Abgebrochen last), with whether this actor can move there now."""
    options = {}
    for option in services.ticket_transition_options(actor, ticket):
        if option.target and (option.target not in options or option.allowed):
            options[option.target] = option
    order = [*PROGRESS_ORDER, Status.CANCELLED]
    current_index = PROGRESS_ORDER.index(ticket.status) if ticket.status in PROGRESS_ORDER else -1
    steps = []
    for index, state in enumerate(order):
        option = options.get(state)
        if state == ticket.status:
            reason = _("This is the current progress status.")
        elif option is None:
            reason = _("Cannot be reached from %(status)s.") % {"status": ticket.get_status_display()}
        else:
            reason = "" if option.allowed else str(option.reason)
        steps.append(
            StatusStep(
                value=state,
                label=state.label,
                current=state == ticket.status,
                passed=state in PROGRESS_ORDER and index < current_index,
                reachable=bool(option and option.allowed and state != ticket.status),
                reason=reason,
            )
        )
    return steps


def _status_context(request, ticket, *, editing: bool, form: StatusForm | None = None) -> dict:
    steps = status_steps(request.user, ticket)
    may_change_visibility = services.may_change_visibility(request.user, ticket)
    can_edit = may_change_visibility or any(step.reachable for step in steps)
    return {
        "ticket": ticket,
        "steps": steps,
        "editing": editing and can_edit,
        "can_edit": can_edit,
        "may_change_visibility": may_change_visibility,
        "visibility_choices": Visibility.choices,
        "status_form": form,
    }


def render_ticket_page(request, ticket, tab, *, status=200, editing=False, status_form=None, update_form=None):
    """The detail page with one tab open; also used by other apps' actions to show an error."""
    feedback = ticket_feedback.feedback_of(ticket)
    context = {
        **_status_context(request, ticket, editing=editing, form=status_form),
        "tab": tab,
        "tabs": TABS,
        "fields": selectors.custom_field_rows(ticket),
        "assignments": list(ticket.assignments.select_related("user").order_by("created_at")),
        "feedback": feedback,
        "feedback_state": ticket_feedback.feedback_state(ticket, feedback),
        **panel_context(ticket),
    }
    if tab in ("updates", "internal"):
        kind = UpdateKind.INTERNAL if tab == "internal" else UpdateKind.PUBLIC
        context["updates"] = selectors.updates_for(request.user, ticket).filter(kind=kind)
        context["may_post"] = services.may_post_update(request.user, ticket, kind)
        context["update_form"] = update_form or UpdateForm()
        context["internal"] = kind == UpdateKind.INTERNAL
    if tab == "history":
        context["history"] = selectors.history_for(request.user, ticket)
    if tab == "fleet":
        from fleet.selectors import fleet_overview

        fleet = fleet_overview(request.user, ticket)
        context["fleet"] = fleet
        context["fleet_groups"] = [
            ("assigned", fleet.assigned, _("Assigned staff"), _("Nobody is assigned yet.")),
            ("requested", fleet.requested, _("Requested staff"), _("No open offers.")),
            ("available", fleet.available, _("Available staff"), _("Nobody else is available.")),
        ]
    return render(request, "tickets/detail.html", context, status=status)


def _tab_url(ticket, tab) -> str:
    if tab == "general":
        return reverse("tickets:detail", args=[ticket.number])
    return reverse("tickets:tab", args=[ticket.number, tab])


@require_GET
@login_required
def ticket_detail(request, number, tab="general"):
    ticket = selectors.access_ticket(request.user, number)
    fleet_services.ticket_seen(request.user, ticket)
    return render_ticket_page(request, ticket, tab, editing=request.GET.get("edit") == "1")


@require_GET
@login_required
def status_bar(request, number):
    """The read-only status bar alone: the page polls it so automatic changes show up by themselves."""
    ticket = selectors.access_ticket(request.user, number)
    return render(request, "tickets/partials/status_bar.html", _status_context(request, ticket, editing=False))


@require_POST
@login_required
def change_status(request, number):
    """SPEICHERN of the status bar: a new progress state and/or visibility, all or nothing."""
    ticket = selectors.access_ticket(request.user, number)
    form = StatusForm(request.POST)
    tab = request.POST.get("tab") if request.POST.get("tab") in dict(TABS) else "general"
    if not form.is_valid():
        messages.error(request, _("Please choose a valid progress status and visibility."))
        return render_ticket_page(request, ticket, tab, status=400, editing=True, status_form=form)
    data = form.cleaned_data
    target, visibility = data["target_status"], data["visibility"]
    try:
        ticket = services.ticket_save_status(
            request.user, ticket, target=target, visibility=visibility, reason=data["reason"],
            expected_status=data["expected_status"] or None,
        )
    except DomainError as error:
        ticket.refresh_from_db()
        messages.error(request, error.message)
        return render_ticket_page(request, ticket, tab, status=error.status_code, editing=True, status_form=form)
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
        return render_ticket_page(request, ticket, "updates", status=413)
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
            return render_ticket_page(request, ticket, tab, status=error.status_code, update_form=form)
        messages.success(request, _("Internal update saved.") if internal else _("Update published."))
        return redirect(_tab_url(ticket, tab))
    return render_ticket_page(request, ticket, tab, status=400, update_form=form)


def _request_too_large(request) -> bool:
    limit = settings.ATTACHMENT_MAX_FILES * settings.ATTACHMENT_MAX_BYTES + settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > limit
    except ValueError:
        return False
