"""Sending one webhook request: the address check (no loopback or private networks unless allowed),
the Standard Webhooks signature, and the HTTP request with bounded time. No database here: the
services record what happened (webhooks/services.py).

The check resolves the host before every attempt and the request goes to the checked address
(the URL's host becomes that IP; the ``Host`` header and, for https, the TLS server name and the
certificate check keep the original name), so a name that resolves to a public address at check
time cannot be re-pointed at an internal one for the connection itself (DNS rebinding).
"""

from __future__ import annotations

import base64
import ipaddress
import secrets
import socket
import time
from dataclasses import dataclass
from datetime import datetime, timezone as dt_timezone
from urllib.parse import urlsplit, urlunsplit

import httpx
from django.utils.translation import gettext as _
from standardwebhooks.webhooks import Webhook

USER_AGENT = "Leitstand-Webhooks/1"
CONNECT_TIMEOUT = 5.0
MAX_RESPONSE_BYTES = 64 * 1024  # read at most this much of an answer (only an excerpt is kept)


class RefusedAddress(Exception):
    """The URL may not be called (scheme, or an address in a network that is not allowed)."""


def new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and the base64 of 32 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def new_message_id() -> str:
    return "msg_" + secrets.token_urlsafe(18)


def sign(secret: str, message_id: str, moment: datetime, body: str) -> dict[str, str]:
    """The three Standard Webhooks headers for one attempt (``moment`` aware; sent as UTC seconds)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    moment = moment.astimezone(dt_timezone.utc)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, moment, body),
    }


def _refused_ip(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (
        address.is_loopback or address.is_private or address.is_link_local or address.is_multicast
        or address.is_reserved or address.is_unspecified or not address.is_global
    )


def check_url_form(url: str, *, require_https: bool) -> tuple[str, str, int]:
    """The URL's scheme, host and port, or RefusedAddress with a readable reason."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise RefusedAddress(_("This is not a valid URL.")) from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise RefusedAddress(_("Only http:// and https:// addresses can receive webhooks."))
    if require_https and scheme != "https":
        raise RefusedAddress(_("Webhooks are sent to https:// addresses only."))
    host = parts.hostname
    if not host:
        raise RefusedAddress(_("The URL has no host name."))
    if parts.username or parts.password:
        raise RefusedAddress(_("The URL must not contain a user name or password."))
    return scheme, host, port or (443 if scheme == "https" else 80)


def resolve(host: str, port: int) -> list[str]:
    """The host's addresses (an IP literal is its own)."""
    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise RefusedAddress(_("The host name %(host)s cannot be resolved (%(error)s).") % {"host": host, "error": error}) from None
    return list(dict.fromkeys(info[4][0] for info in infos))


def check_addresses(host: str, addresses: list[str], *, allow_private: bool) -> None:
    if allow_private:
        return
    for text in addresses:
        if _refused_ip(ipaddress.ip_address(text.split("%", 1)[0])):
            raise RefusedAddress(
                _("%(host)s is a loopback, private or otherwise non-public address (%(address)s): "
                  "webhooks are not sent there.") % {"host": host, "address": text}
            )


def checked_target(url: str, *, allow_private: bool, require_https: bool) -> tuple[str, str]:
    """Check the URL and resolve its host now: (the URL to connect to, pinned to a checked IP; the
    original host for the Host header and TLS). RefusedAddress if it may not be called."""
    scheme, host, port = check_url_form(url, require_https=require_https)
    addresses = resolve(host, port)
    check_addresses(host, addresses, allow_private=allow_private)
    ip = addresses[0]
    parts = urlsplit(url)
    ip_host = f"[{ip}]" if ":" in ip else ip
    netloc = f"{ip_host}:{parts.port}" if parts.port else ip_host
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, "")), host


@dataclass
class Outcome:
    status_code: int | None
    duration_ms: int
    error: str
    response_excerpt: str

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300 and not self.error


def post(url: str, *, body: str, headers: dict[str, str], allow_private: bool, require_https: bool,
         timeout: float, excerpt_length: int = 500) -> Outcome:
    """POST the body once; never raises for what the endpoint or the network does (the outcome says)."""
    started = time.monotonic()

    def elapsed_ms() -> int:
        return max(0, int((time.monotonic() - started) * 1000))

    try:
        target, host = checked_target(url, allow_private=allow_private, require_https=require_https)
    except RefusedAddress as error:
        return Outcome(None, elapsed_ms(), str(error), "")
    parts = urlsplit(url)
    request_headers = {
        **headers, "content-type": "application/json", "user-agent": USER_AGENT, "host": parts.netloc,
    }
    extensions = {"sni_hostname": host} if parts.scheme.lower() == "https" else {}
    limits = httpx.Timeout(timeout, connect=min(CONNECT_TIMEOUT, timeout))
    deadline = started + timeout
    status_code = None
    try:
        with httpx.Client(timeout=limits, follow_redirects=False, trust_env=False) as client:
            request = client.build_request("POST", target, content=body.encode(), headers=request_headers,
                                           extensions=extensions)
            response = client.send(request, stream=True)
            try:
                status_code = response.status_code
                received = b""
                for chunk in response.iter_bytes():
                    received += chunk
                    if len(received) >= MAX_RESPONSE_BYTES or time.monotonic() > deadline:
                        break
            finally:
                response.close()
        text = received.decode(response.encoding or "utf-8", errors="replace")
        error = "" if 200 <= status_code < 300 else _("The endpoint answered %(code)s.") % {"code": status_code}
        return Outcome(status_code, elapsed_ms(), error, text[:excerpt_length])
    except httpx.TimeoutException:
        return Outcome(status_code, elapsed_ms(), _("No answer within %(seconds)s seconds.") % {"seconds": f"{timeout:g}"}, "")
    except httpx.HTTPError as error:
        return Outcome(status_code, elapsed_ms(), _("The request failed: %(error)s") % {"error": error or type(error).__name__}, "")
