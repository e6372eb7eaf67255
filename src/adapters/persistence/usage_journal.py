"""The usage journal over any unit of work: the in-memory stores, SQLite (one writer at a time:
its rows go through the SQLAlchemy stores), a test's own unit of work."""

from __future__ import annotations

import asyncio
from abc import abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from adapters.persistence.errors import StoreUnavailable
from adapters.persistence.group_commit import MAX_BATCH, MAX_WAITING, GroupCommit
from domain.budget import Settlement
from domain.ports import UnitOfWorkFactory, UsageJournal
from domain.usage import UsageRecord


@dataclass(frozen=True, slots=True)
class Entry:
    record: UsageRecord
    settlement: Settlement | None


def written_alone(error: Exception) -> bool:
    """Whether a failed batch is worth writing again item by item: not when the store is down
    (each item would wait out the same timeout)."""
    return not isinstance(error, StoreUnavailable)


class BatchedUsageJournal(UsageJournal):
    """Concurrent writes share one batch (``GroupCommit``: bounded; ``write`` awaits its row's
    commit, ``queue`` hands back its future); ``_write`` stores a batch in one transaction."""

    def __init__(self, *, max_batch: int = MAX_BATCH, max_waiting: int = MAX_WAITING) -> None:
        self._batches = GroupCommit(
            self._write, max_batch=max_batch, max_waiting=max_waiting, alone=written_alone
        )

    async def write(self, record: UsageRecord, settlement: Settlement | None = None) -> None:
        await self._batches.submit(Entry(record, settlement))

    async def queue(
        self,
        record: UsageRecord,
        settlement: Settlement | None = None,
        *,
        on_done: Callable[[asyncio.Future[None]], object] | None = None,
    ) -> asyncio.Future[None]:
        return await self._batches.queue(Entry(record, settlement), on_done=on_done)

    async def aclose(self) -> None:
        await self._batches.aclose()

    @abstractmethod
    async def _write(self, entries: Sequence[Entry]) -> None: ...


class UnitOfWorkUsageJournal(BatchedUsageJournal):
    """Its rows in one ``usage.add_many``, each settlement by ``spend.settle``, one commit."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        *,
        max_batch: int = MAX_BATCH,
        max_waiting: int = MAX_WAITING,
    ) -> None:
        super().__init__(max_batch=max_batch, max_waiting=max_waiting)
        self._uow = uow

    async def _write(self, entries: Sequence[Entry]) -> None:
        async with self._uow() as uow:
            await uow.usage.add_many([entry.record for entry in entries])
            for entry in entries:
                if entry.settlement is not None:
                    await uow.spend.settle(entry.settlement.hold, entry.settlement.spent)
            await uow.commit()
