"""Start real ASGI server processes for integration and browser tests (loopback only)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path

from django.db import connection

BASE_DIR = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url_for_subprocess() -> str:
    """A DATABASE_URL pointing at the database the tests use right now (the test database)."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    if connection.vendor == "postgresql":
        auth = settings["USER"] or ""
        if settings["PASSWORD"]:
            auth += f":{settings['PASSWORD']}"
        host = f"{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}"
        return f"postgres://{auth}@{host}/{settings['NAME']}"
    raise NotImplementedError(connection.vendor)


class _Process:
    """A Leitstand process started for a test: its environment, its log file, a bounded stop."""

    stop_timeout = 10.0

    def __init__(self, *, database_url: str, log_name: str, extra_env: dict | None = None):
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": database_url,
            "PYTHONUNBUFFERED": "1",
            **(extra_env or {}),
        }
        self.env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        self.log_path = BASE_DIR / "var" / log_name
        self.process: subprocess.Popen | None = None

    def _spawn(self, command: list[str]) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(command, cwd=BASE_DIR, env=self.env, stdout=self._log, stderr=subprocess.STDOUT)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=self.stop_timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        if getattr(self, "_log", None):
            self._log.close()

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-5000:]
        except FileNotFoundError:
            return ""


class AsgiServer(_Process):
    """One daphne process on 127.0.0.1; stops within a bounded time."""

    def __init__(self, *, database_url: str, port: int | None = None, extra_env: dict | None = None,
                 daphne_args: list[str] | None = None):
        self.port = port or free_port()
        self.daphne_args = list(daphne_args or [])
        self.url = f"http://127.0.0.1:{self.port}"
        env = {"LEITSTAND_FAST_PASSWORD_HASHER": "true", "SERVE_STATIC": "true", **(extra_env or {})}
        super().__init__(database_url=database_url, log_name=f"server-{self.port}.log", extra_env=env)

    def start(self, timeout: float = 30.0) -> None:
        self._spawn([sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port), *self.daphne_args,
                     "config.asgi:application"])
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(f"{self.url}/health/", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server did not answer within {timeout} s:\n{self.log()}")


class CeleryWorker(_Process):
    """A real Celery worker process (solo pool) for tests that need the broker round trip."""

    stop_timeout = 15.0

    def __init__(self, *, database_url: str, extra_env: dict | None = None):
        super().__init__(database_url=database_url, log_name="celery-worker.log", extra_env=extra_env)

    def start(self) -> None:
        self._spawn([sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "--loglevel", "INFO",
                     "--without-gossip", "--without-mingle", "--without-heartbeat"])


def wait_for(condition, *, timeout: float = 20.0, interval: float = 0.2, message: str = "condition"):
    """Poll a condition (a file appearing, a worker's result) with a bounded time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {message}")


def _var_dir() -> Path:
    """The var directory of this run (LEITSTAND_VAR_DIR, as the settings read it)."""
    return Path(os.environ.get("LEITSTAND_VAR_DIR", "").strip() or BASE_DIR / "var")


class RedisServer:
    """A redis-server of the test's own on a free 127.0.0.1 port, without persistence (``--save ""
    --appendonly no``): a restart loses every key, group and queue, like a Redis that crashed.

    ``stop()`` and ``start()`` may alternate any number of times; the port stays the same, so the
    servers' REDIS_URL stays valid across an outage. Both are bounded in time.
    """

    binary = "/usr/bin/redis-server"

    def __init__(self, *, port: int | None = None):
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.dir = _var_dir() / f"redis-{self.port}"
        self.log_path = self.dir / "redis.log"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 10.0) -> None:
        if self.running():
            return
        if not Path(self.binary).exists():
            raise RuntimeError(f"{self.binary} is missing: apt-get install redis-server")
        self.dir.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.dir), "--logfile", str(self.log_path), "--daemonize", "no",
             "--protected-mode", "yes", "--databases", "4"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        def answering() -> bool:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.process.returncode}:\n{self.log()}")
            return self.ping()

        try:
            wait_for(answering, timeout=timeout, interval=0.05, message="redis-server to answer PING")
        except AssertionError:
            self.stop()
            raise RuntimeError(f"redis-server did not answer PING within {timeout} s:\n{self.log()}") from None

    def stop(self, *, kill: bool = False, timeout: float = 5.0) -> None:
        """Stop it (SIGTERM, or SIGKILL with ``kill=True``: no goodbye to its clients); bounded."""
        if self.process is None or self.process.poll() is not None:
            return
        if kill:
            self.process.kill()
        else:
            self.process.terminate()
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def ping(self, timeout: float = 0.5) -> bool:
        """PING over a raw socket (no client library, no pool, nothing left open)."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-3000:]
        except FileNotFoundError:
            return ""


@contextmanager
def servers_on_own_redis(count: int = 2, *, extra_env: dict | None = None):
    """A RedisServer of the test's own and ``count`` AsgiServers using it (REDIS_URL, a channel
    prefix of their own); everything stopped afterwards. Yields (redis, [servers])."""
    redis = RedisServer()
    redis.start()
    env = {"REDIS_URL": redis.url, "CHANNEL_LAYER_PREFIX": f"leitstand-test-{uuid.uuid4().hex[:8]}", **(extra_env or {})}
    servers = [AsgiServer(database_url=database_url_for_subprocess(), extra_env=env) for _ in range(count)]
    try:
        for server in servers:
            server.start()
        yield redis, servers
    finally:
        for server in servers:
            server.stop()
        redis.stop()
