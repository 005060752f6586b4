"""The code user's ticket page and the gate in front of it, shared by the portal's doors
(``portal.views`` and ``portal.video``): who the visitor is for a code, the one friendly 404 page,
and the ticket page itself (rendered again with a form's errors and the status of a refusal)."""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from common.errors import NotFound
from messenger.ui import panel_context
from portal import sessions as code_sessions
from portal.forms import EntryCodeForm, FeedbackForm, ProblemForm
from tickets import lifecycle, selectors, services
from tickets.choices import PROGRESS_ORDER, Status, UpdateKind
from tickets.forms import UpdateForm
from tickets.models import AccessCode
from videosessions import pages as video_pages

# The ticket page holds several forms with a "text" field (service log, rating, "problem persists",
# video sessions): each gets ids of its own so that every label points at its field.
UPDATE_IDS = "update_%s"
FEEDBACK_IDS = "feedback_%s"
PROBLEM_IDS = "problem_%s"


def unknown(request, status=404):
    """The same page for unknown and inactive codes and for anything not to be found."""
    return render(request, "portal/unknown.html", {"entry_form": EntryCodeForm()}, status=status)


def behind_gate(view):
    """A portal view whose ``NotFound`` (the gate of ``ticket_for``, or a thing on the ticket the
    code user may not see) is the portal's one page for anything not to be found; a stored file
    that is gone (``Http404``) too."""

    @wraps(view)
    def gated(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except (NotFound, Http404):
            return unknown(request)

    return gated


def active_code(token: str) -> AccessCode | None:
    return selectors.active_access_code(token=token)


def signed_in(request, token):
    """(code, code user) for a page that needs both; None when the visitor must (re)enter."""
    code = active_code(token)
    if code is None or not code_sessions.pin_ok(request.session, code):
        return None
    code_user = code_sessions.code_user_from_session(request.session, code)
    return (code, code_user) if code_user is not None else None


def ticket_for(request, token, number):
    """(code, code user, ticket) or NotFound: guessed numbers, other codes' and internal tickets,
    switched-off codes and visitors without a code session all get the same answer."""
    found = signed_in(request, token)
    if found is None:
        raise NotFound(_("There is no such ticket, or you may not see it."))
    code, code_user = found
    ticket = selectors.access_ticket(code_user, number)
    return code, code_user, ticket


def ticket_url(code, ticket) -> str:
    return reverse("portal:ticket", args=[code.token, ticket.number])


def public_steps(ticket):
    order = [*PROGRESS_ORDER[1:], Status.CANCELLED]  # code users never see drafts
    current = PROGRESS_ORDER.index(ticket.status) if ticket.status in PROGRESS_ORDER else -1
    return [
        {"value": s, "label": s.label, "current": s == ticket.status,
         "passed": s in PROGRESS_ORDER and PROGRESS_ORDER.index(s) < current}
        for s in order
    ]


def render_ticket_page(request, code, code_user, ticket, *, status=200, update_form=None, feedback_form=None,
                       problem_form=None, video_request_form=None, video_rating_forms=None):
    if request.method == "GET":
        services.participant_seen(code_user, ticket)
    context = {
        "code": code, "code_user": code_user, "ticket": ticket, "fields": selectors.custom_field_rows(ticket),
        "steps": public_steps(ticket),
        "updates": selectors.public_updates(ticket),
        "update_form": update_form or UpdateForm(auto_id=UPDATE_IDS),
        "may_post": lifecycle.may_post_update(ticket, code_user, UpdateKind.PUBLIC),
        "may_cancel": "cancel" in services.ticket_available_transitions(code_user, ticket),
        "feedback_requested": selectors.feedback_requested(ticket),
        # Only customers who took part rate; the others of the code see the ticket read-only.
        "may_rate": selectors.is_participant(code_user, ticket),
        "feedback": selectors.feedback_of(ticket),
        "feedback_form": feedback_form or FeedbackForm(auto_id=FEEDBACK_IDS),
        "problem_form": problem_form or ProblemForm(auto_id=PROBLEM_IDS),
        "link_days": settings.PERSONAL_LINK_MAX_AGE_DAYS,
        "personal_link": request.build_absolute_uri(
            reverse("portal:link", args=[code_sessions.personal_link_token(code_user, ticket)])
        ),
        **video_pages.portal_card(code_user, ticket, token=code.token, request_form=video_request_form,
                               rating_forms=video_rating_forms),
        **panel_context(ticket),
    }
    return render(request, "portal/ticket.html", context, status=status)
