"""The code user's doors of video sessions: ask for one, call off one's own request (or confirm what
the service team planned), rate a finished one, and the call page with its snapshots.

Each view passes the portal's gate (``portal.pages.ticket_for`` behind ``pages.behind_gate``: the same
friendly 404 for whatever the visitor may not see), parses, calls one service and goes back to the ticket page's video card;
a refusal shows the page again with why, and its status code.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from common.errors import DomainError, NotFound
from portal import pages
from tickets.downloads import attachment_response
from tickets.forms import add_domain_errors
from videosessions import selectors as video_selectors
from videosessions import services as video_services
from videosessions import ui as video_ui
from videosessions.forms import RatingForm, RequestForm

DONE = {
    "confirm": gettext_lazy("Thank you: the video session is confirmed."),
    "cancel": gettext_lazy("Your request for a video session has been called off."),
}


def _card_url(code, ticket) -> str:
    return pages.ticket_url(code, ticket) + "#video"


def _refused(request, found, error: DomainError, *, form=None, **forms):
    """The ticket page again with why: next to the field the error names, else above the page."""
    if form is not None and any(name in form.fields for name in error.errors):
        add_domain_errors(form, error)
    else:
        messages.error(request, error.message)
    return pages.render_ticket_page(request, *found, status=error.status_code, **forms)


@require_POST
@pages.behind_gate
def request_session(request, token, number):
    found = pages.ticket_for(request, token, number)
    code, code_user, ticket = found
    form = RequestForm(request.POST)
    if not form.is_valid():
        return pages.render_ticket_page(request, *found, status=400, video_request_form=form)
    try:
        video_services.session_request(
            code_user, ticket, note=form.cleaned_data["note"], preferred_at=form.cleaned_data["preferred_at"]
        )
    except DomainError as error:
        return _refused(request, found, error, form=form, video_request_form=form)
    messages.success(request, _("Thank you: your request for a video session has been sent. The service team will confirm a time."))
    return redirect(_card_url(code, ticket))


@require_POST
@pages.behind_gate
def transition(request, token, number, pk, name):
    found = pages.ticket_for(request, token, number)
    code, code_user, ticket = found
    session = video_selectors.session_for(code_user, ticket, pk)
    try:
        video_services.session_transition(code_user, session, name)
    except DomainError as error:
        return _refused(request, found, error)
    messages.success(request, str(DONE.get(name, gettext_lazy("The video session has been updated."))))
    return redirect(_card_url(code, ticket))


@require_POST
@pages.behind_gate
def rate(request, token, number, pk):
    found = pages.ticket_for(request, token, number)
    code, code_user, ticket = found
    session = video_selectors.session_for(code_user, ticket, pk)
    form = RatingForm(session.pk, request.POST)
    if not form.is_valid():
        return pages.render_ticket_page(request, *found, status=400, video_rating_forms={session.pk: form})
    try:
        video_services.session_rate(code_user, session, stars=form.cleaned_data["stars"], text=form.cleaned_data["text"])
    except DomainError as error:
        return _refused(request, found, error, form=form, video_rating_forms={session.pk: form})
    messages.success(request, _("Thank you for rating the video session!"))
    return redirect(_card_url(code, ticket))


# --- the call page and its snapshots -----------------------------------------------------------------


def _call_for(request, token, number, pk):
    """(code, code user, session) of the call page's doors, or NotFound: the portal's gate, then the
    session as the code user may see it."""
    code, code_user, ticket = pages.ticket_for(request, token, number)
    return code, code_user, video_selectors.session_for(code_user, ticket, pk)


def _call_snapshot_url(code, session):
    return lambda snapshot_pk: reverse(
        "portal:video-snapshot", args=[code.token, session.ticket.number, session.pk, snapshot_pk]
    )


@require_GET
@pages.behind_gate
def call_page(request, token, number, pk):
    code, code_user, session = _call_for(request, token, number, pk)
    ticket_url = pages.ticket_url(code, session.ticket)
    context = video_ui.call_context(
        request, code_user, session, base_template="portal/base.html", back_url=ticket_url,
        chat_url=ticket_url + "#messenger",
        upload_url=reverse("portal:video-snapshot-upload", args=[code.token, session.ticket.number, session.pk]),
        snapshot_url_of=_call_snapshot_url(code, session),
    )
    return render(request, "videosessions/call.html", {**context, "code": code, "code_user": code_user})


@require_POST
@pages.behind_gate
def snapshot_upload(request, token, number, pk):
    code, code_user, session = _call_for(request, token, number, pk)
    return video_ui.snapshot_upload_response(request, code_user, session, _call_snapshot_url(code, session))


@require_GET
@pages.behind_gate
def snapshot_image(request, token, number, pk, snapshot):
    _code, code_user, session = _call_for(request, token, number, pk)
    found = video_selectors.snapshot_for(code_user, session, snapshot)
    attachment = found.update.attachments.first()
    if attachment is None:
        raise NotFound(_("This snapshot does not exist."))
    return attachment_response(attachment)  # a stored file that is gone: Http404, the same page
