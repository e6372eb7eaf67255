"""GroupCommit: writers that arrive together share one write, bounded in size and in how many
may wait; each writer hears its own outcome."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

import pytest

from adapters.persistence.group_commit import GroupCommit


class Store:
    """Records each write's items; ``gate`` holds writes until it is set; ``refuse`` fails a
    write holding that item."""

    def __init__(self) -> None:
        self.writes: list[list[int]] = []
        self.gate = asyncio.Event()
        self.gate.set()
        self.refuse: set[int] = set()

    async def write(self, items: Sequence[int]) -> None:
        await self.gate.wait()
        if self.refuse.intersection(items):
            raise ValueError("refused")
        self.writes.append(list(items))


async def test_writers_that_arrive_together_share_one_write_of_at_most_max_batch() -> None:
    store = Store()
    batches = GroupCommit(store.write, max_batch=4)

    await asyncio.gather(*(batches.submit(i) for i in range(10)))

    assert store.writes == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


async def test_a_writer_alone_is_written_at_once() -> None:
    store = Store()
    batches = GroupCommit(store.write)

    await batches.submit(1)
    await batches.submit(2)

    assert store.writes == [[1], [2]]


async def test_past_max_waiting_writers_wait_for_room_instead_of_queueing() -> None:
    store = Store()
    store.gate.clear()
    batches = GroupCommit(store.write, max_batch=100, max_waiting=3)
    writers = [asyncio.create_task(batches.submit(i)) for i in range(5)]
    for _ in range(5):
        await asyncio.sleep(0)

    # Three taken into the write under way, two waiting for room, none queued past the bound.
    assert batches.waiting == 0
    assert sum(w.done() for w in writers) == 0
    store.gate.set()
    await asyncio.gather(*writers)

    assert store.writes == [[0, 1, 2], [3, 4]]


async def test_a_failed_batch_is_written_again_one_by_one_so_each_hears_its_own_outcome() -> None:
    store = Store()
    store.refuse = {2}
    batches = GroupCommit(store.write)

    outcomes = await asyncio.gather(*(batches.submit(i) for i in range(4)), return_exceptions=True)

    assert [type(o).__name__ for o in outcomes] == [
        "NoneType",
        "NoneType",
        "ValueError",
        "NoneType",
    ]
    assert store.writes == [[0], [1], [3]]


async def test_an_error_not_worth_a_retry_fails_every_writer_of_the_batch() -> None:
    store = Store()
    store.refuse = {2}
    batches = GroupCommit(store.write, alone=lambda _error: False)
    store.gate.clear()
    writers = [asyncio.create_task(batches.submit(i)) for i in range(4)]
    await asyncio.sleep(0)
    store.gate.set()

    outcomes = await asyncio.gather(*writers, return_exceptions=True)

    assert [type(o).__name__ for o in outcomes] == ["ValueError"] * 4
    assert store.writes == []


async def test_aclose_waits_for_the_queue_to_empty() -> None:
    store = Store()
    store.gate.clear()
    batches = GroupCommit(store.write, max_batch=2)
    writers = [asyncio.create_task(batches.submit(i)) for i in range(5)]
    await asyncio.sleep(0)
    closing = asyncio.create_task(batches.aclose())
    await asyncio.sleep(0)
    assert not closing.done()

    store.gate.set()
    await closing

    assert [i for write in store.writes for i in write] == [0, 1, 2, 3, 4]
    assert all(w.done() for w in writers)


async def test_a_cancelled_writer_leaves_its_item_to_be_written() -> None:
    store = Store()
    store.gate.clear()
    batches = GroupCommit(store.write)
    writer = asyncio.create_task(batches.submit(7))
    await asyncio.sleep(0)

    writer.cancel()
    with pytest.raises(asyncio.CancelledError):
        await writer
    store.gate.set()
    await batches.aclose()

    assert store.writes == [[7]]


async def test_queue_returns_before_the_write_and_its_future_tells_the_outcome() -> None:
    store = Store()
    store.gate.clear()
    store.refuse = {2}
    batches = GroupCommit(store.write)

    one = await batches.queue(1)
    two = await batches.queue(2)
    assert not one.done()
    assert not two.done()
    store.gate.set()

    await one
    with pytest.raises(ValueError, match="refused"):
        await two
    assert store.writes == [[1]]


async def test_a_queued_item_nobody_awaits_still_holds_room_and_aclose_writes_it() -> None:
    store = Store()
    store.gate.clear()
    batches = GroupCommit(store.write, max_waiting=2)
    await batches.queue(1)
    await batches.queue(2)

    third = asyncio.create_task(batches.queue(3))
    for _ in range(5):
        await asyncio.sleep(0)
    assert not third.done(), "past max_waiting, queue waits for room"

    store.gate.set()
    await third
    await batches.aclose()
    assert [i for write in store.writes for i in write] == [1, 2, 3]


async def test_writes_lost_to_a_cancelled_drain_are_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Only at loop teardown (a stop that skipped ``aclose``): nobody may be awaiting those
    items any more (an answer already sent), so the loss is said where it happens."""
    store = Store()
    store.gate.clear()
    batches = GroupCommit(store.write, max_batch=2)
    futures = [await batches.queue(i) for i in range(5)]
    await asyncio.sleep(0)  # the drain took [0, 1] and waits on the gate; 2, 3, 4 are queued
    drain = batches._drain
    assert drain is not None

    with caplog.at_level(logging.ERROR, logger="adapters.persistence.group_commit"):
        drain.cancel()
        await asyncio.gather(drain, return_exceptions=True)

    assert all(f.cancelled() for f in futures)
    assert "5 writes were not made" in caplog.text


async def test_a_writer_cancelled_while_it_waits_for_room_still_has_its_item_written() -> None:
    """A caller that queued a billed call's row and then went away (its client disconnected)
    while the queue was full: the row is still written, and ``on_done`` still hears of it."""
    store = Store()
    store.gate.clear()
    batches = GroupCommit(store.write, max_waiting=1)
    await batches.queue(1)
    heard: list[asyncio.Future[None]] = []
    waiting = asyncio.create_task(batches.queue(2, on_done=heard.append))
    for _ in range(5):
        await asyncio.sleep(0)
    assert not waiting.done(), "past max_waiting, queue waits for room"

    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    store.gate.set()
    await batches.aclose()
    await asyncio.sleep(0)  # a future's callbacks run in the loop's next turn

    assert [i for write in store.writes for i in write] == [1, 2]
    assert [f.done() and f.exception() is None for f in heard] == [True]


async def test_writers_waiting_for_room_are_queued_in_their_order_and_within_the_bound() -> None:
    store = Store()
    store.gate.clear()
    batches = GroupCommit(store.write, max_batch=100, max_waiting=2)
    await batches.queue(0)
    await batches.queue(1)
    waiting = [asyncio.create_task(batches.queue(i)) for i in range(2, 6)]
    for _ in range(5):
        await asyncio.sleep(0)
    waiting[1].cancel()

    store.gate.set()
    await asyncio.gather(*waiting, return_exceptions=True)
    await batches.aclose()

    assert store.writes == [[0, 1], [2, 3], [4, 5]]
