"""A short-lived cache of unwrapped data keys in front of a remote ``KeyWrapper`` (a KMS), so the
hot path (every provider call opens its user's API key) does not wait on one KMS call each time.

- bounded: at most ``max_entries``, the oldest dropped first;
- short: an entry lives ``ttl_s`` from when it was unwrapped (a hit does not extend it), so a key
  KMS would now refuse (disabled, access revoked) stops opening within ``ttl_s``;
- dropped secrets are overwritten in place (best effort in Python: the copies handed to callers
  are theirs), and nothing here prints a key: ``repr`` shows a count;
- keyed by (master key id, wrapped bytes, owner): a wrapped data key never changes, so no entry
  can go stale; a rotated or destroyed data key is simply never asked for again.

Local keyrings are not cached: unwrapping with AES-GCM costs microseconds (aes_gcm.py).
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime, timedelta
from uuid import UUID

from domain.ports import Clock, KeyWrapper
from domain.sealing import WrappedKey

DEFAULT_TTL_S = 300
DEFAULT_MAX_ENTRIES = 1024

_Key = tuple[str, bytes, UUID]


class CachingKeyWrapper(KeyWrapper):
    """``KeyWrapper`` that remembers unwraps (and fresh wraps) of ``inner`` for a short while."""

    __slots__ = ("_clock", "_entries", "_inner", "_max_entries", "_ttl")

    def __init__(
        self,
        inner: KeyWrapper,
        clock: Clock,
        *,
        ttl_s: float = DEFAULT_TTL_S,
        max_entries: int = DEFAULT_MAX_ENTRIES,
    ) -> None:
        if max_entries < 1 or ttl_s <= 0:
            raise ValueError("the unwrap cache needs a positive size and lifetime")
        self._inner = inner
        self._clock = clock
        self._ttl = timedelta(seconds=ttl_s)
        self._max_entries = max_entries
        self._entries: OrderedDict[_Key, tuple[bytearray, datetime]] = OrderedDict()

    @property
    def primary_key_id(self) -> str:
        return self._inner.primary_key_id

    def key_ids(self) -> tuple[str, ...]:
        return self._inner.key_ids()

    @property
    def inner(self) -> KeyWrapper:
        return self._inner

    async def wrap(self, dek: bytes, user_id: UUID) -> WrappedKey:
        wrapped = await self._inner.wrap(dek, user_id)
        # A new data key is opened right after it is made (to seal the first API key).
        self._put(_key_of(wrapped, user_id), dek)
        return wrapped

    async def unwrap(self, wrapped: WrappedKey, user_id: UUID) -> bytes:
        key = _key_of(wrapped, user_id)
        self._drop_expired()
        entry = self._entries.get(key)
        if entry is not None:
            if self._fresh(entry[1]):
                return bytes(entry[0])
            self._forget(key)  # stored under a clock that has since gone back
        dek = await self._inner.unwrap(wrapped, user_id)
        self._put(key, dek)
        return dek

    def __len__(self) -> int:
        self._drop_expired()
        return len(self._entries)

    def clear(self) -> None:
        while self._entries:
            self._forget(next(iter(self._entries)))

    def __repr__(self) -> str:
        return f"CachingKeyWrapper({self._inner!r}, entries={len(self._entries)})"

    def _put(self, key: _Key, dek: bytes) -> None:
        self._drop_expired()
        if key in self._entries:
            self._forget(key)
        while len(self._entries) >= self._max_entries:
            self._forget(next(iter(self._entries)))
        self._entries[key] = (bytearray(dek), self._clock.now())

    def _drop_expired(self) -> None:
        # Entries are kept in the order they were stored, so the expired ones are at the front.
        # A clock that went back makes everything stored "later" than now expire as well.
        while self._entries:
            key, (_, stored) = next(iter(self._entries.items()))
            if self._fresh(stored):
                break
            self._forget(key)

    def _fresh(self, stored: datetime) -> bool:
        return stored <= self._clock.now() < stored + self._ttl

    def _forget(self, key: _Key) -> None:
        secret, _ = self._entries.pop(key)
        secret[:] = bytes(len(secret))


def _key_of(wrapped: WrappedKey, user_id: UUID) -> _Key:
    return (wrapped.kek_id, bytes(wrapped.ciphertext), user_id)
