"""The environment decides which services run; a silent fallback to SQLite must fail CI."""

import asyncio
import os
import subprocess
import sys
import uuid
from pathlib import Path

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache
from django.db import connection

BASE_DIR = Path(__file__).resolve().parent.parent


def test_database_engine_follows_database_url(db):
    url = os.environ.get("DATABASE_URL", "").strip()
    if url.startswith(("postgres://", "postgresql://", "pgsql://")):
        assert connection.vendor == "postgresql"
        # psycopg 3, not psycopg2
        assert type(connection.connection).__module__.startswith("psycopg")
        assert not type(connection.connection).__module__.startswith("psycopg2")
    else:
        assert connection.vendor == "sqlite"


def test_channel_layer_follows_redis_url():
    layer = get_channel_layer()
    if os.environ.get("REDIS_URL", "").strip():
        backend = os.environ.get("CHANNEL_LAYER_BACKEND", "").strip() or "redis-pubsub"
        assert type(layer).__name__ == {"redis-pubsub": "OutageAwarePubSubChannelLayer", "redis": "RedisChannelLayer"}[backend]
    else:
        assert type(layer).__name__ == "InMemoryChannelLayer"

    # Whichever layer it is, a message sent to a channel arrives (on one event loop: the Pub/Sub
    # layer keeps its subscriptions per loop, as a server process has one).
    async def round_trip():
        channel = await layer.new_channel()
        await layer.send(channel, {"type": "test.ping", "value": 42})
        return await asyncio.wait_for(layer.receive(channel), timeout=10)

    assert async_to_sync(round_trip)() == {"type": "test.ping", "value": 42}


def test_cache_and_celery_follow_redis_url():
    key = f"settings-test-{uuid.uuid4()}"
    cache.set(key, "ok", 30)
    assert cache.get(key) == "ok"
    cache.delete(key)
    if os.environ.get("REDIS_URL", "").strip():
        assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
        assert settings.CELERY_BROKER_URL.startswith("redis://")
        assert settings.CELERY_TASK_ALWAYS_EAGER is False
    else:
        assert settings.CELERY_TASK_ALWAYS_EAGER is True


def test_german_is_the_default_language():
    assert settings.LANGUAGE_CODE == "de"
    assert [code for code, _name in settings.LANGUAGES] == ["de", "en"]


