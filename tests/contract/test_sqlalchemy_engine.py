"""The engine builder's settings that the stores rely on."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from sqlalchemy import text

from adapters.persistence.sqlalchemy import build_engine, database_url
from tests.support.databases import SQL_BACKENDS


async def _pragma(url: str, name: str) -> object:
    engine = build_engine(url)
    try:
        async with engine.connect() as connection:
            return (await connection.exec_driver_sql(f"PRAGMA {name}")).scalar()
    finally:
        await engine.dispose()


async def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'byom.db'}"
    assert str(await _pragma(url, "journal_mode")).lower() == "wal"
    assert await _pragma(url, "foreign_keys") == 1
    assert await _pragma(url, "busy_timeout") == 5000


async def test_the_sqlite_parent_directory_is_created(tmp_path: Path) -> None:
    path = tmp_path / "var" / "data" / "byom.db"
    await _pragma(f"sqlite+aiosqlite:///{path}", "user_version")
    assert path.is_file()


async def test_the_sqlite_database_and_its_wal_and_shm_files_are_private(tmp_path: Path) -> None:
    """Issue 13, item 8: the file holds wrapped keys, sealed credentials and password hashes."""
    path = tmp_path / "byom.db"
    engine = build_engine(f"sqlite+aiosqlite:///{path}")
    try:
        async with engine.begin() as connection:
            await connection.exec_driver_sql("CREATE TABLE t (x INTEGER)")
            await connection.exec_driver_sql("INSERT INTO t VALUES (1)")
        async with engine.connect() as connection:  # the WAL and its index exist while open
            await connection.exec_driver_sql("SELECT * FROM t")
            files = [path, path.with_name("byom.db-wal"), path.with_name("byom.db-shm")]
            modes = {f.name: oct(f.stat().st_mode & 0o777) for f in files}
    finally:
        await engine.dispose()
    assert modes == {f.name: "0o600" for f in files}


async def test_an_existing_sqlite_file_open_to_others_is_made_private(tmp_path: Path) -> None:
    path = tmp_path / "byom.db"
    path.touch(mode=0o644)
    path.chmod(0o644)
    await _pragma(f"sqlite+aiosqlite:///{path}", "user_version")
    assert path.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(
    "url", ["sqlite+aiosqlite:///var/byom.db", "postgresql+asyncpg://byom@127.0.0.1:1/byom"]
)
def test_engines_hide_bound_parameters(url: str) -> None:
    engine = build_engine(url)
    assert engine.sync_engine.hide_parameters is True


@pytest.mark.postgres
async def test_a_pooled_connection_the_server_closed_is_replaced_before_use(
    postgres_url: str,
) -> None:
    engine = build_engine(postgres_url, pool_size=1, max_overflow=0)
    admin = build_engine(postgres_url)
    try:
        async with engine.connect() as connection:
            first = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        async with admin.connect() as connection:  # a restart or failover, as the pool sees it
            await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        await asyncio.sleep(0.5)  # the server's goodbye reaches the idle pooled connection

        async with engine.connect() as connection:
            second = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()

        assert second != first
    finally:
        await engine.dispose()
        await admin.dispose()


def test_plain_driver_names_get_their_async_driver() -> None:
    assert database_url("postgresql://u@h/db").drivername == "postgresql+asyncpg"
    assert database_url("sqlite:///x.db").drivername == "sqlite+aiosqlite"


def test_an_unsupported_database_is_refused_without_echoing_the_password() -> None:
    with pytest.raises(ValueError, match="unsupported database") as raised:
        database_url("mysql://byom:hunter2-secret@db.internal/byom")
    assert "hunter2-secret" not in str(raised.value)


@pytest.mark.parametrize("database_url", SQL_BACKENDS, indirect=True)
async def test_debug_logging_shows_neither_bound_values_nor_rows(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    canary = "sk-CANARY-debug-0b5e"
    for name in ("", "aiosqlite", "sqlalchemy", "sqlalchemy.engine"):
        caplog.set_level(logging.DEBUG, logger=name or None)
    engine = build_engine(database_url)
    try:
        async with engine.connect() as connection:
            value = (await connection.execute(text("SELECT :value"), {"value": canary})).scalar()
    finally:
        await engine.dispose()
    assert value == canary
    assert caplog.records, "DEBUG logging was on: something should have been logged"
    assert all(canary not in record.getMessage() for record in caplog.records)
