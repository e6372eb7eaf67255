"""The usage journal's failures on SQL, as every store reports them: an unreachable database or
a lock waited on past its limit is StoreUnavailable (driver text suppressed), and nothing of the
write is stored; a value its column cannot hold is refused, never cut to fit."""

from __future__ import annotations

import dataclasses
import socket
from decimal import Decimal
from pathlib import Path
from uuid import uuid4

import pytest

from adapters.persistence.errors import DatabaseError, StoreUnavailable
from adapters.persistence.sqlalchemy import SqlAlchemyUnitOfWorkFactory, build_engine
from adapters.persistence.sqlalchemy.usage_journal import usage_journal
from domain.budget import Cap, CapKind, Hold, Settlement, month_of
from tests.support.entities import T0, at, committed_user, usage


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
async def test_an_unreachable_database_is_store_unavailable(backend: str, tmp_path: Path) -> None:
    url = (
        f"postgresql+asyncpg://postgres@127.0.0.1:{_closed_port()}/byom"
        if backend == "postgres"
        else f"sqlite+aiosqlite:///{tmp_path}"  # a directory is no database
    )
    engine = build_engine(url, connect_timeout_s=2)
    journal = usage_journal(engine)
    try:
        with pytest.raises(StoreUnavailable) as raised:
            await journal.write(usage(uuid4()))
    finally:
        await journal.aclose()
        await engine.dispose()
    assert raised.value.__cause__ is None
    assert raised.value.__suppress_context__


@pytest.mark.postgres
async def test_a_counter_locked_past_the_lock_timeout_is_store_unavailable_and_stores_nothing(
    postgres_url: str,
) -> None:
    engine = build_engine(postgres_url, lock_timeout_s=0.2)
    uow = SqlAlchemyUnitOfWorkFactory(engine)
    journal = usage_journal(engine)
    try:
        owner = await committed_user(uow)
        cap = Cap(CapKind.SYSTEM_MONTHLY, owner.id, owner.id, Decimal(1), month_of(T0))
        hold = Hold(uuid4(), owner.id, (cap,), (Decimal("0.5"),), at(15))
        async with uow() as first:
            assert await first.spend.reserve(hold, at(0)) is None
            await first.commit()
        record = usage(owner.id)
        async with uow() as holder:  # another call's reservation, still open: the row locked
            other = Hold(uuid4(), owner.id, (cap,), (Decimal("0.1"),), at(15))
            assert await holder.spend.reserve(other, at(0)) is None
            with pytest.raises(StoreUnavailable):
                await journal.write(record, Settlement(hold, (Decimal("0.1"),)))
        async with uow() as reader:
            assert await reader.usage.records(owner.id, limit=10) == []
    finally:
        await journal.aclose()
        await engine.dispose()


@pytest.mark.postgres
async def test_a_value_too_long_for_its_column_is_refused_not_cut(postgres_url: str) -> None:
    engine = build_engine(postgres_url)
    uow = SqlAlchemyUnitOfWorkFactory(engine)
    journal = usage_journal(engine)
    try:
        owner = await committed_user(uow)
        with pytest.raises(DatabaseError):
            await journal.write(dataclasses.replace(usage(owner.id), provider="p" * 33))
        async with uow() as reader:
            assert await reader.usage.records(owner.id, limit=10) == []
    finally:
        await journal.aclose()
        await engine.dispose()
