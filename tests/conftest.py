"""Shared fixtures. PostgreSQL tests run when BYOM_TEST_POSTGRES_URL is set; in CI they must."""

from __future__ import annotations

import os
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, TypeVar

import pytest

POSTGRES_URL = os.environ.get("BYOM_TEST_POSTGRES_URL", "")

T = TypeVar("T")


def postgres_url_or_skip() -> str:
    """The PostgreSQL URL for tests. Skips locally without one; fails in CI rather than skip."""
    if POSTGRES_URL:
        return POSTGRES_URL
    if os.environ.get("CI"):
        pytest.fail("CI is set but BYOM_TEST_POSTGRES_URL is not: PostgreSQL tests must run in CI")
    pytest.skip("BYOM_TEST_POSTGRES_URL not set (PostgreSQL tests run in CI)")


# --- PostgreSQL: one fresh database per test session, dropped at the end ----------------------


def run_blocking(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from sync code, even under a running event loop (session
    fixtures are often first requested from inside an async test)."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _pg_admin_dsn(url: str) -> str:
    """asyncpg's DSN for an SQLAlchemy URL (asyncpg does not know ``+asyncpg``)."""
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _pg_admin(url: str, statement: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(_pg_admin_dsn(url), timeout=10)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def pg_database() -> Iterator[Callable[[], str]]:
    """Creates fresh, uniquely named PostgreSQL databases (``byom_test_<hex>``) on the server of
    BYOM_TEST_POSTGRES_URL and drops them when the session ends, so parallel runs never meet."""
    import uuid

    from sqlalchemy.engine import make_url

    base = postgres_url_or_skip()
    created: list[str] = []

    def create() -> str:
        name = f"byom_test_{uuid.uuid4().hex[:16]}"
        run_blocking(_pg_admin(base, f'CREATE DATABASE "{name}"'))
        created.append(name)
        return make_url(base).set(database=name).render_as_string(hide_password=False)

    yield create
    for name in created:
        run_blocking(_pg_admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def pg_url(pg_database: Callable[[], str]) -> str:
    """The URL of an empty PostgreSQL database for this session (migrate it yourself)."""
    return pg_database()


# --- slow tests: in CI always; locally only when asked for ------------------------------------


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``@pytest.mark.slow`` tests run in CI (CI is set) or with ``-m slow``; a local
    ``make test`` skips them and says so."""
    if os.environ.get("CI") or config.getoption("markexpr", ""):
        return
    skip = pytest.mark.skip(reason="slow: runs in CI, or locally with -m slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
