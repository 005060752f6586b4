"""The video sessions' parts of other apps' pages: the staff ticket page's Video-Sessions tab
(``video_tab``) and the button beside its conversation (``panel_context``), both taken by
``tickets.pages``; the card on the customer's ticket page (``portal_card``, taken by
``portal.pages``). Rows from ``videosessions.ui``, forms from ``videosessions.forms``."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tickets.models import Ticket
from videosessions import rules, selectors, ui
from videosessions.forms import ConfirmForm, RatingForm, RequestForm, SessionCreateForm

# The customer's page offers these of the session's transitions (starting is joining there).
PORTAL_ACTIONS = ("confirm", "cancel")


def _staff_call_url(session) -> str:
    return reverse("videosessions:call", args=[session.pk])


def video_tab(actor, ticket: Ticket, *, form: SessionCreateForm | None = None) -> dict:
    """The Video-Sessions tab: the sessions with their buttons, and the form to plan or start one
    where the actor may."""
    def transition_url(session, name):
        return reverse("videosessions:transition", args=[ticket.number, session.pk, name])

    rows = ui.rows(actor, ticket, call_url=_staff_call_url, transition_url=transition_url)
    for row in rows:
        for action in row.actions:
            action.look = "button-quiet" if action.name in ("cancel", "end") else ""
            if action.name == "confirm":  # staff may fix the time while confirming
                planned = timezone.localtime(row.session.planned_at) if row.session.planned_at else None
                action.form = ConfirmForm(initial={"planned_at": planned}, auto_id=f"video_confirm_{row.pk}_%s")
    may_create = rules.may_create(ticket, actor)
    return {
        "video_rows": rows,
        "video_form": (form or SessionCreateForm(ticket, actor)) if may_create else None,
        "video_ticket_open": rules.ticket_open_for_sessions(ticket),
    }


def panel_context(actor, ticket: Ticket) -> dict:
    """The conversation's one-click "start a video session" (staff who may create one)."""
    return {"video_start_now": rules.may_create(ticket, actor)}


def portal_card(code_user, ticket: Ticket, *, token: str, request_form: RequestForm | None = None,
                rating_forms: dict | None = None) -> dict:
    """The customer's card: the ticket's public sessions with what they may do on each (rate a
    finished one once), and the form to ask for one, or the note that their request is waiting."""
    rating_forms = rating_forms or {}

    def call_url(session):
        return reverse("portal:video-call", args=[token, ticket.number, session.pk])

    def transition_url(session, name):
        return reverse("portal:video-transition", args=[token, ticket.number, session.pk, name])

    rows = ui.rows(code_user, ticket, call_url=call_url, transition_url=transition_url, actions=PORTAL_ACTIONS)
    for row in rows:
        for action in row.actions:
            action.look = "button-primary" if action.name == "confirm" else ""
            if action.name == "cancel":  # only their own request can be called off here
                action.label = _("Call off my request")
        if row.feedback is None and rules.may_rate(row.session, code_user):
            row.rating_form = rating_forms.get(row.pk) or RatingForm(row.pk)
    may_request = rules.may_request(ticket, code_user)
    pending = selectors.pending_request(code_user, ticket) if may_request else None
    return {
        "video_rows": rows,
        "video_pending": pending,
        "video_request_form": (request_form or RequestForm()) if may_request and pending is None else None,
    }
