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
      ``queue`` wait for room, in their order (backpressure, not memory growth): their items
      wait beside the queue (``_overflow``), each taken in as an earlier one's write ends, so
      a writer cancelled while it waits still has its item written (a billed call's row);
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
        self._alone = alone
        self._queue: deque[tuple[T, asyncio.Future[None]]] = deque()
        self._room = max_waiting
        # Items past the bound, with the future their writer waits on to be let in.
        self._overflow: deque[tuple[T, asyncio.Future[None], asyncio.Future[None]]] = deque()
        self._drain: asyncio.Task[None] | None = None

    @property
    def waiting(self) -> int:
        """Items queued and not yet taken into a write."""
        return len(self._queue)

    async def submit(self, item: T) -> None:
        # Shielded: a cancelled writer leaves its item queued, and its write still happens.
        await asyncio.shield(await self.queue(item))

    async def queue(
        self, item: T, *, on_done: Callable[[asyncio.Future[None]], object] | None = None
    ) -> asyncio.Future[None]:
        """Queues ``item`` (past ``max_waiting``, once there is room) and returns its write's
        future: done once committed, or failed with what ``write`` raised. The item is
        written whether or not the future is awaited, and even if this call is cancelled
        while it waits for room (``on_done`` then still gets the future once it is done); it
        counts against ``max_waiting`` until then. Await it shielded: cancelling it would give
        back its room early."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        if on_done is not None:
            future.add_done_callback(on_done)
        if self._room and not self._overflow:
            # The hot path: room now, nothing to wait for (no task, no shield).
            self._room -= 1
            self._enqueue(item, future)
            return future
        let_in: asyncio.Future[None] = loop.create_future()
        self._overflow.append((item, future, let_in))
        # Cancelled here, only this wait ends: the item stays in line and is let in later.
        await let_in
        return future

    async def aclose(self) -> None:
        while self._drain is not None or self._overflow:
            if self._drain is None:
                # Items past the bound are let in by callbacks already scheduled.
                await asyncio.sleep(0)
            else:
                await asyncio.shield(self._drain)

    def _enqueue(self, item: T, future: asyncio.Future[None]) -> None:
        future.add_done_callback(self._room_back)
        self._queue.append((item, future))
        if self._drain is None:
            self._drain = asyncio.create_task(self._drain_queue())

    def _room_back(self, _future: asyncio.Future[None]) -> None:
        if not self._overflow:
            self._room += 1
            return
        item, future, let_in = self._overflow.popleft()
        self._enqueue(item, future)
        if not let_in.done():
            let_in.set_result(None)

    async def _drain_queue(self) -> None:
        batch: list[tuple[T, asyncio.Future[None]]] = []
        try:
            while self._queue:
                size = min(len(self._queue), self._max_batch)
                batch = [self._queue.popleft() for _ in range(size)]
                await self._commit(batch)
                batch = []
        except BaseException:
            self._lose(batch)
            raise
        finally:
            self._drain = None

    def _lose(self, batch: list[tuple[T, asyncio.Future[None]]]) -> None:
        """Only when the drain was cancelled (loop teardown, a stop that skipped aclose):
        whoever queued them may have answered already, so the loss is said here. Those past
        the bound go first: the room the others give back must not let them in."""
        lost = sum(future.cancelled() for _, future in batch)
        lost += len(self._queue) + len(self._overflow)
        for _, future, let_in in self._overflow:
            future.cancel()
            let_in.cancel()
        self._overflow.clear()
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
