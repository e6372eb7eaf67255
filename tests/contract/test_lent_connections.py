"""The raw-driver paths keep connections handed back in good order (``LentConnections``) and lend
them without a checkout; anything doubtful goes back to the pool; idle ones go back after a
while, the pool's other callers are not kept waiting, and disposing of the engine closes them
(PostgreSQL: the only database they serve)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
import weakref
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.persistence.errors import DatabaseError
from adapters.persistence.sqlalchemy import build_engine
from adapters.persistence.sqlalchemy._asyncpg_errors import raw_driver
from adapters.persistence.sqlalchemy._lent import LentConnections, lent_connections

pytestmark = pytest.mark.postgres


class Checkouts:
    def __init__(self, engine: AsyncEngine) -> None:
        self.count = 0
        event.listen(engine.sync_engine.pool, "checkout", self._checked_out)

    def _checked_out(self, *_: Any) -> None:
        self.count += 1


def checked_out(engine: AsyncEngine) -> int:
    pool: Any = engine.sync_engine.pool  # a QueuePool: typed as any Pool
    count: int = pool.checkedout()
    return count


async def _pid(engine: AsyncEngine) -> int:
    async with raw_driver(engine) as driver:
        pid: int = await driver.fetchval("SELECT pg_backend_pid()")
    return pid


async def test_a_connection_handed_back_in_good_order_is_lent_again_without_a_checkout(
    postgres_url: str,
) -> None:
    engine = build_engine(postgres_url)
    checkouts = Checkouts(engine)
    try:
        pids = {await _pid(engine) for _ in range(5)}
        assert len(pids) == 1
        assert checkouts.count == 1
        assert checked_out(engine) == 1  # the lent one, idle
    finally:
        await engine.dispose()


@pytest.mark.parametrize(
    ("statement", "fails"),
    [("SELECT 1/0", True), ("BEGIN", False)],
    ids=["failed", "in-transaction"],
)
async def test_a_connection_whose_use_failed_or_left_a_transaction_goes_back_to_the_pool(
    postgres_url: str, statement: str, fails: bool
) -> None:
    engine = build_engine(postgres_url)
    try:
        with contextlib.suppress(DatabaseError):
            async with raw_driver(engine) as driver:
                await driver.execute(statement)
            assert not fails, "the statement should have failed"
        assert lent_connections(engine).idle == 0
        assert checked_out(engine) == 0
    finally:
        await engine.dispose()


async def test_no_more_than_keep_are_held_idle(postgres_url: str) -> None:
    engine = build_engine(postgres_url, pool_size=4)
    lender = lent_connections(engine)
    try:
        async with raw_driver(engine), raw_driver(engine), raw_driver(engine):
            assert checked_out(engine) == 3
        assert lender.idle == 2  # half the pool's size
        assert checked_out(engine) == 2
    finally:
        await engine.dispose()


async def test_idle_ones_go_back_to_the_pool_after_a_while(postgres_url: str) -> None:
    engine = build_engine(postgres_url)
    lender = LentConnections(keep=2, idle_s=0.01)
    try:
        loan = await lender.take(engine)
        await lender.give_back(engine, loan, clean=True)
        assert lender.idle == 1
        await asyncio.sleep(0.1)  # the lender's timer, due at 0.01 s, runs first
        assert lender.idle == 0
        assert checked_out(engine) == 0
    finally:
        await engine.dispose()


async def test_the_last_connection_the_pool_could_give_is_not_kept(postgres_url: str) -> None:
    """Kept, the unit of work would wait for it until it went back (found by review)."""
    engine = build_engine(postgres_url, pool_size=2, max_overflow=0)
    try:
        async with engine.connect() as held:  # another caller holds the pool's first
            await held.execute(text("SELECT 1"))
            await _pid(engine)
            assert lent_connections(engine).idle == 0
            started = time.monotonic()
            async with engine.connect() as second:  # would wait for a kept one
                await second.execute(text("SELECT 1"))
            # A safety net, not a timing assertion: kept, it came back after IDLE_S.
            assert time.monotonic() - started < 5
        assert checked_out(engine) == 0
    finally:
        await engine.dispose()


async def test_connections_over_the_pools_size_are_closed_on_return_without_errors(
    postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The pool closes a connection returned over its size, which needs SQLAlchemy's greenlet:
    outside it, it logged an error and left the socket open (found by review)."""
    engine = build_engine(postgres_url, pool_size=2, max_overflow=2)
    caplog.set_level(logging.ERROR)
    gate, all_in = asyncio.Event(), asyncio.Event()
    inside = 0

    async def user() -> None:
        nonlocal inside
        async with raw_driver(engine) as driver:
            await driver.fetchval("SELECT 1")
            inside += 1
            if inside == 4:
                all_in.set()
            await gate.wait()

    try:
        users = [asyncio.create_task(user()) for _ in range(4)]
        await all_in.wait()
        assert checked_out(engine) == 4  # the pool's two and its two over
        gate.set()
        await asyncio.gather(*users)
        await asyncio.sleep(0.2)  # the idle ones go back too
        assert checked_out(engine) == 0
        assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    finally:
        await engine.dispose()


