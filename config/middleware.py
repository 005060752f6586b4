"""Request checks that span every door (pages, portal, REST API), so they live where the doors are
wired together."""

from __future__ import annotations

import codecs
from urllib.parse import unquote_to_bytes

from csp.middleware import CSPMiddleware
from django.core.exceptions import DisallowedHost
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from api.errors import error_body

# A UTF-8 codec that refuses invalid bytes whatever ``errors`` its caller asks for: Django decodes
# multipart fields and file names with errors="replace" (MultiPartParser), which would store U+FFFD
# in place of what the sender meant. (Urlencoded bodies are always UTF-8 to Django: checked below.)
STRICT_UTF8 = "leitstand_strict_utf8"
_UTF8 = codecs.lookup("utf-8")


def _strict_decode(data, errors="strict"):
    return codecs.utf_8_decode(data, "strict", True)


class _StrictIncrementalDecoder(codecs.BufferedIncrementalDecoder):
    def _buffer_decode(self, data, errors, final):
        return codecs.utf_8_decode(data, "strict", final)


class _StrictStreamReader(codecs.StreamReader):
    def decode(self, data, errors="strict"):
        return codecs.utf_8_decode(data, "strict", False)


def _search(name: str):
    if name != STRICT_UTF8:
        return None
    return codecs.CodecInfo(
        name=STRICT_UTF8, encode=_UTF8.encode, decode=_strict_decode,
        incrementalencoder=_UTF8.incrementalencoder, incrementaldecoder=_StrictIncrementalDecoder,
        streamreader=_StrictStreamReader, streamwriter=_UTF8.streamwriter,
    )


codecs.register(_search)

def _check_urlencoded(body: bytes) -> None:
    """Raise UnicodeDecodeError unless every name and value of the body is UTF-8 (QueryDict's own
    parsing replaces bad bytes silently)."""
    for pair in body.split(b"&"):
        for part in pair.split(b"=", 1):
            unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8")


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class StrictFormEncodingMiddleware:
    """A form body (urlencoded or multipart) whose fields are not valid UTF-8 is refused with 400
    before any view sees it: nothing is stored. Pages get the 400 page, the REST API its error body.
    Query strings keep Django's lenient decoding (a bad search term is just not found)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ("GET", "HEAD", "OPTIONS") and request.content_type in FORM_TYPES:
            try:
                if request.content_type == "multipart/form-data":
                    query = request.GET  # decoded leniently, before the strict encoding applies
                    request.encoding = STRICT_UTF8
                    request.GET = query
                    request.POST  # noqa: B018 - parse now, strictly
                else:
                    _check_urlencoded(request.body)
            except UnicodeDecodeError:
                return self.refuse(request)
        return self.get_response(request)

    @staticmethod
    def refuse(request):
        message = _("The form data is not valid UTF-8 text. Nothing was saved; please send it again.")
        if request.path.startswith("/api/"):
            return JsonResponse(error_body("invalid_encoding", message), status=400)
        return render(request, "400.html", {"message": message}, status=400)


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, plus this host's WebSockets in connect-src (the conversation, the
    video call): CSP Level 3 lets 'self' cover them, older browsers need them named. wss:// only
    over HTTPS."""

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        try:
            host = request.get_host()
        except DisallowedHost:
            return parts
        sockets = [f"wss://{host}"] if request.is_secure() else [f"ws://{host}", f"wss://{host}"]
        update = dict(parts.update or {})
        update["connect-src"] = [*update.get("connect-src", []), *sockets]
        parts.update = update
        return parts
