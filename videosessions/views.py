"""Staff pages of video sessions: create (plan or start now), steer (confirm, start, end, cancel),
and the conversation's one-click start. Each view parses, calls one service and redirects to the
Video-Sessions tab (or into the call); a refusal shows the tab again with why, and its status."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from common.errors import DomainError
from tickets import selectors as ticket_selectors
from tickets.forms import add_domain_errors
from tickets.pages import render_ticket_page
from videosessions import selectors, services
from videosessions.forms import ConfirmForm, SessionCreateForm

TAB = "video"

DONE = {
    "confirm": gettext_lazy("Video session “%(title)s” confirmed."),
    "start": gettext_lazy("Video session “%(title)s” started."),
    "end": gettext_lazy("Video session “%(title)s” ended."),
    "cancel": gettext_lazy("Video session “%(title)s” called off."),
}


def _tab_url(ticket) -> str:
    return reverse("tickets:tab", args=[ticket.number, TAB])


def _call_url(session) -> str:
    return selectors.jitsi_link(session) or reverse("videosessions:call", args=[session.pk])


def _refused(request, ticket, error: DomainError, *, form=None):
    if form is not None and any(name in form.fields for name in error.errors):
        add_domain_errors(form, error)  # next to the field it names
    else:
        messages.error(request, error.message)
    return render_ticket_page(request, ticket, TAB, status=error.status_code, video_form=form)


@require_POST
@login_required
def create(request, number):
    """The tab's form: plan a session for a time, or start one now (and go into the call)."""
    ticket = ticket_selectors.access_ticket(request.user, number)
    form = SessionCreateForm(ticket, request.user, request.POST)
    if not form.is_valid():
        return render_ticket_page(request, ticket, TAB, status=400, video_form=form)
    data = form.cleaned_data
    try:
        if form.starts_now:
            session = services.session_start_now(request.user, ticket, title=data["title"], visibility=data["visibility"])
        else:
            session = services.session_create(
                request.user, ticket, title=data["title"], visibility=data["visibility"], planned_at=data["planned_at"]
            )
    except DomainError as error:
        return _refused(request, ticket, error, form=form)
    if form.starts_now:
        return redirect(_call_url(session))
    messages.success(request, _("Video session “%(title)s” planned for %(when)s.")
                     % {"title": session.title, "when": services.planned_display(session)})
    return redirect(_tab_url(ticket))


@require_POST
@login_required
def start_now(request, number):
    """"Video-Session starten" beside the conversation: one click, then the call."""
    ticket = ticket_selectors.access_ticket(request.user, number)
    try:
        session = services.session_start_now(request.user, ticket)
    except DomainError as error:
        return _refused(request, ticket, error)
    return redirect(_call_url(session))


@require_POST
@login_required
def transition(request, number, pk, name):
    """One of the session's transitions (the tab shows a button for each one allowed now)."""
    ticket = ticket_selectors.access_ticket(request.user, number)
    session = selectors.session_for(request.user, ticket, pk)
    planned_at = None
    if name == "confirm":  # staff may set the time while confirming
        form = ConfirmForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(form.errors["planned_at"]))
            return render_ticket_page(request, ticket, TAB, status=400)
        planned_at = form.cleaned_data["planned_at"]
    try:
        session = services.session_transition(request.user, session, name, planned_at=planned_at)
    except DomainError as error:
        return _refused(request, ticket, error)
    messages.success(request, str(DONE.get(name, DONE["start"])) % {"title": session.title})
    return redirect(_tab_url(ticket))
