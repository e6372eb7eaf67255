"""The ``uow_factory`` fixture: every contract test runs against memory, SQLite and PostgreSQL.

SQLite databases are copies of one file migrated once per session; the PostgreSQL database is
migrated once per session and its tables are emptied before each test.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from adapters.persistence.memory import MemoryDatabase
from adapters.persistence.sqlalchemy import SqlAlchemyUnitOfWorkFactory, build_engine
from adapters.persistence.sqlalchemy.migrate import upgrade
from adapters.persistence.sqlalchemy.tables import metadata
from domain.ports import UnitOfWorkFactory
from tests.conftest import run_blocking

BACKENDS = [
    pytest.param("memory", id="memory"),
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]
SQL_BACKENDS = BACKENDS[1:]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "byom.db"
    run_blocking(upgrade(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def pg_migrated_url(pg_url: str) -> str:
    run_blocking(upgrade(pg_url))
    return pg_url


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    """A migrated SQLite database of its own for one test."""
    path = tmp_path / "byom.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


async def _empty_tables(url: str) -> None:
    engine = build_engine(url)
    try:
        async with engine.begin() as connection:
            tables = ", ".join(table.name for table in metadata.sorted_tables)
            await connection.execute(text(f"TRUNCATE {tables} CASCADE"))
    finally:
        await engine.dispose()


@pytest.fixture
def postgres_url(pg_migrated_url: str) -> str:
    """The session's migrated PostgreSQL database, emptied for this test."""
    run_blocking(_empty_tables(pg_migrated_url))
    return pg_migrated_url


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
