"""The staff ticket page's frame: summary, status bar, tabs and the messenger beside it.

The page is where the apps meet: the tickets' own tabs, the Flottenmanagement tab (``fleet``), the
Video-Sessions tab and the conversation's "start a video session" (``videosessions``) and the
conversation (``messenger``). ``render_ticket_page`` builds it for the detail views and for
other apps' actions that show the page again with an error (fleet's offers and assignments).
The import-linter contract in pyproject.toml lists these few imports of higher apps by name.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fleet import selectors as fleet_selectors
from messenger.ui import panel_context
from videosessions import pages as video_pages
from tickets import lifecycle, selectors, services
from tickets.choices import PROGRESS_ORDER, Status, UpdateKind, Visibility
from tickets.forms import CustomFieldsForm, GeneralForm, StatusForm, UpdateForm

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
    """Every progress state in order (Abgebrochen last), with whether this actor can move there now:
    the lifecycle's transitions, and the fleet's two (Zugewiesen by choosing an assignee, Offen by
    releasing), each as the rules allow it."""
    options = {}
    for option in fleet_selectors.with_staffing(actor, ticket, services.ticket_transition_options(actor, ticket)):
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


def status_context(request, ticket, *, editing: bool, form: StatusForm | None = None, edit_forms=None) -> dict:
    steps = status_steps(request.user, ticket)
    may_change_visibility = lifecycle.may_change_visibility(ticket, request.user)
    may_edit = lifecycle.may_edit(ticket, request.user)
    can_edit = may_change_visibility or may_edit or any(step.reachable for step in steps)
    editing = editing and can_edit
    context = {
        "ticket": ticket,
        "steps": steps,
        "editing": editing,
        "can_edit": can_edit,
        "may_change_visibility": may_change_visibility,
        "visibility_choices": Visibility.choices,
        "status_form": form,
        "assign_choices": [],
        "edit_forms": None,
    }
    if editing and any(step.value == Status.ASSIGNED and step.reachable for step in steps):
        context["assign_choices"] = fleet_selectors.assignable_staff()
    if editing and may_edit:
        context["edit_forms"] = edit_forms or ticket_edit_forms(ticket)
    return context


def ticket_edit_forms(ticket, data=None) -> tuple[GeneralForm, CustomFieldsForm]:
    """The Allgemein tab's inputs in edit mode; they belong to the status bar's form (SPEICHERN
    saves them together with status and visibility), wherever they stand on the page."""
    general = GeneralForm(data, initial={"title": ticket.title, "description": ticket.description}, prefix="edit")
    fields = CustomFieldsForm(ticket.template, data, initial=ticket.custom_values, prefix="field")
    for form in (general, fields):
        for field in form.fields.values():
            field.widget.attrs["form"] = STATUS_FORM_ID
    return general, fields


# The id of the status bar's <form>; inputs elsewhere on the page join it with form="…".
STATUS_FORM_ID = "status-form"


def render_ticket_page(
    request, ticket, tab, *, status=200, editing=False, status_form=None, update_form=None, edit_forms=None,
    video_form=None,
):
    """The detail page with one tab open; also used by other apps' actions to show an error."""
    feedback = selectors.feedback_of(ticket)
    context = {
        **status_context(request, ticket, editing=editing, form=status_form, edit_forms=edit_forms),
        # The Allgemein tab's inputs join SPEICHERN only where they stand: on that tab.
        **({} if tab == "general" else {"edit_forms": None}),
        "tab": tab,
        "tabs": TABS,
        "fields": selectors.custom_field_rows(ticket),
        "assignments": fleet_selectors.assignments_of(ticket),
        "feedback": feedback,
        "feedback_state": selectors.feedback_state(ticket, feedback),
        **panel_context(ticket),
        **video_pages.panel_context(request.user, ticket),
    }
    if tab in ("updates", "internal"):
        kind = UpdateKind.INTERNAL if tab == "internal" else UpdateKind.PUBLIC
        context["updates"] = (
            selectors.internal_updates(request.user, ticket) if kind == UpdateKind.INTERNAL
            else selectors.public_updates(ticket)
        )
        context["may_post"] = lifecycle.may_post_update(ticket, request.user, kind)
        context["update_form"] = update_form or UpdateForm()
        context["internal"] = kind == UpdateKind.INTERNAL
    if tab == "video":
        context.update(video_pages.video_tab(request.user, ticket, form=video_form))
    if tab == "history":
        context["history"] = selectors.history_for(request.user, ticket)
    if tab == "fleet":
        fleet = fleet_selectors.fleet_overview(request.user, ticket)
        context["fleet"] = fleet
        context["fleet_groups"] = [
            ("assigned", fleet.assigned, _("Assigned staff"), _("Nobody is assigned yet.")),
            ("requested", fleet.requested, _("Requested staff"), _("Nobody has received an offer for this ticket yet.")),
            ("available", fleet.available, _("Available staff"), _("Nobody else is available.")),
        ]
    return render(request, "tickets/detail.html", context, status=status)
