"""Absolute links for e-mails and printouts, which have no request to take the host from."""

from __future__ import annotations

from django.conf import settings

# What `make run` serves when PUBLIC_BASE_URL is not set (set it in production).
LOCAL_BASE_URL = "http://127.0.0.1:8000"


def absolute_url(path: str, *, base_url: str | None = None) -> str:
    """``PUBLIC_BASE_URL`` + path; else the base the caller knows (e.g. from its request); else
    the local development server."""
    return (settings.PUBLIC_BASE_URL or base_url or LOCAL_BASE_URL).rstrip("/") + path
