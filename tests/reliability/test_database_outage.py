"""PostgreSQL stops answering (a TCP proxy in front of it is cut): every route answers a 503
problem, readiness is 503, /metrics still answers, and all of it recovers without a restart
(docs/security-tests.md, H4, H5). A credential whose creation the outage interrupts
mid-transaction, or at its commit, leaves no row and no orphan data key."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.persistence.sqlalchemy import (
    SqlAlchemyKeyCanaryStore,
    SqlAlchemyUnitOfWorkFactory,
    build_engine,
)
from adapters.persistence.sqlalchemy.health import SqlAlchemyHealthProbe
from entrypoints.bootstrap import Container, Database
from entrypoints.http.app import create_app
from entrypoints.settings import Settings
from tests.support.builders import keyed_providers, make_settings, sql_world
from tests.support.constants import ANTHROPIC_KEY, OPENAI_KEY, PASSWORD
from tests.support.fakes import FakeProviderRegistry
from tests.support.tcp_proxy import TcpProxy

pytestmark = pytest.mark.postgres

CREDENTIALS = "/api/v1/users/me/llm-credentials"


@dataclass
class Outage:
    client: AsyncTestClient[Litestar]
    proxy: TcpProxy
    direct: AsyncEngine  # straight to PostgreSQL, for looking at what was stored
    providers: FakeProviderRegistry
    cut_before: str | None = None  # "INSERT INTO user_llm_credentials" or "COMMIT"

    async def user(self, email: str) -> dict[str, str]:
        body = {"email": email, "password": PASSWORD}
        assert (await self.client.post("/api/v1/auth/signup", json=body)).status_code == 201
        login = await self.client.post("/api/v1/auth/login", json=body)
        return {"Authorization": f"Bearer {login.json()['access_token']}"}

    async def count(self, table: str) -> int:
        async with self.direct.connect() as connection:
            found = await connection.execute(text(f"SELECT count(*) FROM {table}"))  # noqa: S608
            return int(found.scalar_one())


@pytest.fixture
async def outage(postgres_url: str) -> AsyncIterator[Outage]:
    url = make_url(postgres_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    proxy.start()
    proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    providers = keyed_providers()
    direct = build_engine(postgres_url)
    state = Outage(None, proxy, direct, providers)  # type: ignore[arg-type]

    def build_container(settings: Settings) -> Container:
        engine = build_engine(proxied)

        def cut_when(statement: str) -> None:
            if state.cut_before and statement.lstrip().startswith(state.cut_before):
                state.cut_before = None
                proxy.cut()

        @event.listens_for(engine.sync_engine, "before_cursor_execute")
        def _before_statement(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
            cut_when(statement)

        @event.listens_for(engine.sync_engine, "commit")
        def _before_commit(_connection: Any) -> None:
            cut_when("COMMIT")

        database = Database(
            SqlAlchemyUnitOfWorkFactory(engine),
            SqlAlchemyHealthProbe(engine),
            engine.dispose,
            SqlAlchemyKeyCanaryStore(engine),
        )
        return sql_world(settings, providers=providers, database=database).container

    app = create_app(make_settings(database_url=proxied), build_container=build_container)
    try:
        async with AsyncTestClient(app) as client:
            state.client = client
            yield state
    finally:
        proxy.close()
        await direct.dispose()


async def test_every_route_answers_503_during_an_outage_and_recovers_without_restart(
    outage: Outage,
) -> None:
    client = outage.client
    me = await outage.user("outage@example.com")
    added = await client.post(
        CREDENTIALS, json={"provider": "openai", "api_key": OPENAI_KEY}, headers=me
    )
    assert added.status_code == 201
    session = (await client.post("/api/v1/agent-sessions", json={}, headers=me)).json()
    calls = outage.providers.calls

    outage.proxy.cut()
    during = [
        await client.get("/health/ready"),
        await client.get(CREDENTIALS, headers=me),
        await client.get(f"{CREDENTIALS}/{added.json()['id']}", headers=me),
        await client.post(
            CREDENTIALS, json={"provider": "anthropic", "api_key": ANTHROPIC_KEY}, headers=me
        ),
        await client.put(f"{CREDENTIALS}/{added.json()['id']}/default", headers=me),
        await client.post("/api/v1/agent-sessions", json={}, headers=me),
        await client.post(
            f"/api/v1/agent-sessions/{session['id']}/messages", json={"content": "hi"}, headers=me
        ),
        await client.get("/api/v1/users/me/usage", headers=me),
        await client.post(
            "/api/v1/auth/login", json={"email": "outage@example.com", "password": PASSWORD}
        ),
        await client.get("/api/v1/users/me", headers=me),
    ]
    metrics = await client.get("/metrics")

    for response in during:
        assert response.status_code == 503, (response.request.url, response.text)
    for response in during[1:]:
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["type"] == "/problems/service-unavailable"
    assert metrics.status_code == 200
    # Nothing reached a provider: every route needed the database first.
    assert outage.providers.calls == calls

    outage.proxy.restore()
    assert (await client.get("/health/ready")).status_code == 200
    assert (await client.get(CREDENTIALS, headers=me)).status_code == 200
    sent = await client.post(
        f"/api/v1/agent-sessions/{session['id']}/messages", json={"content": "hi"}, headers=me
    )
    assert sent.status_code == 200, sent.text
    again = await client.post(
        CREDENTIALS, json={"provider": "anthropic", "api_key": ANTHROPIC_KEY}, headers=me
    )
    assert again.status_code == 201, again.text


@pytest.mark.parametrize(
    "cut_before", ["INSERT INTO user_llm_credentials", "COMMIT"], ids=["mid-transaction", "commit"]
)
async def test_a_create_cut_short_by_the_outage_leaves_no_row_and_no_orphan_data_key(
    outage: Outage, cut_before: str
) -> None:
    client = outage.client
    me = await outage.user("half@example.com")
    body = {"provider": "openai", "api_key": OPENAI_KEY, "model_name": "model-a"}

    outage.cut_before = cut_before  # the user's first credential: its data key is new too
    interrupted = await client.post(CREDENTIALS, json=body, headers=me)

    assert interrupted.status_code == 503, interrupted.text
    assert interrupted.json()["type"] == "/problems/service-unavailable"
    assert not outage.cut_before, "the outage struck where intended"
    assert await outage.count("user_llm_credentials") == 0
    assert await outage.count("user_data_keys") == 0

    outage.proxy.restore()
    created = await client.post(CREDENTIALS, json=body, headers=me)
    assert created.status_code == 201, created.text
    assert created.json()["is_default"] is True
    assert await outage.count("user_llm_credentials") == 1
    assert await outage.count("user_data_keys") == 1
    resolved = await client.get("/api/v1/users/me/llm", headers=me)
    assert resolved.json()["credential_id"] == created.json()["id"]
