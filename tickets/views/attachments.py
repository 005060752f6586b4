"""Attachments are served only through these views, after the same visibility check as the page
that lists them: staff get the attachments of every update of a ticket they may see, code users
those of the public updates of their code's public tickets. Nothing under MEDIA_ROOT is served
without it (neither Django nor the nginx of docker-compose serves /media/)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.views.decorators.http import require_GET

from tickets import selectors

# Shown in the browser; everything else (PDF included) is downloaded.
INLINE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp", "text/plain"}


def attachment_response(attachment) -> FileResponse:
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing") from None
    inline = attachment.content_type in INLINE_TYPES
    content_type = attachment.content_type + ("; charset=utf-8" if attachment.content_type == "text/plain" else "")
    response = FileResponse(
        handle, as_attachment=not inline, filename=attachment.original_name, content_type=content_type
    )
    # An uploaded file never runs script in our origin, whatever it turns out to contain.
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_GET
@login_required
def staff_attachment(request, number, pk):
    ticket = selectors.access_ticket(request.user, number)
    return attachment_response(selectors.attachment_for(request.user, ticket, pk))
