"""The real ASGI app on SQLite and PostgreSQL (migrated by Alembic), with fake providers."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest
import redis

from tests.support.api import Api, make_api


@pytest.fixture
def redis_url() -> str:
    """The test Redis, emptied (a test-only database); skipped without one, failed in CI."""
    url = os.environ.get("BYOM_TEST_REDIS_URL", "")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("CI is set but BYOM_TEST_REDIS_URL is not")
        pytest.skip("BYOM_TEST_REDIS_URL not set (the Redis stores are tested in CI)")
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
