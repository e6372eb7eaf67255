"""Request counts in fixed windows, for the rate limits (limits.py): in this process when the
app's ``rate_limit`` store is a MemoryStore, in Redis (shared by every instance) when it is a
RedisStore.

A subject's window opens at its first request and lasts ``window_s``; every request in it is
counted, refused ones too. A request is admitted while the count is at most the limit, so
counting refusals changes no answer (the window's end stays where it was) and lets Redis count
in one atomic step: two instances can never both take the last request of a window. Litestar's
RateLimitMiddleware, which this replaces, kept a JSON list of every request's time in the
window (decoded and encoded again on each request: its cost grew with the limit) and read then
wrote it in two steps."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from litestar.stores.base import Store

from entrypoints.http.shared_store import is_redis_store

if TYPE_CHECKING:
    from litestar.stores.redis import RedisStore

# KEYS: the counter. ARGV: the window's length (s). Returns {count, seconds until it ends}.
_COUNT = b"""
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('TTL', KEYS[1])
if n == 1 or ttl < 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl}
"""
_SWEEP_AT_LEAST = 4096


class RateWindows:
    """Counts a request in its subject's window: ``(count, whole seconds until it ends)``."""

    async def count(self, key: str, window_s: int) -> tuple[int, int]:
        raise NotImplementedError


class MemoryRateWindows(RateWindows):
    """One process's windows (each worker counts on its own, as with a MemoryStore). Ended
    windows are dropped when the table has doubled since the last sweep: the table stays
    within about twice the subjects seen in one window."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._windows: dict[str, list[int]] = {}  # key -> [ends at (epoch s), count]
        self._sweep_at = _SWEEP_AT_LEAST

    async def count(self, key: str, window_s: int) -> tuple[int, int]:
        now = int(self._clock())
        window = self._windows.get(key)
        if window is None or window[0] <= now:
            if window is None and len(self._windows) >= self._sweep_at:
                self._sweep(now)
            window = self._windows[key] = [now + window_s, 0]
        window[1] += 1
        return window[1], window[0] - now

    def __len__(self) -> int:
        return len(self._windows)

    def _sweep(self, now: int) -> None:
        self._windows = {k: w for k, w in self._windows.items() if w[0] > now}
        self._sweep_at = max(_SWEEP_AT_LEAST, 2 * len(self._windows))


class RedisRateWindows(RateWindows):
    def __init__(self, store: RedisStore) -> None:
        self._store = store
        self._script = store._redis.register_script(_COUNT)

    async def count(self, key: str, window_s: int) -> tuple[int, int]:
        found: list[Any] = await self._script(keys=[self._store._make_key(key)], args=[window_s])
        return int(found[0]), int(found[1])


def rate_windows_for(store: Store) -> RateWindows:
    return RedisRateWindows(store) if is_redis_store(store) else MemoryRateWindows()
