"""``start_eagerly``: a coroutine that never waits is done before it returns (no task); one that
waits goes on in a task exactly as ``asyncio.create_task`` would have run it."""

from __future__ import annotations

import asyncio

import pytest

from application.llm._eager import _Resumed, start_eagerly


async def test_a_coroutine_that_never_waits_is_done_without_a_task() -> None:
    ran: list[str] = []

    async def keep() -> str:
        ran.append("kept")
        return "row queued"

    tasks = len(asyncio.all_tasks())
    future = start_eagerly(keep())
    assert future.done()
    assert ran == ["kept"]
    assert len(asyncio.all_tasks()) == tasks
    assert await future == "row queued"


async def test_a_failure_before_any_wait_is_the_futures() -> None:
    async def keep() -> str:
        raise LookupError("no such row")

    future = start_eagerly(keep())
    assert future.done()
    with pytest.raises(LookupError, match="no such row"):
        await future


async def test_a_coroutine_that_waits_goes_on_in_a_task_from_that_wait() -> None:
    gate: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    steps: list[str] = []

    async def keep() -> int:
        steps.append("before")
        got = await gate
        steps.append("after")
        await asyncio.sleep(0)  # a bare yield to the loop is handed on too
        return got * 2

    future = start_eagerly(keep())
    assert steps == ["before"]  # run up to its wait in the caller's turn
    assert isinstance(future, asyncio.Task)
    assert not future.done()
    gate.set_result(21)
    assert await future == 42
    assert steps == ["before", "after"]


async def test_a_cancellation_reaches_the_coroutine_where_it_waits() -> None:
    gate: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    seen: list[str] = []

    async def keep() -> None:
        try:
            await gate
        except asyncio.CancelledError:
            seen.append("cancelled at its wait")
            raise
        finally:
            seen.append("finally")

    future = start_eagerly(keep())
    await asyncio.sleep(0)
    future.cancel()
    with pytest.raises(asyncio.CancelledError):
        await future
    assert seen == ["cancelled at its wait", "finally"]
    assert gate.cancelled()  # the wait itself was cancelled, as in a task of its own


async def test_a_coroutine_may_catch_the_cancellation_and_still_return() -> None:
    gate: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def keep() -> str:
        try:
            await gate
        except asyncio.CancelledError:
            return "kept anyway"
        return "not cancelled"

    future = start_eagerly(keep())
    await asyncio.sleep(0)
    future.cancel()
    assert await future == "kept anyway"


async def test_a_failure_after_a_wait_is_the_tasks() -> None:
    async def keep() -> None:
        await asyncio.sleep(0)
        raise LookupError("store down")

    future = start_eagerly(keep())
    with pytest.raises(LookupError, match="store down"):
        await future


async def test_a_shielded_keep_outlives_its_cancelled_consumer() -> None:
    """How ``ProviderStream.finish`` uses it: the consumer goes, the keep goes on."""
    gate: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    kept: list[str] = []

    async def keep() -> None:
        await gate
        kept.append("row")

    async def consumer() -> None:
        await asyncio.shield(start_eagerly(keep()))

    task = asyncio.create_task(consumer())
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    gate.set_result(None)
    for _ in range(3):
        await asyncio.sleep(0)
    assert kept == ["row"]


async def test_a_task_cancelled_before_its_first_step_cancels_the_coroutine_at_its_wait() -> None:
    """As a task of ``coro`` itself would: the coroutine's wait gets the cancellation (the
    event loop's shutdown cancels every task, some before they ever ran)."""
    gate: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    seen: list[str] = []

    async def keep() -> None:
        try:
            await gate
        finally:
            seen.append("finally")

    future = start_eagerly(keep())
    future.cancel()  # before the task's first step
    with pytest.raises(asyncio.CancelledError):
        await future
    assert seen == ["finally"]


async def test_a_cancellation_raised_before_any_wait_is_a_cancelled_future() -> None:
    async def keep() -> None:
        raise asyncio.CancelledError

    future = start_eagerly(keep())
    assert future.cancelled()


async def test_the_rest_of_a_coroutine_may_be_awaited_as_well_as_run_by_a_task() -> None:
    gate: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    async def keep() -> int:
        return await gate + 1

    coro = keep()
    first = coro.send(None)
    asyncio.get_running_loop().call_soon(gate.set_result, 41)
    assert await _Resumed(coro, first) == 42
