"""Attachments are served only through these views, after the same visibility check as the page
that lists them: staff get the attachments of every update of a ticket they may see, code users
those of the public updates of their code's public tickets. Nothing under MEDIA_ROOT is served
without it (neither Django nor the nginx of docker-compose serves /media/)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.views.decorators.http import require_GET

from tickets import selectors
from tickets.downloads import attachment_response

@require_GET
@login_required
def staff_attachment(request, number, pk):
    ticket = selectors.access_ticket(request.user, number)
    return attachment_response(selectors.attachment_for(request.user, ticket, pk))
