"""``KeyCanaryStore`` in memory (shared through ``MemoryDatabase.key_canaries``)."""

from __future__ import annotations

from domain.ports import KeyCanaryStore
from domain.sealing import WrappedKey


class MemoryKeyCanaryStore(KeyCanaryStore):
    def __init__(self, canaries: dict[str, WrappedKey]) -> None:
        self._canaries = canaries

    async def get(self, kek_id: str) -> WrappedKey | None:
        return self._canaries.get(kek_id)

    async def add(self, canary: WrappedKey) -> None:
        self._canaries.setdefault(canary.kek_id, canary)
