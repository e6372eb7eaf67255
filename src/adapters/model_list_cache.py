"""Live model lists, kept in this process for a short time.

Per process on purpose: a list is cheap to fetch again (one provider call, refreshed whenever a
key is validated), and keeping it out of a shared store keeps one more copy of what a user's key
reaches off the network. Bounded: the least recently used credential's list goes first.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from domain.model_list import ModelListKey
from domain.ports import Clock, ModelListCache


@dataclass(frozen=True, slots=True)
class _Entry:
    key_version: str
    models: tuple[str, ...]
    stored_at: datetime


class InMemoryModelListCache(ModelListCache):
    """``ModelListCache`` in an ordered dict: one entry per credential (a new key version
    replaces the old one's), at most ``max_entries``, each good for ``ttl_s`` seconds."""

    def __init__(self, clock: Clock, *, ttl_s: float, max_entries: int = 10_000) -> None:
        if ttl_s <= 0 or max_entries < 1:
            raise ValueError("ttl_s must be positive and max_entries at least 1")
        self._clock = clock
        self._ttl = timedelta(seconds=ttl_s)
        self._max = max_entries
        self._entries: OrderedDict[UUID, _Entry] = OrderedDict()

    async def get(self, key: ModelListKey) -> tuple[str, ...] | None:
        entry = self._entries.get(key.credential_id)
        if entry is None or entry.key_version != key.key_version:
            return None
        if self._clock.now() - entry.stored_at >= self._ttl:
            del self._entries[key.credential_id]
            return None
        self._entries.move_to_end(key.credential_id)
        return entry.models

    async def put(self, key: ModelListKey, models: tuple[str, ...]) -> None:
        self._entries[key.credential_id] = _Entry(key.key_version, models, self._clock.now())
        self._entries.move_to_end(key.credential_id)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)

    async def discard(self, credential_id: UUID) -> None:
        self._entries.pop(credential_id, None)

    def __len__(self) -> int:
        return len(self._entries)
