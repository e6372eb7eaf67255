"""Failed-login counters per account in a Litestar store (in memory, or Redis when shared): the
same store the HTTP rate limits use, so it lives with the framework, not among the adapters."""

from __future__ import annotations

import asyncio
import hashlib

import msgspec
from litestar.stores.base import Store

from domain.ports import Clock, LoginThrottle


class _Failures(msgspec.Struct):
    count: int
    last: float


class StoreLoginThrottle(LoginThrottle):
    """- the first ``free_attempts`` failures cost nothing;
    - after that each failure doubles the wait (1 s, 2 s, 4 s … up to ``max_delay_s``), so a
      guesser slows to a crawl while the owner is never locked out for good;
    - counters forget after ``window_s`` without failures, and a success clears them;
    - accounts are stored as SHA-256 digests: the store never holds an email address."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        *,
        free_attempts: int = 5,
        max_delay_s: int = 300,
        window_s: int = 900,
    ) -> None:
        self._store = store
        self._clock = clock
        self._free = free_attempts
        self._max_delay = max_delay_s
        self._window = window_s
        self._lock = asyncio.Lock()

    async def retry_after(self, account: str) -> int | None:
        failures = await self._read(account)
        if failures is None or failures.count < self._free:
            return None
        delay = min(self._max_delay, 2 ** (failures.count - self._free))
        wait = failures.last + delay - self._clock.now().timestamp()
        return max(1, round(wait)) if wait > 0 else None

    async def failed(self, account: str) -> None:
        # Read-modify-write: serialised in this process so parallel guesses all count. Across
        # instances (Redis) a lost increment only delays the slow-down by one attempt.
        async with self._lock:
            failures = await self._read(account)
            count = 1 if failures is None else failures.count + 1
            value = msgspec.json.encode(_Failures(count, self._clock.now().timestamp()))
            await self._store.set(self._key(account), value, expires_in=self._window)

    async def succeeded(self, account: str) -> None:
        await self._store.delete(self._key(account))

    async def _read(self, account: str) -> _Failures | None:
        raw = await self._store.get(self._key(account))
        return None if raw is None else msgspec.json.decode(raw, type=_Failures)

    @staticmethod
    def _key(account: str) -> str:
        return "login-failures:" + hashlib.sha256(account.encode()).hexdigest()
