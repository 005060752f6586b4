import pytest

from tests.servers import AsgiServer, database_url_for_subprocess


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def asgi_server(transactional_db):
    """A real daphne process serving config.asgi on a free port, sharing the test database."""
    server = AsgiServer(database_url=database_url_for_subprocess())
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def demo_staff(db):
    from config.demo.staff import seed_staff

    return seed_staff()


@pytest.fixture(autouse=True)
def _fresh_cached_values():
    """What is kept in the cache until a change forgets it (``common.versioned_cache``) starts
    afresh: tests write inside a transaction that never commits, so the events and after-commit
    calls that forget it in production never run, and factories write behind the services' back."""
    from tickets.selectors import FINAL_COUNTS
    from webhooks.selectors import SUBSCRIPTIONS

    FINAL_COUNTS.forget()
    SUBSCRIPTIONS.forget()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded files of in-process tests land in the test's own folder, not in var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _celery_in_process():
    """Tasks run in the test process (the portal journey test runs a real worker against Redis)."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous
