"""The real ASGI app on SQLite and PostgreSQL (migrated by Alembic), with fake providers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.auth.argon2_hasher import Argon2PasswordHasher
from adapters.persistence.sqlalchemy import build_engine
from domain.provider import Provider
from entrypoints.bootstrap import Container, build, sql_database
from entrypoints.http.app import create_app
from entrypoints.settings import Settings
from tests.builders import make_settings
from tests.contract.conftest import (  # noqa: F401 (fixtures)
    pg_migrated_url,
    postgres_url,
    sqlite_template,
    sqlite_url,
)
from tests.fakes import FakeCatalog, FakeProviderRegistry

OPENAI_KEY = "sk-proj-" + "Qw3rTy7u" * 20 + "wxyz"
ANTHROPIC_KEY = "sk-ant-api03-" + "Zy9_" * 23 + "AAAA"
GOOGLE_KEY = "AIzaSyD" + "x" * 28 + "g00g"
PASSWORD = "correct horse battery staple"


def as_uuid(value: object) -> UUID:
    """A raw id column as a UUID: 16 bytes on SQLite (advanced-alchemy's GUID), native on PG."""
    if isinstance(value, bytes):
        return UUID(bytes=value)
    return UUID(str(value))


@dataclass
class Api:
    """A client on the app plus what tests inspect behind it."""

    client: AsyncTestClient[Litestar]
    container: Container
    providers: FakeProviderRegistry
    engine: AsyncEngine

    async def signup_and_login(self, email: str) -> dict[str, str]:
        response = await self.client.post(
            "/api/v1/auth/signup", json={"email": email, "password": PASSWORD}
        )
        assert response.status_code == 201, response.text
        return await self.login(email)

    async def login(self, email: str, password: str = PASSWORD) -> dict[str, str]:
        response = await self.client.post(
            "/api/v1/auth/login", json={"email": email, "password": password}
        )
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    async def add(self, headers: dict[str, str], **body: Any) -> dict[str, Any]:
        response = await self.client.post(
            "/api/v1/users/me/llm-credentials", json=body, headers=headers
        )
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result

    async def rows(self, table: str) -> list[dict[str, Any]]:
        async with self.engine.connect() as connection:
            result = await connection.execute(text(f"SELECT * FROM {table}"))  # noqa: S608
            return [dict(row._mapping) for row in result]


async def make_api(url: str, redis_url: str | None = None, **auth: int) -> AsyncIterator[Api]:
    settings = make_settings(database_url=url, redis_url=redis_url, **auth)
    providers = FakeProviderRegistry()
    providers.accept(Provider.OPENAI, OPENAI_KEY)
    providers.accept(Provider.ANTHROPIC, ANTHROPIC_KEY)
    providers.accept(Provider.GOOGLE, GOOGLE_KEY)

    def build_container(settings: Settings) -> Container:
        # Built by the app's lifespan, in the loop that serves requests (asyncpg pools are
        # bound to their event loop), and closed by it.
        return build(
            settings,
            database=sql_database(settings),
            providers=providers,
            catalog=FakeCatalog(),
            hasher=Argon2PasswordHasher.fast_for_tests(),
        )

    engine = build_engine(url)
    app = create_app(settings, build_container=build_container)
    try:
        async with AsyncTestClient(app) as client:
            yield Api(client, app.state.container, providers, engine)
    finally:
        await engine.dispose()


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
