"""What the usage write costs the database: a call alone is one INSERT in one transaction;
concurrent calls share transactions and INSERTs; a hold's settlement rides in the same
transaction (counted with tests/support/sql_count.py, SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from uuid import uuid4

import pytest

from adapters.persistence.sqlalchemy import SqlAlchemyUnitOfWorkFactory, build_engine
from adapters.persistence.sqlalchemy.usage_journal import usage_journal
from domain.budget import Cap, CapKind, Hold, Settlement, month_of
from domain.ports import UsageJournal
from domain.user import User
from tests.support.databases import SQL_BACKENDS
from tests.support.entities import T0, at, committed_user, usage
from tests.support.sql_count import SqlCount, count_sql


@dataclass
class Setup:
    journal: UsageJournal
    counter: SqlCount
    owner: User
    uow: SqlAlchemyUnitOfWorkFactory


@pytest.fixture(params=SQL_BACKENDS)
async def setup(request: pytest.FixtureRequest) -> AsyncIterator[Setup]:
    engine = build_engine(request.getfixturevalue(f"{request.param}_url"))
    uow = SqlAlchemyUnitOfWorkFactory(engine)
    journal = usage_journal(engine)
    try:
        owner = await committed_user(uow)
        with count_sql(engine) as counter:
            # The connection's first use (a pool's checkout, asyncpg's own statements): not
            # part of any write after.
            await journal.write(usage(owner.id, created_at=at(-1)))
            counter.reset()
            yield Setup(journal, counter, owner, uow)
    finally:
        await journal.aclose()
        await engine.dispose()


async def test_a_call_alone_writes_one_insert_in_one_transaction(setup: Setup) -> None:
    await setup.journal.write(usage(setup.owner.id))

    assert setup.counter.inserts_into("llm_usage") == 1
    assert len(setup.counter.statements) == 1
    assert len(setup.counter.transactions) == 1


async def test_ten_concurrent_calls_share_transactions_and_inserts(setup: Setup) -> None:
    records = [usage(setup.owner.id, created_at=at(i)) for i in range(10)]

    await asyncio.gather(*(setup.journal.write(r) for r in records))

    assert len(setup.counter.transactions) < 10
    assert setup.counter.inserts_into("llm_usage") < 10
    async with setup.uow() as uow:
        assert len(await uow.usage.records(setup.owner.id, since=at(0), limit=100)) == 10


async def test_a_settlement_rides_in_the_transaction_of_its_row(setup: Setup) -> None:
    owner = setup.owner.id
    cap = Cap(CapKind.SYSTEM_MONTHLY, owner, owner, Decimal(1), month_of(T0))
    hold = Hold(uuid4(), owner, (cap,), (Decimal("0.5"),), at(15))
    async with setup.uow() as uow:
        assert await uow.spend.reserve(hold, at(0)) is None
        await uow.commit()
    setup.counter.reset()

    await setup.journal.write(usage(owner), Settlement(hold, (Decimal("0.1"),)))

    assert len(setup.counter.transactions) == 1
    assert setup.counter.inserts_into("llm_usage") == 1
    assert [s.split()[0].upper() for s in setup.counter.statements] == [
        "INSERT",
        "DELETE",
        "UPDATE",
    ]
