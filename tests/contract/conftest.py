"""The ``uow_factory`` fixture: every contract test runs against memory, SQLite and PostgreSQL
(the migrated databases of tests/conftest.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from adapters.persistence.memory import MemoryDatabase
from adapters.persistence.sqlalchemy import SqlAlchemyUnitOfWorkFactory, build_engine
from domain.ports import UnitOfWorkFactory
from tests.support.databases import BACKENDS


@pytest.fixture
def database_url(request: pytest.FixtureRequest) -> str:
    """The URL of an empty migrated database, for tests parametrized with SQL_BACKENDS."""
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(fixture))


@pytest.fixture(params=BACKENDS)
async def uow_factory(request: pytest.FixtureRequest) -> AsyncIterator[UnitOfWorkFactory]:
    if request.param == "memory":
        yield MemoryDatabase().unit_of_work
        return
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    engine = build_engine(request.getfixturevalue(fixture))
    try:
        yield SqlAlchemyUnitOfWorkFactory(engine)
    finally:
        await engine.dispose()
