"""``anext_or_first``: the next item, with ``first()`` awaited only when that item has to be
waited for, after its step reached the wait and before the wait goes on; a failure of
``first()`` lands at that wait (a streamed response sends what it holds there)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from entrypoints.http._ready import anext_or_first


class Firsts:
    def __init__(self, log: list[str], failure: BaseException | None = None) -> None:
        self.log = log
        self.failure = failure

    async def __call__(self) -> None:
        self.log.append("first")
        if self.failure is not None:
            raise self.failure


async def test_items_ready_at_once_are_taken_without_first() -> None:
    log: list[str] = []

    async def items() -> AsyncIterator[int]:
        for n in range(3):
            yield n

    iterator = items()
    got = [await anext_or_first(iterator, Firsts(log)) for _ in range(3)]
    assert got == [0, 1, 2]
    assert log == []
    with pytest.raises(StopAsyncIteration):
        await anext_or_first(iterator, Firsts(log))
    assert log == []


async def test_an_item_that_waits_runs_first_at_its_wait() -> None:
    log: list[str] = []
    gate: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    async def items() -> AsyncIterator[str]:
        log.append("waiting")
        got = await gate
        log.append("woken")
        yield got

    asyncio.get_running_loop().call_soon(gate.set_result, "piece")
    assert await anext_or_first(items(), Firsts(log)) == "piece"
    assert log == ["waiting", "first", "woken"]


async def test_the_end_after_a_wait_runs_first_and_ends() -> None:
    log: list[str] = []

    async def items() -> AsyncIterator[str]:
        await asyncio.sleep(0)
        nothing: tuple[str, ...] = ()
        for item in nothing:  # a generator with nothing to yield
            yield item

    with pytest.raises(StopAsyncIteration):
        await anext_or_first(items(), Firsts(log))
    assert log == ["first"]


async def test_without_first_an_item_is_waited_for_as_anext_would() -> None:
    async def items() -> AsyncIterator[str]:
        await asyncio.sleep(0)
        yield "late"

    assert await anext_or_first(items(), None) == "late"


async def test_a_failure_of_first_lands_at_the_items_wait() -> None:
    """The caller cancelled while sending: the iterator sees the cancellation where it waits,
    as it would have without ``first``, and may answer it."""
    gate: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    log: list[str] = []

    async def items() -> AsyncIterator[str]:
        try:
            yield await gate
        except asyncio.CancelledError:
            log.append("cancelled at its wait")
            yield "what arrived"

    got = await anext_or_first(items(), Firsts(log, asyncio.CancelledError()))
    assert got == "what arrived"
    assert log == ["first", "cancelled at its wait"]
    assert not gate.done()


async def test_a_failure_the_iterator_does_not_answer_is_raised() -> None:
    gate: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    closed: list[str] = []

    async def items() -> AsyncIterator[str]:
        try:
            yield await gate
        finally:
            closed.append("finally")

    with pytest.raises(ConnectionResetError):
        await anext_or_first(items(), Firsts([], ConnectionResetError()))
    assert closed == ["finally"]


async def test_a_timeout_of_the_items_own_that_fires_during_first_is_its_timeout() -> None:
    """The iterator's timeout cancels the task it was entered in, the caller's, which is in
    ``first()`` then: the cancellation goes to the wait and becomes that timeout's
    ``TimeoutError`` there (a provider's read that went silent while a piece was sent)."""
    never: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    async def items() -> AsyncIterator[str]:
        try:
            async with asyncio.timeout(0.01):
                yield await never
        except TimeoutError:
            yield "timed out"

    async def slow_send() -> None:
        await asyncio.sleep(30)  # cut short by the iterator's timeout, not waited out

    task = asyncio.current_task()
    assert task is not None
    assert await anext_or_first(items(), slow_send) == "timed out"
    assert task.cancelling() == 0  # the timeout took back its own cancellation


async def test_an_item_that_waits_more_than_once_is_driven_to_its_end() -> None:
    log: list[str] = []

    async def items() -> AsyncIterator[str]:
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        yield "after two waits"

    assert await anext_or_first(items(), Firsts(log)) == "after two waits"
    assert log == ["first"]


async def test_a_cancellation_at_a_later_wait_reaches_the_iterator() -> None:
    """The client left while the item was awaited (after ``first()``): the cancellation lands
    at the iterator's wait, as it does with ``anext``."""
    gate: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    waiting = asyncio.Event()

    async def items() -> AsyncIterator[str]:
        waiting.set()
        try:
            yield await gate
        except asyncio.CancelledError:
            yield "what arrived"

    task = asyncio.create_task(anext_or_first(items(), Firsts([])))
    await waiting.wait()
    await asyncio.sleep(0)  # first() has run: the task stands at the iterator's wait
    task.cancel()
    assert await task == "what arrived"
