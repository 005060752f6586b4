"""The creation wizard: template → general information → template fields → code and
visibility → summary (submit). The ticket exists as Entwurf after the general step and can be
left and resumed from the list."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.errors import DomainError
from tickets import lifecycle, selectors, services
from tickets.choices import CreationStep, Status
from tickets.forms import AccessForm, CustomFieldsForm, GeneralForm, TemplateChoiceForm, add_domain_errors

STEPS = [
    ("general", gettext_lazy("General information")),
    ("fields", gettext_lazy("Template fields")),
    ("access", gettext_lazy("Code and visibility")),
    ("summary", gettext_lazy("Summary")),
]
STEP_KEYS = [key for key, _label in STEPS]


def _step_url(ticket, step) -> str:
    return reverse("tickets:wizard", args=[ticket.number, step])


def _next_step(step: str) -> str:
    return STEP_KEYS[STEP_KEYS.index(step) + 1]


def _render(request, template_name, context, *, ticket=None, current, status=200):
    done = set(ticket.completed_steps) if ticket else set()
    steps = [
        {"key": key, "label": label, "done": key in done, "current": key == current,
         "url": _step_url(ticket, key) if ticket else None}
        for key, label in STEPS
    ]
    return render(request, template_name, {**context, "ticket": ticket, "steps": steps, "current": current}, status=status)


@login_required
@permission_required("tickets.add_ticket", raise_exception=True)
def start(request):
    """Choose a template and fill the general information; saving creates the draft."""
    templates = selectors.active_templates()
    if request.method == "POST":
        choice = TemplateChoiceForm(request.POST)
        general = GeneralForm(request.POST)
        if choice.is_valid() and general.is_valid():
            try:
                ticket = services.ticket_create(
                    request.user,
                    template=choice.cleaned_data["template"],
                    title=general.cleaned_data["title"],
                    description=general.cleaned_data["description"],
                )
            except DomainError as error:
                add_domain_errors(general, error)
            else:
                messages.success(request, _("Draft %(number)s saved.") % {"number": ticket.number})
                return redirect(_step_url(ticket, "fields"))
        status = 400
    else:
        initial_template = templates.first() if len(templates) == 1 else None
        choice = TemplateChoiceForm(initial={"template": initial_template})
        general = GeneralForm()
        status = 200
    return _render(
        request, "tickets/wizard_start.html",
        {"choice_form": choice, "form": general, "templates": templates}, current="general", status=status,
    )


@login_required
def step(request, number, step):
    ticket = selectors.access_ticket(request.user, number)
    if ticket.status != Status.DRAFT:
        messages.info(request, _("Ticket %(number)s has already been submitted.") % {"number": ticket.number})
        return redirect(ticket.get_absolute_url())
    if not (lifecycle.is_creator(ticket, request.user) or lifecycle.is_moderator(ticket, request.user)):
        messages.error(request, _("Only the creator can continue this draft."))
        response = render(request, "403.html", status=403)
        return response
    handler = {"general": _general, "fields": _fields, "access": _access, "summary": _summary}[step]
    return handler(request, ticket)


def _general(request, ticket):
    form = GeneralForm(request.POST or None, initial={"title": ticket.title, "description": ticket.description})
    if request.method == "POST" and form.is_valid():
        try:
            services.ticket_update_fields(
                request.user, ticket, title=form.cleaned_data["title"], description=form.cleaned_data["description"],
                complete_step=CreationStep.GENERAL,
            )
        except DomainError as error:
            add_domain_errors(form, error)
        else:
            return redirect(_step_url(ticket, "fields"))
    status = 400 if request.method == "POST" else 200
    return _render(request, "tickets/wizard_step.html", {"form": form}, ticket=ticket, current="general", status=status)


def _fields(request, ticket):
    template = ticket.template
    if request.method == "POST":
        form = CustomFieldsForm(template, request.POST)
        try:
            services.ticket_update_fields(
                request.user, ticket, custom_values=_non_empty(form.values()), complete_step=CreationStep.FIELDS
            )
        except DomainError as error:
            add_domain_errors(form, error)
            return _render(request, "tickets/wizard_step.html", {"form": form}, ticket=ticket, current="fields", status=400)
        return redirect(_step_url(ticket, "access"))
    form = CustomFieldsForm(template, initial=ticket.custom_values)
    return _render(request, "tickets/wizard_step.html", {"form": form, "no_fields": not form.fields}, ticket=ticket, current="fields")


def _non_empty(values: dict) -> dict:
    return {key: value for key, value in values.items() if value not in ("", None)}


def _access(request, ticket):
    initial = {"access_code": ticket.access_code, "visibility": ticket.visibility}
    form = AccessForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.ticket_complete_access_step(
                request.user, ticket, access_code=form.cleaned_data["access_code"], visibility=form.cleaned_data["visibility"]
            )
        except DomainError as error:
            add_domain_errors(form, error)
        else:
            return redirect(_step_url(ticket, "summary"))
    status = 400 if request.method == "POST" else 200
    return _render(request, "tickets/wizard_step.html", {"form": form}, ticket=ticket, current="access", status=status)


def _summary(request, ticket):
    fields = selectors.custom_field_rows(ticket)
    missing = [label for key, label in STEPS[:-1] if key in ticket.template.creation_steps and key not in ticket.completed_steps]
    status = 200
    if request.method == "POST":
        try:
            ticket = services.ticket_submit(request.user, ticket)
        except DomainError as error:
            messages.error(request, error.message)
            status = error.status_code
        else:
            messages.success(request, _("Ticket %(number)s has been submitted and is now open.") % {"number": ticket.number})
            return redirect(ticket.get_absolute_url())
    return _render(
        request, "tickets/wizard_summary.html", {"fields": fields, "missing": missing},
        ticket=ticket, current="summary", status=status,
    )
