"""The real ASGI app on SQLite and PostgreSQL (migrated by Alembic), with fake providers."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import redis

from tests.support.api import Api, make_api
from tests.support.databases import redis_url_or_skip


@pytest.fixture
def redis_url() -> str:
    """The test Redis, emptied (a test-only database); skipped without one, failed in CI."""
    url = redis_url_or_skip()
    redis.Redis.from_url(url).flushdb()
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    return str(
        request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")
    )


@pytest.fixture
async def api(db_url: str) -> AsyncIterator[Api]:
    async for built in make_api(db_url):
        yield built


@pytest.fixture
async def pg_api(request: pytest.FixtureRequest) -> AsyncIterator[Api]:
    async for built in make_api(str(request.getfixturevalue("postgres_url"))):
        yield built
