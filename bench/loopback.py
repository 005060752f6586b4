"""What every bench checks before it connects: PostgreSQL, and on 127.0.0.1 only."""

from __future__ import annotations

import sys
from urllib.parse import urlsplit

ALLOWED_HOSTS = {"127.0.0.1"}


def postgres_url(url: str, *, bench: str) -> str:
    """``url`` if it names PostgreSQL on this machine; otherwise the bench stops with the reason."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        sys.exit(f"{bench} needs PostgreSQL, not {parts.scheme}://…")
    if parts.hostname not in ALLOWED_HOSTS:
        sys.exit(f"{bench} talks to 127.0.0.1 only, not {parts.hostname!r}")
    return url
