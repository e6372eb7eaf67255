"""UsageJournal contract: a row is committed, with its hold settled, when ``write`` returns;
concurrent writers all land, each failing only on its own row; nothing is lost to a cancelled
writer or to ``aclose``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from adapters.persistence.errors import ConstraintViolation
from adapters.persistence.memory import MemoryDatabase
from adapters.persistence.sqlalchemy import SqlAlchemyUnitOfWorkFactory, build_engine
from adapters.persistence.sqlalchemy.usage_journal import usage_journal
from adapters.persistence.usage_journal import UnitOfWorkUsageJournal
from domain.budget import Cap, CapKind, Settlement, month_of
from domain.ports import UnitOfWorkFactory, UsageJournal
from domain.usage import UsageRecord, UsageSource
from tests.support.databases import BACKENDS
from tests.support.entities import T0, at, can_reserve, committed_hold, committed_user, usage

MONTH = month_of(T0)


@dataclass
class Store:
    journal: UsageJournal
    uow: UnitOfWorkFactory


@pytest.fixture(params=BACKENDS)
async def store(request: pytest.FixtureRequest) -> AsyncIterator[Store]:
    if request.param == "memory":
        db = MemoryDatabase()
        memory = UnitOfWorkUsageJournal(db.unit_of_work)
        yield Store(memory, db.unit_of_work)
        await memory.aclose()
        return
    engine = build_engine(request.getfixturevalue(f"{request.param}_url"))
    journal = usage_journal(engine)
    try:
        yield Store(journal, SqlAlchemyUnitOfWorkFactory(engine))
    finally:
        await journal.aclose()
        await engine.dispose()


async def rows(store: Store, user_id: UUID) -> list[UsageRecord]:
    async with store.uow() as uow:
        return await uow.usage.records(user_id, limit=1000)


async def test_a_row_is_committed_when_write_returns(store: Store) -> None:
    owner = await committed_user(store.uow)
    record = usage(owner.id, cost_usd=Decimal("0.0123"), estimated=True)

    await store.journal.write(record)

    assert await rows(store, owner.id) == [record]


async def test_every_column_comes_back_as_written(store: Store) -> None:
    owner = await committed_user(store.uow)
    record = usage(
        owner.id,
        "anthropic",
        "claude-sonnet-4",
        input_tokens=0,
        output_tokens=2_000_000_000,
        cost_usd=Decimal("0.0000123456"),  # the column's ten places
        created_at=datetime(2026, 12, 4, 5, 30, 1, 123456, tzinfo=UTC),
        source=UsageSource.GATEWAY,
        gateway_token_id=uuid4(),
        credential_id=uuid4(),
        session_id=uuid4(),
        estimated=True,
    )
    unpriced = usage(owner.id, cost_usd=None, created_at=T0)

    await asyncio.gather(store.journal.write(record), store.journal.write(unpriced))

    assert sorted(await rows(store, owner.id), key=lambda r: r.created_at) == [unpriced, record]


async def test_concurrent_writers_all_land(store: Store) -> None:
    owner = await committed_user(store.uow)
    records = [usage(owner.id, created_at=at(i)) for i in range(40)]

    await asyncio.gather(*(store.journal.write(r) for r in records))

    assert await rows(store, owner.id) == records


async def test_a_row_that_breaks_a_rule_fails_its_own_writer_only(store: Store) -> None:
    owner = await committed_user(store.uow)
    good = [usage(owner.id, created_at=at(i)) for i in range(5)]
    orphan = usage(uuid4())  # its user is gone (an account deleted during the call)

    outcomes = await asyncio.gather(
        *(store.journal.write(r) for r in [*good[:2], orphan, *good[2:]]),
        return_exceptions=True,
    )

    assert [type(o).__name__ for o in outcomes] == [
        "NoneType",
        "NoneType",
        "ConstraintViolation",
        "NoneType",
        "NoneType",
        "NoneType",
    ]
    assert await rows(store, owner.id) == good


async def test_the_settlement_moves_the_hold_to_spent_with_the_row(store: Store) -> None:
    owner = await committed_user(store.uow)
    cap = Cap(CapKind.SYSTEM_MONTHLY, owner.id, owner.id, Decimal("1.00"), MONTH)
    holds = [await committed_hold(store.uow, cap, "0.30") for _ in range(3)]
    assert not await can_reserve(store.uow, cap, "0.11")

    records = [usage(owner.id, cost_usd=Decimal("0.10"), created_at=at(i)) for i in range(3)]
    await asyncio.gather(
        *(
            store.journal.write(r, Settlement(h, (Decimal("0.10"),)))
            for r, h in zip(records, holds, strict=True)
        )
    )

    # 0.30 spent, nothing held: 0.70 is left, not a cent more.
    assert await can_reserve(store.uow, cap, "0.70")
    assert not await can_reserve(store.uow, cap, "0.71")
    assert len(await rows(store, owner.id)) == 3


async def test_a_failed_write_stores_neither_its_row_nor_its_settlement(store: Store) -> None:
    owner = await committed_user(store.uow)
    cap = Cap(CapKind.SYSTEM_MONTHLY, owner.id, owner.id, Decimal("1.00"), MONTH)
    hold = await committed_hold(store.uow, cap, "0.60")
    orphan = usage(uuid4(), cost_usd=Decimal("0.10"))

    with pytest.raises(ConstraintViolation):
        await store.journal.write(orphan, Settlement(hold, (Decimal("0.10"),)))

    assert not await can_reserve(store.uow, cap, "0.41")  # still held
    assert await can_reserve(store.uow, cap, "0.40")


async def test_a_cancelled_writer_still_has_its_row_written(store: Store) -> None:
    owner = await committed_user(store.uow)
    records = [usage(owner.id, created_at=at(i)) for i in range(3)]
    writers = [asyncio.create_task(store.journal.write(r)) for r in records]
    await asyncio.sleep(0)  # each has queued its row

    for writer in writers:
        writer.cancel()
    await store.journal.aclose()

    assert await rows(store, owner.id) == records


async def test_aclose_returns_once_every_write_under_way_is_committed(store: Store) -> None:
    owner = await committed_user(store.uow)
    records = [usage(owner.id, created_at=at(i)) for i in range(20)]
    writers = [asyncio.create_task(store.journal.write(r)) for r in records]
    await asyncio.sleep(0)

    await store.journal.aclose()

    assert await rows(store, owner.id) == records
    assert all(w.done() and w.exception() is None for w in writers)
