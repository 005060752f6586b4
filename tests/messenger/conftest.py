import pytest
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore

from config.asgi import application
from fleet.roles import Role
from tests.factories import AccessCodeFactory, CodeUserFactory, UserFactory, make_ticket
from tickets.choices import Status
from portal.sessions import sign_in_code_user


@pytest.fixture(autouse=True)
def _a_channel_layer_per_test():
    """Each test runs on its own event loop, and a layer object keeps loop-bound state (channels-redis
    its receive lock, the in-memory layer its queues): a consumer left waiting when an earlier test's
    loop closed breaks the next test ("bound to a different event loop", seen once in CI). A fresh
    layer object per test (same backend, same configuration) avoids that."""
    from channels.layers import channel_layers

    channel_layers.backends = {}
    yield
    channel_layers.backends = {}


def session_cookie_for_staff(user) -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return session.session_key


def session_cookie_for_code_user(code_user) -> str:
    """Until the code-user portal signs code users in, tests create their code session here."""
    session = SessionStore()
    sign_in_code_user(session, code_user)
    session.save()
    return session.session_key


def communicator(number: str, session_key: str | None = None, *, language: str = "de") -> WebsocketCommunicator:
    cookies = f"{settings.LANGUAGE_COOKIE_NAME}={language}"
    if session_key:
        cookies += f"; {settings.SESSION_COOKIE_NAME}={session_key}"
    return WebsocketCommunicator(
        application,
        f"/ws/tickets/{number}/",
        headers=[(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1"), (b"cookie", cookies.encode())],
    )


@pytest.fixture
def chat(transactional_db):
    """A public, assigned ticket on a code, its assignee, a moderator, a code user of the code,
    a code user of another code, and sessions for each."""
    code = AccessCodeFactory()
    assignee = UserFactory(first_name="Mia", last_name="Schneider")
    ticket = make_ticket(Status.IN_PROGRESS, access_code=code, assignees=[assignee])
    code_user = CodeUserFactory(access_code=code, display_name="Petra Huber")
    stranger = CodeUserFactory(display_name="Fremder")
    moderator = UserFactory(role=Role.MODERATOR)
    return {
        "ticket": ticket,
        "assignee": assignee,
        "moderator": moderator,
        "code_user": code_user,
        "stranger": stranger,
        "staff_session": session_cookie_for_staff(assignee),
        "code_session": session_cookie_for_code_user(code_user),
        "stranger_session": session_cookie_for_code_user(stranger),
    }
