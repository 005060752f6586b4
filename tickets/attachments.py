"""Checks for uploaded attachments: size, count and a type sniffed from the content."""

from __future__ import annotations

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from common.errors import InvalidInput

# content type -> (magic prefix check, allowed extensions)
_SIGNATURES = {
    "image/jpeg": (lambda head: head.startswith(b"\xff\xd8\xff"), {".jpg", ".jpeg"}),
    "image/png": (lambda head: head.startswith(b"\x89PNG\r\n\x1a\n"), {".png"}),
    "image/gif": (lambda head: head[:6] in (b"GIF87a", b"GIF89a"), {".gif"}),
    "image/webp": (lambda head: head[:4] == b"RIFF" and head[8:12] == b"WEBP", {".webp"}),
    "application/pdf": (lambda head: head.startswith(b"%PDF-"), {".pdf"}),
    "text/plain": (None, {".txt", ".log", ".csv"}),
}


def _is_text(upload) -> bool:
    upload.seek(0)
    try:
        data = upload.read(settings.ATTACHMENT_MAX_BYTES + 1)
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    finally:
        upload.seek(0)
    return "\x00" not in text


def sniff_content_type(upload) -> str | None:
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    name = (upload.name or "").lower()
    for content_type, (check, extensions) in _SIGNATURES.items():
        if content_type not in settings.ATTACHMENT_ALLOWED_TYPES:
            continue
        if not any(name.endswith(ext) for ext in extensions):
            continue
        if check is None and _is_text(upload):
            return content_type
        if check is not None and check(head):
            return content_type
    return None


def validate_uploads(uploads) -> list[tuple[object, str]]:
    """Return (file, content type) pairs, or raise InvalidInput naming the file and the problem."""
    uploads = list(uploads or [])
    if len(uploads) > settings.ATTACHMENT_MAX_FILES:
        raise InvalidInput(
            _("At most %(count)d files per update.") % {"count": settings.ATTACHMENT_MAX_FILES},
            errors={"attachments": ["too_many"]},
        )
    checked = []
    for upload in uploads:
        if upload.size > settings.ATTACHMENT_MAX_BYTES:
            raise InvalidInput(
                _("“%(name)s” is too large (%(size)s); at most %(limit)s per file.")
                % {
                    "name": upload.name,
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(settings.ATTACHMENT_MAX_BYTES),
                },
                errors={"attachments": ["too_large"]},
            )
        content_type = sniff_content_type(upload)
        if content_type is None:
            raise InvalidInput(
                _("“%(name)s” is not an allowed file type (photos, PDF or text files).") % {"name": upload.name},
                errors={"attachments": ["type"]},
            )
        checked.append((upload, content_type))
    return checked
