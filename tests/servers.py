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
    """A port free right now. Only for what cannot take a bound socket (redis-server, a port meant
    to refuse): a port is free only until someone binds it, and CI runs two test passes at once."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def refusing_port():
    """A port on which every connection is refused for as long as the block runs: bound by us,
    never listened on (no other process can take it meanwhile)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def listening_socket(port: int = 0) -> socket.socket:
    """A socket listening on 127.0.0.1 (a free port, or ``port``), to hand to a server process:
    the port is ours from the moment it is chosen, so no other process (the other CI pass starts
    servers at the same time) can take it between choosing and binding."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


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
            # Cache keys of its own (throttle counters, cached values), unless the test groups
            # processes into one deployment (``redis_namespace``): the Redis of a CI pass outlives
            # its tests, and a counter an earlier test or run left would decide this one.
            "CACHE_KEY_PREFIX": f"leitstand-test-{uuid.uuid4().hex[:8]}",
            **(extra_env or {}),
        }
        self.env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        self.log_path = BASE_DIR / "var" / log_name
        self.process: subprocess.Popen | None = None

    def _spawn(self, command: list[str], pass_fds: tuple[int, ...] = ()) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(command, cwd=BASE_DIR, env=self.env, stdout=self._log, stderr=subprocess.STDOUT,
                                        pass_fds=pass_fds)

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
    """One daphne process on 127.0.0.1; stops within a bounded time.

    The test binds the listening socket and daphne adopts it (``--fd``): a port chosen first and
    bound later by daphne could be taken in between by a server of the other CI pass, whose
    ``/health/`` would then answer for ours (seen once: a socket refused by a server on another
    database). ``port`` binds a given port again (a restart on the same address)."""

    def __init__(self, *, database_url: str, port: int | None = None, extra_env: dict | None = None,
                 daphne_args: list[str] | None = None):
        self._listener = listening_socket(port or 0)
        self.port = self._listener.getsockname()[1]
        self.daphne_args = list(daphne_args or [])
        self.url = f"http://127.0.0.1:{self.port}"
        env = {"LEITSTAND_FAST_PASSWORD_HASHER": "true", "SERVE_STATIC": "true", **(extra_env or {})}
        super().__init__(database_url=database_url, log_name=f"server-{self.port}.log", extra_env=env)

    def start(self, timeout: float = 30.0) -> None:
        if self._listener is None:
            self._listener = listening_socket(self.port)
        fd = self._listener.fileno()
        self._spawn([sys.executable, "-m", "daphne", "--fd", str(fd), *self.daphne_args, "config.asgi:application"],
                    pass_fds=(fd,))
        # daphne holds the socket now; closing ours lets a stopped server refuse connections.
        self._listener.close()
        self._listener = None
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

    def stop(self) -> None:
        super().stop()
        if self._listener is not None:  # made but never started
            self._listener.close()
            self._listener = None


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


class _PortTaken(Exception):
    """redis-server found its port bound by another process."""


class RedisServer:
    """A redis-server of the test's own on a free 127.0.0.1 port, without persistence (``--save ""
    --appendonly no``): a restart loses every key, group and queue, like a Redis that crashed.

    ``stop()`` and ``start()`` may alternate any number of times; the port stays the same, so the
    servers' REDIS_URL stays valid across an outage. Both are bounded in time.
    """

    binary = "/usr/bin/redis-server"

    def __init__(self, *, port: int | None = None):
        self._use_port(port or free_port())
        self.process: subprocess.Popen | None = None
        # A free port may be taken by another process before redis-server binds it: until the
        # first start succeeds, a port chosen here may be given up for another one.
        self._may_move = port is None

    def _use_port(self, port: int) -> None:
        self.port = port
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.dir = _var_dir() / f"redis-{self.port}"
        self.log_path = self.dir / "redis.log"

    def start(self, timeout: float = 10.0) -> None:
        for attempt in range(3):
            try:
                self._start(timeout)
                self._may_move = False
                return
            except _PortTaken:
                if not self._may_move or attempt == 2:
                    raise RuntimeError(f"redis-server could not bind port {self.port}:\n{self.log()}") from None
                self._use_port(free_port())

    def _start(self, timeout: float) -> None:
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
                if "Address already in use" in self.log():
                    raise _PortTaken()
                raise RuntimeError(f"redis-server exited with {self.process.returncode}:\n{self.log()}")
            return self.ping() and self._is_ours()

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

    def _is_ours(self) -> bool:
        """The Redis on our port is the one we started (redis-server binds the port itself, so
        another process's could have taken it first; then ours exits and this stays False)."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"INFO server\r\n")
                reply = b""
                for _ in range(100):  # a bulk string: "$<length>\r\n<body>\r\n"
                    chunk = sock.recv(65536)
                    if not chunk:
                        break
                    reply += chunk
                    header, _, body = reply.partition(b"\r\n")
                    if header.startswith(b"$") and len(body) >= int(header[1:]):
                        break
        except (OSError, ValueError):
            return False
        return f"process_id:{self.process.pid}\r\n".encode() in reply

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-3000:]
        except FileNotFoundError:
            return ""


def redis_namespace(redis_url: str) -> dict[str, str]:
    """The environment for processes that form one deployment on a Redis others use too (the
    machine's, in every CI pass): their groups and cache keys under a prefix of their own, so no
    earlier test's server (or an earlier run's) left anything they would read, such as cached
    webhook subscriptions computed before this test made its endpoint."""
    prefix = f"leitstand-test-{uuid.uuid4().hex[:8]}"
    return {"REDIS_URL": redis_url, "CHANNEL_LAYER_PREFIX": prefix, "CACHE_KEY_PREFIX": prefix}


@contextmanager
def servers_on_own_redis(count: int = 2, *, extra_env: dict | None = None):
    """A RedisServer of the test's own and ``count`` AsgiServers using it (REDIS_URL, a channel
    prefix of their own); everything stopped afterwards. Yields (redis, [servers])."""
    redis = RedisServer()
    redis.start()
    env = {**redis_namespace(redis.url), **(extra_env or {})}
    servers = [AsgiServer(database_url=database_url_for_subprocess(), extra_env=env) for _ in range(count)]
    try:
        for server in servers:
            server.start()
        yield redis, servers
    finally:
        for server in servers:
            server.stop()
        redis.stop()
