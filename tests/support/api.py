"""The real ASGI app on SQLite or PostgreSQL (migrated by Alembic) with fake providers, and a
client on it that signs up, logs in and adds keys."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Unpack
from uuid import UUID

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.persistence.sqlalchemy import build_engine
from domain.ports import Clock
from entrypoints.bootstrap import Container
from entrypoints.http.app import create_app
from entrypoints.settings import Settings
from tests.support.builders import AuthLimits, keyed_providers, make_settings, sql_world
from tests.support.constants import PASSWORD
from tests.support.fakes import FakeProviderRegistry


def as_uuid(value: object) -> UUID:
    """A raw id column as a UUID: 16 bytes on SQLite (``column_types.GUID``), native on PG."""
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


async def make_api(
    url: str,
    redis_url: str | None = None,
    login_clock: Clock | None = None,
    **auth: Unpack[AuthLimits],
) -> AsyncIterator[Api]:
    settings = make_settings(database_url=url, redis_url=redis_url, **auth)
    providers = keyed_providers()

    def build_container(settings: Settings) -> Container:
        # Built by the app's lifespan, in the loop that serves requests (asyncpg pools are
        # bound to their event loop), and closed by it.
        return sql_world(settings, providers=providers, login_clock=login_clock).container

    engine = build_engine(url)
    app = create_app(settings, build_container=build_container)
    try:
        async with AsyncTestClient(app) as client:
            yield Api(client, app.state.container, providers, engine)
    finally:
        await engine.dispose()
