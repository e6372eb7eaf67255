"""The raw-driver paths keep connections handed back in good order (``LentConnections``) and lend
them without a checkout; anything doubtful goes back to the pool; idle ones go back after a
while, and disposing of the engine closes them (PostgreSQL: the only database they serve)."""

from __future__ import annotations

import asyncio
import contextlib
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
    lender = LentConnections(engine, keep=2, idle_s=0.01)
    try:
        loan = await lender.take()
        lender.give_back(loan, clean=True)
        assert lender.idle == 1
        await asyncio.sleep(0.1)  # the lender's timer, due at 0.01 s, runs first
        assert lender.idle == 0
        assert checked_out(engine) == 0
    finally:
        await engine.dispose()


async def test_one_the_server_closed_while_idle_is_not_lent(postgres_url: str) -> None:
    engine = build_engine(postgres_url)
    admin = build_engine(postgres_url)
    try:
        first = await _pid(engine)
        async with admin.connect() as connection:
            await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        await asyncio.sleep(0.5)  # the server's goodbye reaches the idle connection
        assert await _pid(engine) != first
    finally:
        await engine.dispose()
        await admin.dispose()


async def test_disposing_of_the_engine_closes_the_idle_ones(postgres_url: str) -> None:
    engine = build_engine(postgres_url)
    lender = lent_connections(engine)
    try:
        loan = await lender.take()
        held = await lender.take()  # in use across the disposal
        lender.give_back(loan, clean=True)
        await engine.dispose()
        assert lender.idle == 0
        assert loan.driver.is_closed()
        lender.give_back(held, clean=True)  # from the pool before: not kept
        assert lender.idle == 0
        assert await _pid(engine) > 0  # the engine goes on with its new pool
    finally:
        await engine.dispose()
