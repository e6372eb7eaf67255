"""The real ASGI app on SQLite and PostgreSQL (migrated by Alembic), with fake providers."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.support.api import Api, make_api


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
