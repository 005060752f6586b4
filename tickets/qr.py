"""QR codes of access codes (segno): what gets printed and stuck on a machine."""

from __future__ import annotations

import io

import segno
from django.conf import settings


def access_code_url(code, request=None) -> str:
    """The absolute URL a code's QR code points to."""
    path = code.get_absolute_url()
    if settings.PUBLIC_BASE_URL:
        return settings.PUBLIC_BASE_URL.rstrip("/") + path
    if request is not None:
        return request.build_absolute_uri(path)
    return path


def qr_svg(url: str, *, scale: int = 4) -> bytes:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=scale, border=2, xmldecl=False)
    return buffer.getvalue()


def qr_png(url: str, *, scale: int = 10) -> bytes:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=scale, border=2)
    return buffer.getvalue()
