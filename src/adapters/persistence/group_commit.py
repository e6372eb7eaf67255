"""Group commit: writers that arrive together share one transaction, and each still waits for
its own item to be committed (nothing is held only in memory once its writer was answered)."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")

logger = logging.getLogger(__name__)

MAX_BATCH = 256
MAX_WAITING = 1024


def _always(_error: Exception) -> bool:
    return True


class GroupCommit(Generic[T]):
    """- ``submit`` queues an item and returns once ``write`` committed it, or raises what
      ``write`` raised (nothing of that batch was stored); ``queue`` returns once the item is
      queued, with the future of its write;
    - one write at a time: items that arrive while one is under way go together in the next,
      at most ``max_batch`` of them: under load a transaction carries many rows, alone an item
      is written at once (no timer, no added latency);
    - at most ``max_waiting`` items are queued or being written; past it, ``submit`` and
      ``queue`` wait for room (backpressure, not memory growth);
    - a batch that failed on an error ``alone`` accepts (a row of its own: a user deleted
      meanwhile) is written again one item at a time, so one item fails only its own writer;
    - a writer cancelled after queueing its item does not take the item back: it is written;
    - ``aclose`` returns once the queue is empty and no write is under way."""

    def __init__(
        self,
        write: Callable[[Sequence[T]], Awaitable[None]],
        *,
        max_batch: int = MAX_BATCH,
        max_waiting: int = MAX_WAITING,
        alone: Callable[[Exception], bool] = _always,
    ) -> None:
        self._write = write
        self._max_batch = max_batch
        self._max_waiting = max_waiting
        self._alone = alone
        self._queue: deque[tuple[T, asyncio.Future[None]]] = deque()
        self._room: asyncio.Semaphore | None = None
        self._drain: asyncio.Task[None] | None = None

    @property
    def waiting(self) -> int:
        """Items queued and not yet taken into a write."""
        return len(self._queue)

    async def submit(self, item: T) -> None:
        # Shielded: a cancelled writer leaves its item queued, and its write still happens.
        await asyncio.shield(await self.queue(item))

    async def queue(self, item: T) -> asyncio.Future[None]:
        """Queues ``item`` (past ``max_waiting``, once there is room) and returns its write's
        future: done once committed, or failed with what ``write`` raised. The item is
        written whether or not the future is awaited; it counts against ``max_waiting`` until
        then. Await it shielded: cancelling it would give back its room early."""
        if self._room is None:
            self._room = asyncio.Semaphore(self._max_waiting)
        await self._room.acquire()
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        future.add_done_callback(self._room_back)
        self._queue.append((item, future))
        if self._drain is None:
            self._drain = asyncio.create_task(self._drain_queue())
        return future

    async def aclose(self) -> None:
        while self._drain is not None:
            await asyncio.shield(self._drain)

    def _room_back(self, _future: asyncio.Future[None]) -> None:
        if self._room is not None:
            self._room.release()

    async def _drain_queue(self) -> None:
        batch: list[tuple[T, asyncio.Future[None]]] = []
        try:
            while self._queue:
                size = min(len(self._queue), self._max_batch)
                batch = [self._queue.popleft() for _ in range(size)]
                await self._commit(batch)
                batch = []
        finally:
            self._drain = None
            # Only when this task was cancelled (loop teardown, a stop that skipped aclose):
            # whoever queued them may have answered already, so the loss is said here.
            lost = sum(future.cancelled() for _, future in batch) + len(self._queue)
            for _, future in self._queue:
                future.cancel()
            self._queue.clear()
            if lost:
                logger.error("%d writes were not made: their writer was cancelled", lost)

    async def _commit(self, batch: list[tuple[T, asyncio.Future[None]]]) -> None:
        try:
            await self._write([item for item, _ in batch])
        except Exception as error:
            if len(batch) > 1 and self._alone(error):
                for one in batch:
                    await self._commit([one])
                return
            for _, future in batch:
                _fail(future, error)
        except BaseException:
            for _, future in batch:
                future.cancel()
            raise
        else:
            for _, future in batch:
                if not future.done():
                    future.set_result(None)


def _fail(future: asyncio.Future[None], error: Exception) -> None:
    if not future.done():
        future.set_exception(error)
        # Marked as seen: a writer cancelled meanwhile never reads it, and asyncio would
        # otherwise log it as never retrieved.
        future.exception()