def _check(env_overrides: dict, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DEBUG", "SECRET_KEY", "LEITSTAND_"))}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_check_is_clean_with_production_settings(tmp_path):
    result = _check(
        {
            "LEITSTAND_PRODUCTION": "true",
            "SECRET_KEY": "x" * 20 + uuid.uuid4().hex + uuid.uuid4().hex,
            "ALLOWED_HOSTS": "leitstand.example.org",
            "LEITSTAND_VAR_DIR": str(tmp_path),
        },
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_secret_key(tmp_path):
    result = _check({"LEITSTAND_PRODUCTION": "true", "LEITSTAND_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_debug(tmp_path):
    result = _check(
        {"LEITSTAND_PRODUCTION": "true", "DEBUG": "true", "SECRET_KEY": "y" * 60, "LEITSTAND_VAR_DIR": str(tmp_path)}
    )
    assert result.returncode != 0
    assert "DEBUG must not be enabled" in result.stderr


def test_development_generates_and_keeps_a_secret_key(tmp_path):
    first = _check({"LEITSTAND_VAR_DIR": str(tmp_path)})
    assert first.returncode == 0, first.stderr
    key_file = tmp_path / "secret_key"
    key = key_file.read_text()
    assert len(key) >= 50
    assert key_file.stat().st_mode & 0o077 == 0  # readable by the owner only
    second = _check({"LEITSTAND_VAR_DIR": str(tmp_path)})
    assert second.returncode == 0
    assert key_file.read_text() == key


def test_secret_key_file_is_git_ignored():
    result = subprocess.run(
        ["git", "check-ignore", "-q", "var/secret_key"], cwd=BASE_DIR, capture_output=True, timeout=30
    )
    assert result.returncode == 0


def test_file_e_mail_backend_takes_an_absolute_path(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DEBUG", "SECRET_KEY", "LEITSTAND_"))}
    env["EMAIL_URL"] = f"filemail://{tmp_path}"
    result = subprocess.run(
        [sys.executable, "-c", "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings'); "
         "django.setup(); from django.conf import settings; print(settings.EMAIL_FILE_PATH)"],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.stdout.strip() == str(tmp_path), result.stderr


REDIS_FOR_SETTINGS = os.environ.get("REDIS_URL", "").strip() or "redis://127.0.0.1:6379/7"


def _layer_round_trip(env_overrides: dict, tmp_path) -> subprocess.CompletedProcess:
    """In a fresh process with these settings: which layer class, and does a message arrive."""
    script = (
        "import django, os; django.setup()\n"
        "from asgiref.sync import async_to_sync\n"
        "from channels.layers import get_channel_layer\n"
        "async def trip():\n"
        "    layer = get_channel_layer()\n"
        "    channel = await layer.new_channel()\n"
        "    await layer.send(channel, {'type': 'test.ping', 'value': 7})\n"
        "    print(type(layer).__name__, (await layer.receive(channel))['value'])\n"
        "async_to_sync(trip)()\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DEBUG", "SECRET_KEY", "LEITSTAND_"))}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings", "LEITSTAND_VAR_DIR": str(tmp_path),
                "REDIS_URL": REDIS_FOR_SETTINGS, "CHANNEL_LAYER_PREFIX": f"settings-{uuid.uuid4().hex[:8]}", **env_overrides})
    return subprocess.run([sys.executable, "-c", script], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60)


def test_channel_layer_backend_chooses_between_the_two_redis_layers(tmp_path):
    default = _layer_round_trip({}, tmp_path)
    assert default.stdout.strip() == "OutageAwarePubSubChannelLayer 7", default.stderr
    listed = _layer_round_trip({"CHANNEL_LAYER_BACKEND": "redis"}, tmp_path)
    assert listed.stdout.strip() == "RedisChannelLayer 7", listed.stderr
    pubsub = _layer_round_trip({"CHANNEL_LAYER_BACKEND": "redis-pubsub"}, tmp_path)
    assert pubsub.stdout.strip() == "OutageAwarePubSubChannelLayer 7", pubsub.stderr
    wrong = _check({"REDIS_URL": REDIS_FOR_SETTINGS, "CHANNEL_LAYER_BACKEND": "memcached", "LEITSTAND_VAR_DIR": str(tmp_path)})
    assert wrong.returncode != 0
    assert "CHANNEL_LAYER_BACKEND must be redis or redis-pubsub, not 'memcached'" in wrong.stderr


def test_the_channel_layer_prefix_names_the_redis_database(tmp_path):
    """Pub/Sub channels are server-wide: installations on different Redis databases of one server
    must not hear each other's groups, so the default prefix carries the database number."""
    script = "import django; django.setup()\nfrom django.conf import settings\nprint(settings.CHANNEL_LAYERS['default']['CONFIG']['prefix'])\n"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DEBUG", "SECRET_KEY", "LEITSTAND_", "CHANNEL_LAYER"))}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings", "LEITSTAND_VAR_DIR": str(tmp_path)})

    def prefix(**extra):
        run = subprocess.run([sys.executable, "-c", script], cwd=BASE_DIR, env={**env, **extra}, capture_output=True, text=True, timeout=60)
        assert run.returncode == 0, run.stderr
        return run.stdout.strip()

    assert prefix(REDIS_URL="redis://127.0.0.1:6379/7") == "leitstand7"
    assert prefix(REDIS_URL="redis://127.0.0.1:6379/7", CHANNEL_LAYER_BACKEND="redis") == "leitstand7"
    assert prefix(REDIS_URL="redis://127.0.0.1:6379") == "leitstand0"
    assert prefix(REDIS_URL="redis://127.0.0.1:6379/7", CHANNEL_LAYER_PREFIX="desk-a") == "desk-a"


def test_postgresql_connections_come_from_a_pool_unless_switched_off():
    from django.conf import settings as django_settings

    options = django_settings.DATABASES["default"].get("OPTIONS", {})
    if django_settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        assert options["pool"] == {"min_size": 2, "max_size": 20, "timeout": 10.0}
        assert django_settings.DATABASES["default"].get("CONN_MAX_AGE", 0) == 0
    else:
        assert "pool" not in options
