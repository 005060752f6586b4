"""The call page (staff) and its snapshots: the page in the staff layout, the annotated snapshot's
upload (JSON), and the snapshot's picture. Code users have the same page through the portal
(``portal.video``); both build it with ``videosessions.ui``."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from common.errors import NotFound
from tickets.downloads import attachment_response
from videosessions import rules, selectors, ui


def _session(user, pk):
    """The session, for staff who may see it (else the 404 page: nothing tells it exists)."""
    session = selectors.session_by_id(int(pk))
    if session is None or not rules.may_see(user, session):
        raise NotFound("no such video session")
    return selectors.session_for(user, session.ticket, session.pk)


def _snapshot_url(session):
    return lambda snapshot_pk: reverse("videosessions:snapshot", args=[session.pk, snapshot_pk])


@require_GET
@login_required
def call_page(request, pk):
    session = _session(request.user, pk)
    ticket = session.ticket
    context = ui.call_context(
        request, request.user, session, base_template="base.html",
        back_url=reverse("tickets:tab", args=[ticket.number, "video"]),
        chat_url=reverse("tickets:detail", args=[ticket.number]) + "#messenger",
        upload_url=reverse("videosessions:snapshot-upload", args=[session.pk]),
        snapshot_url_of=_snapshot_url(session),
    )
    return render(request, "videosessions/call.html", context)


@require_POST
@login_required
def snapshot_upload(request, pk):
    session = _session(request.user, pk)
    return ui.snapshot_upload_response(request, request.user, session, _snapshot_url(session))


@require_GET
@login_required
def snapshot_image(request, session_pk, pk):
    session = _session(request.user, session_pk)
    snapshot = selectors.snapshot_for(request.user, session, pk)
    attachment = snapshot.update.attachments.first()
    if attachment is None:
        raise NotFound("the snapshot's picture is gone")
    return attachment_response(attachment)
