"""A value read from the database and kept in the shared cache until a writer says it changed.

Every server process (the ASGI processes, the Celery workers) reads the same cache (Redis; the
embedded default's in-process cache serves its one process). The value is stored under a version
number, and a writer who changed what it is computed from bumps that number after its commit
(``forget``): a reader that computed the value before the change stores it under the old version,
which nobody reads any more, so the cache never answers with a value older than the last committed
change. The version starts at the clock, not at 1: a version key the cache evicted never comes back
as a number that old values are still stored under. The timeout only covers rows written behind
the services' back (bulk loads, the shell).

With the cache away (Redis stopped), the value is computed from the database each time and a
warning logged: slower, never wrong.

``local_seconds``: a value asked for many times a second (by every chat message) is also kept in
the process for that long before the shared version is asked again (a Redis round trip per ask
cost a message more than the query it saves). A change made in this process forgets it at once;
one made in another process reaches this one within ``local_seconds``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from django.core.cache import cache

logger = logging.getLogger(__name__)

T = TypeVar("T")


class VersionedValue(Generic[T]):
    """``name``: the cache keys' stem; ``what``: for the log, e.g. "finished-ticket counts"."""

    def __init__(self, name: str, *, what: str, timeout: int = 600, local_seconds: float = 0) -> None:
        self.name = name
        self.what = what
        self.timeout = timeout
        self.version_key = f"{name}:version"
        self.local_seconds = local_seconds
        self._local: dict[str, tuple[float, object, T]] = {}  # part → (asked at, version, value)

    def get(self, compute: Callable[[], T], part: str = "") -> T:
        """The cached value (of ``part``, where one name holds several), computed when missing."""
        now = time.monotonic()
        local = self._local.get(part)
        if local is not None and now - local[0] < self.local_seconds:
            return local[2]
        try:
            version = cache.get_or_set(self.version_key, time.time_ns(), timeout=None)
            if local is not None and local[1] == version:
                self._local[part] = (now, version, local[2])
                return local[2]
            key = f"{self.name}:{version}:{part}"
            value = cache.get(key)
        except Exception as error:  # noqa: BLE001 - the cache's connection error, whatever its backend (Redis away)
            logger.warning("%s taken without the cache, it did not answer: %s", self.what, error)
            self._local.pop(part, None)
            return compute()
        if value is None:
            value = compute()
            try:
                cache.set(key, value, timeout=self.timeout)
            except Exception as error:  # noqa: BLE001 - as above: computed, just not kept
                logger.warning("%s not cached, the cache did not answer: %s", self.what, error)
        if self.local_seconds:
            self._local[part] = (now, version, value)
        return value

    def forget(self, *_args) -> None:
        """What the value is computed from changed (call after the commit): readers compute it anew."""
        self._local.clear()
        try:
            try:
                cache.incr(self.version_key)
            except ValueError:  # no version yet: nothing cached under one either
                cache.set(self.version_key, time.time_ns(), timeout=None)
        except Exception as error:  # noqa: BLE001 - Redis away: what it holds is older than the timeout soon
            logger.warning("%s not forgotten, the cache did not answer: %s", self.what, error)

    @property
    def version(self):
        """The current version (tests: that a change forgot the value)."""
        return cache.get(self.version_key)
