"""Failed-login counters per account and client address in a Litestar store (in memory, or
Redis when shared): the same store the HTTP rate limits use, so it lives with the framework,
not among the adapters."""

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
    """- counted per account AND client address: an attacker failing from their address slows
      that address only, so the owner logging in from anywhere else is never refused (before,
      five failures from anyone refused the owner's correct password too);
    - the first ``free_attempts`` failures cost nothing; after that each failure doubles that
      address's wait (1 s, 2 s, 4 s … up to ``max_delay_s``) for that account;
    - counters forget after ``window_s`` without failures, and a success clears them;
    - accounts and addresses are stored as one SHA-256 digest: the store holds neither."""

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

    async def retry_after(self, account: str, address: str) -> int | None:
        failures = await self._read(account, address)
        if failures is None or failures.count < self._free:
            return None
        delay = min(self._max_delay, 2 ** (failures.count - self._free))
        wait = failures.last + delay - self._clock.now().timestamp()
        return max(1, round(wait)) if wait > 0 else None

    async def failed(self, account: str, address: str) -> None:
        # Read-modify-write: serialised in this process so parallel guesses all count. Across
        # instances (Redis) a lost increment only delays the slow-down by one attempt.
        async with self._lock:
            failures = await self._read(account, address)
            count = 1 if failures is None else failures.count + 1
            value = msgspec.json.encode(_Failures(count, self._clock.now().timestamp()))
            await self._store.set(self._key(account, address), value, expires_in=self._window)

    async def succeeded(self, account: str, address: str) -> None:
        await self._store.delete(self._key(account, address))

    async def _read(self, account: str, address: str) -> _Failures | None:
        raw = await self._store.get(self._key(account, address))
        return None if raw is None else msgspec.json.decode(raw, type=_Failures)

    @staticmethod
    def _key(account: str, address: str) -> str:
        digest = hashlib.sha256(f"{account}\n{address}".encode()).hexdigest()
        return "login-failures:" + digest
