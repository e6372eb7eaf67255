"""An unreachable database surfaces as StoreUnavailable (the HTTP layer answers 503), from the
stores, from commit and from the HealthProbe port, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.persistence.sqlalchemy import (
    SqlAlchemyHealthProbe,
    SqlAlchemyUnitOfWorkFactory,
    build_engine,
)
from domain.errors import StoreUnavailable
from tests.contract.builders import committed_user, user
from tests.contract.conftest import SQL_BACKENDS


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
