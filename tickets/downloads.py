"""How an attachment is handed to a browser, for the staff pages and the portal alike: pictures and
text inline, everything else as a download, and never able to run script in our origin."""

from __future__ import annotations

from django.http import FileResponse, Http404

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
