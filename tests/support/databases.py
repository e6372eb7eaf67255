"""The databases tests run on: the backend parameters, the PostgreSQL server of
BYOM_TEST_POSTGRES_URL (skipped locally without one; required in CI), and a way to run a
coroutine from sync fixtures."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from adapters.persistence.sqlalchemy import build_engine
from adapters.persistence.sqlalchemy.tables import metadata

POSTGRES_URL = os.environ.get("BYOM_TEST_POSTGRES_URL", "")

BACKENDS = [
    pytest.param("memory", id="memory"),
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]
SQL_BACKENDS = BACKENDS[1:]

T = TypeVar("T")


def postgres_url_or_skip() -> str:
    """The PostgreSQL URL for tests. Skips locally without one; fails in CI rather than skip."""
    if POSTGRES_URL:
        return POSTGRES_URL
    if os.environ.get("CI"):
        pytest.fail("CI is set but BYOM_TEST_POSTGRES_URL is not: PostgreSQL tests must run in CI")
    pytest.skip("BYOM_TEST_POSTGRES_URL not set (PostgreSQL tests run in CI)")


def redis_url_or_skip() -> str:
    """The test Redis's URL. Skips locally without one; fails in CI rather than skip."""
    url = os.environ.get("BYOM_TEST_REDIS_URL", "")
    if url:
        return url
    if os.environ.get("CI"):
        pytest.fail("CI is set but BYOM_TEST_REDIS_URL is not")
    pytest.skip("BYOM_TEST_REDIS_URL not set (Redis tests run in CI)")


def run_blocking(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from sync code, even under a running event loop (session
    fixtures are often first requested from inside an async test)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _pg_admin_dsn(url: str) -> str:
    """asyncpg's DSN for an SQLAlchemy URL (asyncpg does not know ``+asyncpg``)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def pg_admin(url: str, statement: str) -> None:
    """Runs one statement (CREATE/DROP DATABASE) outside a transaction on ``url``'s server."""
    import asyncpg

    connection = await asyncpg.connect(_pg_admin_dsn(url), timeout=10)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def database_named(base: str, name: str) -> str:
    """The URL of database ``name`` on the server of ``base``."""
    return make_url(base).set(database=name).render_as_string(hide_password=False)


async def empty_tables(url: str) -> None:
    """Deletes every row of every table (a migrated PostgreSQL database, reused across tests)."""
    engine = build_engine(url)
    try:
        async with engine.begin() as connection:
            tables = ", ".join(table.name for table in metadata.sorted_tables)
            await connection.execute(text(f"TRUNCATE {tables} CASCADE"))
    finally:
        await engine.dispose()
