"""The code user's doors of video sessions: ask for one, call off one's own request, rate a finished
one, and the call page with its snapshots.

Skeleton: the real views replace these stubs.
"""

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from common.errors import NotFound
from portal import sessions as code_sessions
from portal.forms import EntryCodeForm
from tickets import selectors as ticket_selectors
from tickets.downloads import attachment_response
from videosessions import selectors as video_selectors
from videosessions import ui as video_ui


def request_session(request, token, number):
    raise Http404


def transition(request, token, number, pk, name):
    raise Http404


def rate(request, token, number, pk):
    raise Http404


def _call_for(request, token, number, pk):
    """(code, code user, session) of the call page's doors, or NotFound: the same answer for an
    unknown code, a visitor without the code's session, a ticket or session they may not see."""
    code = ticket_selectors.active_access_code(token=token)
    if code is None or not code_sessions.pin_ok(request.session, code):
        raise NotFound(_("There is no such ticket, or you may not see it."))
    code_user = code_sessions.code_user_from_session(request.session, code)
    if code_user is None:
        raise NotFound(_("There is no such ticket, or you may not see it."))
    ticket = ticket_selectors.access_ticket(code_user, number)
    return code, code_user, video_selectors.session_for(code_user, ticket, pk)


def _call_unknown(request):
    return render(request, "portal/unknown.html", {"entry_form": EntryCodeForm()}, status=404)


def _call_snapshot_url(code, session):
    return lambda snapshot_pk: reverse(
        "portal:video-snapshot", args=[code.token, session.ticket.number, session.pk, snapshot_pk]
    )


@require_GET
def call_page(request, token, number, pk):
    try:
        code, code_user, session = _call_for(request, token, number, pk)
    except NotFound:
        return _call_unknown(request)
    ticket_url = reverse("portal:ticket", args=[code.token, session.ticket.number])
    context = video_ui.call_context(
        request, code_user, session, base_template="portal/base.html", back_url=ticket_url,
        chat_url=ticket_url + "#messenger",
        upload_url=reverse("portal:video-snapshot-upload", args=[code.token, session.ticket.number, session.pk]),
        snapshot_url_of=_call_snapshot_url(code, session),
    )
    return render(request, "videosessions/call.html", {**context, "code": code, "code_user": code_user})


@require_POST
def snapshot_upload(request, token, number, pk):
    try:
        code, code_user, session = _call_for(request, token, number, pk)
    except NotFound:
        return _call_unknown(request)
    return video_ui.snapshot_upload_response(request, code_user, session, _call_snapshot_url(code, session))


@require_GET
def snapshot_image(request, token, number, pk, snapshot):
    try:
        _code, code_user, session = _call_for(request, token, number, pk)
        found = video_selectors.snapshot_for(code_user, session, snapshot)
        attachment = found.update.attachments.first()
        if attachment is None:
            raise NotFound(_("This snapshot does not exist."))
        return attachment_response(attachment)
    except (NotFound, Http404):  # not theirs, or the stored file is gone
        return _call_unknown(request)
