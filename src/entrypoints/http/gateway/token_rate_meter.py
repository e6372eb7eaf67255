"""Per-token request and token counts in a Litestar store (in memory, or Redis when shared):
the store the HTTP rate limits use, so every worker and instance counts against one budget."""

from __future__ import annotations

import asyncio
import math
from uuid import UUID

import msgspec
from litestar.stores.base import Store

from domain.ports import Clock, TokenRateMeter
from domain.token_rate import WINDOW_S, TokenRateLimits, TokenRateUse, over
from entrypoints.http.shared_store import is_redis_store

# Check and count in one step on the Redis server: two instances admitting at once can never
# both take the last request of a minute. KEYS: requests, tokens. ARGV: tokens, rpm, tpm
# (-1: none), ttl. Returns {admitted (1/0), requests, tokens}.
_ADMIT = b"""
local r = tonumber(redis.call('GET', KEYS[1]) or '0')
local t = tonumber(redis.call('GET', KEYS[2]) or '0')
local cost, rpm, tpm = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
if (rpm >= 0 and r + 1 > rpm) or (tpm >= 0 and t + cost > tpm) then
  return {0, r, t}
end
r = redis.call('INCRBY', KEYS[1], 1)
t = redis.call('INCRBY', KEYS[2], cost)
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('EXPIRE', KEYS[2], ARGV[4])
return {1, r, t}
"""


class _Counts(msgspec.Struct):
    requests: int
    tokens: int


class StoreTokenRateMeter(TokenRateMeter):
    """- fixed one-minute windows (the UTC minute of the clock); counts expire after two;
    - a refused call counts nothing, so a client retrying after ``Retry-After`` is not held back
      by its own refusals;
    - token ids appear in store keys only (never in metrics or logs)."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock
        self._lock = asyncio.Lock()
        self._script = store._redis.register_script(_ADMIT) if is_redis_store(store) else None

    async def admit(
        self, token_id: UUID, tokens: int, limits: TokenRateLimits
    ) -> tuple[str | None, TokenRateUse]:
        now = self._clock.now().timestamp()
        window = math.floor(now / WINDOW_S)
        reset_s = (window + 1) * WINDOW_S - now
        key = f"token-rate:{token_id}:{window}"
        if self._script is not None and is_redis_store(self._store):
            keys = [self._store._make_key(key + ":r"), self._store._make_key(key + ":t")]
            args = [tokens, _or_minus_one(limits.rpm), _or_minus_one(limits.tpm), 2 * WINDOW_S]
            admitted, requests, used = await self._script(keys=keys, args=args)
            refused = None if admitted else over(limits, requests + 1, used + tokens)
            return refused, TokenRateUse(limits, int(requests), int(used), reset_s)
        async with self._lock:  # one process: the lock makes read-check-write one step
            raw = await self._store.get(key)
            counts = _Counts(0, 0) if raw is None else msgspec.json.decode(raw, type=_Counts)
            refused = over(limits, counts.requests + 1, counts.tokens + tokens)
            if refused is None:
                counts = _Counts(counts.requests + 1, counts.tokens + tokens)
                value = msgspec.json.encode(counts)
                await self._store.set(key, value, expires_in=2 * WINDOW_S)
        return refused, TokenRateUse(limits, counts.requests, counts.tokens, reset_s)


def _or_minus_one(limit: int | None) -> int:
    return -1 if limit is None else limit
