"""Code users' identity in the session (the code-user portal signs them in; the messenger and
the public pages read it here)."""

from __future__ import annotations

from tickets.models import CodeUser

CODE_USER_SESSION_KEY = "leitstand_code_user_id"


def code_user_from_session(session) -> CodeUser | None:
    """The code user of this session, if their access code is still active."""
    pk = session.get(CODE_USER_SESSION_KEY) if session is not None else None
    if not pk:
        return None
    return CodeUser.objects.select_related("access_code").filter(pk=pk, access_code__is_active=True).first()


def sign_in_code_user(session, code_user: CodeUser) -> None:
    session[CODE_USER_SESSION_KEY] = code_user.pk
