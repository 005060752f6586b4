"""Code users' identity in the session.

A person may come through several access codes; for each code they have one CodeUser identity.
The session maps access code id → code user id, and remembers which codes' PINs were entered.
The code-user portal signs people in; the messenger and the public pages read it here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from types import SimpleNamespace

from django.conf import settings
from django.contrib.auth import get_user
from django.core import signing

from tickets import permissions
from tickets.models import AccessCode, CodeUser, Ticket, TicketParticipant

CODE_USERS_SESSION_KEY = "leitstand_code_users"
PIN_SESSION_KEY = "leitstand_code_pins"
# access code id → the links version of the personal link this session signed in with (absent for
# identities made on this device through the code's own pages).
LINK_SESSION_KEY = "leitstand_code_links"


def code_user_from_session(session, access_code: AccessCode | int | None) -> CodeUser | None:
    """The code user of this session for an access code, if that code is still active."""
    if session is None or access_code is None:
        return None
    code_id = access_code.pk if isinstance(access_code, AccessCode) else access_code
    pk = (session.get(CODE_USERS_SESSION_KEY) or {}).get(str(code_id))
    if not pk:
        return None
    code_user = (
        CodeUser.objects.select_related("access_code", "access_code__template")
        .filter(pk=pk, access_code_id=code_id, access_code__is_active=True)
        .first()
    )
    linked = (session.get(LINK_SESSION_KEY) or {}).get(str(code_id))
    if code_user is not None and linked is not None and linked != code_user.access_code.links_version:
        return None  # signed in through a personal link that staff have revoked since
    return code_user


def socket_actor(session, access_code_id_of: Callable[[], int | None]):
    """Who opens a WebSocket of a ticket (the conversation, a video call): a signed-in, active staff
    member by their login session, else the code user this session holds for the ticket's access
    code (``access_code_id_of()``, asked only then), else None. One rule for every socket."""
    if session is None:
        return None
    user = get_user(SimpleNamespace(session=session))
    if permissions.is_staff(user):
        return user
    return code_user_from_session(session, access_code_id_of())


def code_user_ids(session) -> list[int]:
    """Every identity this session holds (one code user per access code)."""
    return list((session.get(CODE_USERS_SESSION_KEY) or {}).values()) if session is not None else []


def sign_in_code_user(session, code_user: CodeUser, *, link_version: int | None = None) -> None:
    """The session now speaks for this code user: through the identity form, or through a personal
    link made under ``link_version`` (staff revoking the code's links ends this sign-in too). A new
    session key, like Django's login: a key planted in the visitor's browser beforehand (session
    fixation) does not become a signed-in session."""
    code_key = str(code_user.access_code_id)
    identities = dict(session.get(CODE_USERS_SESSION_KEY) or {})
    identities[code_key] = code_user.pk
    session[CODE_USERS_SESSION_KEY] = identities
    links = dict(session.get(LINK_SESSION_KEY) or {})
    if link_version is None:
        links.pop(code_key, None)
    else:
        links[code_key] = link_version
    session[LINK_SESSION_KEY] = links
    _mark_pin_passed(session, code_user.access_code)
    session.cycle_key()


def pin_passed(session, access_code: AccessCode) -> None:
    """The visitor typed the code's PIN: this session may see the code (a new key, as above)."""
    _mark_pin_passed(session, access_code)
    session.cycle_key()


def _mark_pin_passed(session, access_code: AccessCode) -> None:
    passed = set(session.get(PIN_SESSION_KEY) or [])
    passed.add(access_code.pk)
    session[PIN_SESSION_KEY] = sorted(passed)


def pin_ok(session, access_code: AccessCode) -> bool:
    return not access_code.has_pin or access_code.pk in (session.get(PIN_SESSION_KEY) or [])


# --- personal links ----------------------------------------------------------------------------

_LINK_SALT = "leitstand.code-user.ticket-link"


class PersonalLinkEnded(Exception):
    """A genuine personal link that no longer works: older than PERSONAL_LINK_MAX_AGE_DAYS, or
    made before staff revoked the code's links."""


def personal_link_token(code_user: CodeUser, ticket) -> str:
    """A signed, dated token naming the code user, their ticket and the code's links version:
    bookmarkable, opens on any device (after the code's PIN, if it has one) until it is
    PERSONAL_LINK_MAX_AGE_DAYS old or staff revoke the code's links."""
    version = code_user.access_code.links_version
    return signing.TimestampSigner(salt=_LINK_SALT).sign_object({"u": code_user.pk, "t": ticket.pk, "v": version}, compress=True)


def resolve_personal_link(token: str):
    """(code user, ticket) for a valid link to a ticket the code user may see (active code, same
    code, public, not a draft: ``tickets.permissions.code_user_can_see``), else None. A genuine link
    that expired or was revoked raises ``PersonalLinkEnded``."""
    signer = signing.TimestampSigner(salt=_LINK_SALT)
    try:
        data = signer.unsign_object(token, max_age=timedelta(days=settings.PERSONAL_LINK_MAX_AGE_DAYS))
    except signing.SignatureExpired:
        raise PersonalLinkEnded from None
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(data, dict):
        return None
    code_user = CodeUser.objects.select_related("access_code").filter(pk=data.get("u")).first()
    ticket = Ticket.objects.select_related("access_code").filter(pk=data.get("t")).first()
    if code_user is None or ticket is None or not permissions.code_user_can_see(code_user, ticket):
        return None
    if data.get("v") != code_user.access_code.links_version:
        raise PersonalLinkEnded
    return code_user, ticket


_UNSUBSCRIBE_SALT = "leitstand.code-user.unsubscribe"


def unsubscribe_token(participant) -> str:
    """The signed link in every customer e-mail that stops the e-mails about that ticket."""
    return signing.Signer(salt=_UNSUBSCRIBE_SALT).sign_object({"p": participant.pk}, compress=True)


def resolve_unsubscribe(token: str):
    """The participant of a valid unsubscribe link, else None."""
    try:
        data = signing.Signer(salt=_UNSUBSCRIBE_SALT).unsign_object(token)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(data, dict):
        return None
    return TicketParticipant.objects.select_related("ticket", "code_user").filter(pk=data.get("p")).first()