async def test_one_the_server_closed_while_idle_is_not_lent(postgres_url: str) -> None:
    engine = build_engine(postgres_url)
    admin = build_engine(postgres_url)
    lender = lent_connections(engine)
    try:
        loan = await lender.take(engine)
        first = await loan.driver.fetchval("SELECT pg_backend_pid()")
        async with admin.connect() as connection:
            await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        await asyncio.sleep(0.5)  # the server's goodbye reaches the connection
        await lender.give_back(engine, loan, clean=True)
        assert lender.idle == 0
        assert await _pid(engine) != first
    finally:
        await engine.dispose()
        await admin.dispose()


async def test_disposing_of_the_engine_closes_the_idle_ones(postgres_url: str) -> None:
    engine = build_engine(postgres_url)
    lender = lent_connections(engine)
    try:
        loan = await lender.take(engine)
        held = await lender.take(engine)  # in use across the disposal
        await lender.give_back(engine, loan, clean=True)
        await engine.dispose()
        assert lender.idle == 0
        assert loan.driver.is_closed()
        await lender.give_back(engine, held, clean=True)  # from the pool before: closed
        assert held.driver.is_closed()
        assert lender.idle == 0
        assert await _pid(engine) > 0  # the engine goes on with its new pool
    finally:
        await engine.dispose()


async def test_the_lender_does_not_keep_its_engine_alive(postgres_url: str) -> None:
    """Found by review: the registry's value held its key."""
    engine = build_engine(postgres_url)
    await _pid(engine)
    await engine.dispose()
    gone = weakref.ref(engine)
    del engine
    gc.collect()
    assert gone() is None


async def test_one_going_back_when_the_engine_is_disposed_of_is_closed(postgres_url: str) -> None:
    """Found by review: idle ones on their way back to the pool when it was disposed of (at
    shutdown, 50 ms after the last use) went into the old pool, open."""
    engine = build_engine(postgres_url)
    lender = LentConnections(keep=2, idle_s=0)
    event.listen(engine.sync_engine, "engine_disposed", lender.disposed)  # as lent_connections
    loan = await lender.take(engine)
    await lender.give_back(engine, loan, clean=True)
    lender._trim(engine)  # as its timer does: a task starts returning what is due (all of it)
    await engine.dispose()  # before that task ran
    await asyncio.sleep(0.05)
    assert loan.driver.is_closed()


async def test_a_second_cancellation_while_a_connection_goes_back_loses_nothing(
    postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Found by review: cancelled again while the pool closed one over its size, the close was
    cut and logged as an error."""
    engine = build_engine(postgres_url, pool_size=1, max_overflow=2)
    caplog.set_level(logging.ERROR)
    gate, inside = asyncio.Event(), asyncio.Event()

    async def user() -> None:
        async with raw_driver(engine) as driver:
            await driver.fetchval("SELECT 1")
            inside.set()
            await gate.wait()

    try:
        async with raw_driver(engine):  # goes back to fill the pool's one place
            cut = asyncio.create_task(user())
            await inside.wait()
        cut.cancel()  # the body: its connection goes back, to a full pool that closes it
        await asyncio.sleep(0)
        cut.cancel()  # again, while that close runs
        with pytest.raises(asyncio.CancelledError):
            await cut
        await asyncio.sleep(0.1)  # the shielded close ends
        assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
        assert checked_out(engine) == 0
    finally:
        await engine.dispose()


async def test_one_from_before_the_pool_was_invalidated_is_not_lent(postgres_url: str) -> None:
    """Found by review: when a disconnect invalidates the pool (a failover), every older
    connection is replaced at its next checkout; a kept one has no checkout."""
    engine = build_engine(postgres_url)
    pool: Any = engine.sync_engine.pool
    try:
        before = await _pid(engine)
        async with engine.connect() as connection:  # the unit of work meets a disconnect
            raw = await connection.get_raw_connection()
            pool._invalidate(raw, None, False)
        assert await _pid(engine) != before
    finally:
        await engine.dispose()


def test_what_one_event_loop_kept_is_never_lent_on_another(postgres_url: str) -> None:
    """Found by review: an asyncpg connection is bound to its loop; kept on one and lent on
    another, its first statement failed (tests and tools may run one engine on two loops)."""
    engine = build_engine(postgres_url, pool_size=4, max_overflow=0)
    lender = lent_connections(engine)
    first, second = asyncio.new_event_loop(), asyncio.new_event_loop()
    try:
        on_first = first.run_until_complete(lender.take(engine))
        first.run_until_complete(lender.give_back(engine, on_first, clean=True))
        assert lender.idle == 1
        taken_on_first = first.run_until_complete(lender.take(engine))
        on_second = second.run_until_complete(lender.take(engine))  # forgets the first's
        assert on_second.driver is not on_first.driver
        second.run_until_complete(lender.give_back(engine, taken_on_first, clean=True))
        assert lender.idle == 0  # taken on the first loop: not kept on the second
        assert second.run_until_complete(on_second.driver.fetchval("SELECT 1")) == 1
        second.run_until_complete(lender.give_back(engine, on_second, clean=True))
        second.run_until_complete(engine.dispose())
    finally:
        first.close()
        second.close()
