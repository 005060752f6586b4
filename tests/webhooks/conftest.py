import pytest
from django.utils import translation

from fleet.roles import Role
from tests.factories import UserFactory
from tests.webhooks.receiver import Receiver


@pytest.fixture(autouse=True)
def _webhook_settings(settings):
    """The receiver runs on 127.0.0.1; attempts are made by the test itself (``attempt_delivery``
    and ``send_due`` with a controlled clock), not by the in-process thread, unless a test turns
    it on; short timeouts for the hanging receiver."""
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
    settings.WEBHOOK_SEND_IN_PROCESS = False
    settings.WEBHOOK_TIMEOUT_SECONDS = 2.0
    settings.WEBHOOK_RETRY_WINDOW_HOURS = 24.0
    settings.WEBHOOK_RETRY_BASE_SECONDS = 30.0
    settings.WEBHOOK_RETRY_MAX_SECONDS = 3600.0
    settings.PUBLIC_BASE_URL = "https://leitstand.example.org"


@pytest.fixture
def receiver():
    receiver = Receiver().start()
    try:
        yield receiver
    finally:
        receiver.stop()


@pytest.fixture
def admin(db):
    return UserFactory(role=Role.ADMINISTRATOR, first_name="Ada", last_name="Admin")


@pytest.fixture
def staff(db):
    return UserFactory(role=Role.STAFF)


@pytest.fixture(autouse=True)
def _english():
    """Service messages are asserted in English (the pages' tests look at the German ones)."""
    with translation.override("en"):
        yield
