"""An unreachable database surfaces as StoreUnavailable (the HTTP layer answers 503), from the
stores, from commit and from the HealthProbe port, on SQLite and PostgreSQL; so does a lock or
a statement that waits past its limit (docs/security-tests.md, H6)."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TypedDict, Unpack
from uuid import uuid4

import pytest

from adapters.persistence.errors import StoreUnavailable
from adapters.persistence.sqlalchemy import (
    SqlAlchemyHealthProbe,
    SqlAlchemyUnitOfWorkFactory,
    build_engine,
)
from adapters.persistence.sqlalchemy.session_turns import session_turns
from domain.user import User
from tests.support.databases import SQL_BACKENDS
from tests.support.entities import T0, committed_user, usage, user


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(params=["sqlite", "postgres"])
async def unreachable_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "postgres":
        yield f"postgresql+asyncpg://postgres@127.0.0.1:{_closed_port()}/byom"
        return
    yield f"sqlite+aiosqlite:///{tmp_path}"  # a directory cannot be opened as a database
    # aiosqlite stops a failed connection's thread without waiting for it: give the thread
    # the loop it reports back to, or it complains that the loop is closed.
    await asyncio.sleep(0.1)


async def test_a_read_raises_store_unavailable(unreachable_url: str) -> None:
    engine = build_engine(unreachable_url, connect_timeout_s=2)
    try:
        async with SqlAlchemyUnitOfWorkFactory(engine)() as uow:
            with pytest.raises(StoreUnavailable) as raised:
                await uow.users.by_email("someone@example.com")
    finally:
        await engine.dispose()
    assert raised.value.__cause__ is None
    assert raised.value.__suppress_context__


async def test_a_write_raises_store_unavailable(unreachable_url: str) -> None:
    engine = build_engine(unreachable_url, connect_timeout_s=2)
    try:
        async with SqlAlchemyUnitOfWorkFactory(engine)() as uow:
            with pytest.raises(StoreUnavailable):
                await uow.users.add(user())
    finally:
        await engine.dispose()


async def test_a_chat_turns_read_and_write_raise_store_unavailable(unreachable_url: str) -> None:
    engine = build_engine(unreachable_url, connect_timeout_s=2)
    turns = session_turns(engine)  # on PostgreSQL asyncpg itself, outside SQLAlchemy
    owner, session_id = uuid4(), uuid4()
    try:
        with pytest.raises(StoreUnavailable) as read:
            await turns.head(owner, session_id, limit=64)
        with pytest.raises(StoreUnavailable) as written:
            await turns.add(owner, session_id, [], T0, usage(owner, session_id=session_id))
    finally:
        await engine.dispose()
    for raised in (read, written):
        assert raised.value.__cause__ is None
        assert raised.value.__suppress_context__


async def test_the_health_probe_raises_store_unavailable(unreachable_url: str) -> None:
    engine = build_engine(unreachable_url, connect_timeout_s=2)
    try:
        with pytest.raises(StoreUnavailable):
            await SqlAlchemyHealthProbe(engine).check()
    finally:
        await engine.dispose()


@pytest.mark.parametrize("database_url", SQL_BACKENDS, indirect=True)
async def test_the_health_probe_passes_on_a_reachable_database(database_url: str) -> None:
    engine = build_engine(database_url)
    try:
        await SqlAlchemyHealthProbe(engine).check()
    finally:
        await engine.dispose()


async def test_a_write_lock_held_past_the_busy_timeout_raises_store_unavailable(
    sqlite_url: str,
) -> None:
    patient = build_engine(sqlite_url)
    impatient = build_engine(sqlite_url, busy_timeout_s=0.2)
    try:
        owner = await committed_user(SqlAlchemyUnitOfWorkFactory(patient))
        async with SqlAlchemyUnitOfWorkFactory(patient)() as holder:
            await holder.users.lock(owner.id)
            async with SqlAlchemyUnitOfWorkFactory(impatient)() as waiter:
                with pytest.raises(StoreUnavailable):
                    await asyncio.wait_for(waiter.users.lock(owner.id), timeout=10)
    finally:
        await impatient.dispose()
        await patient.dispose()


class _Limits(TypedDict, total=False):
    lock_timeout_s: float
    statement_timeout_s: float


async def _wait_for_a_held_user_lock(url: str, **limits: Unpack[_Limits]) -> tuple[float, int]:
    """Seconds until a second unit of work gave up waiting for a user lock another holds, and
    how many of its engine's connections were still checked out afterwards."""
    patient = build_engine(url)
    impatient = build_engine(url, **limits)
    try:
        owner: User = await committed_user(SqlAlchemyUnitOfWorkFactory(patient))
        async with SqlAlchemyUnitOfWorkFactory(patient)() as holder:
            await holder.users.lock(owner.id)
            async with SqlAlchemyUnitOfWorkFactory(impatient)() as waiter:
                started = time.monotonic()
                with pytest.raises(StoreUnavailable) as raised:
                    await asyncio.wait_for(waiter.users.lock(owner.id), timeout=10)
                waited = time.monotonic() - started
        assert raised.value.__cause__ is None
        return waited, impatient.pool.checkedout()  # type: ignore[attr-defined]
    finally:
        await impatient.dispose()
        await patient.dispose()


@pytest.mark.postgres
async def test_a_user_lock_held_past_the_lock_timeout_raises_store_unavailable(
    postgres_url: str,
) -> None:
    waited, checked_out = await _wait_for_a_held_user_lock(postgres_url, lock_timeout_s=0.5)
    assert 0.4 < waited < 5
    assert checked_out == 0, "the connection went back to the pool"


@pytest.mark.postgres
async def test_a_statement_past_the_statement_timeout_raises_store_unavailable(
    postgres_url: str,
) -> None:
    waited, checked_out = await _wait_for_a_held_user_lock(
        postgres_url, lock_timeout_s=30, statement_timeout_s=0.5
    )
    assert 0.4 < waited < 5
    assert checked_out == 0


@pytest.mark.postgres
async def test_postgresql_sessions_have_lock_statement_and_idle_transaction_timeouts(
    postgres_url: str,
) -> None:
    engine = build_engine(postgres_url)
    try:
        async with engine.connect() as connection:
            shown = [
                (await connection.exec_driver_sql(f"SHOW {name}")).scalar()
                for name in (
                    "lock_timeout",
                    "statement_timeout",
                    "idle_in_transaction_session_timeout",
                )
            ]
    finally:
        await engine.dispose()
    assert shown == ["5s", "15s", "30s"]
