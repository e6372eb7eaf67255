"""The real app and the real provider adapters, talking to stand-in upstreams
(tests.support.upstreams), on the memory stores or a migrated SQL database."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from adapters.auth.argon2_hasher import Argon2PasswordHasher
from adapters.llm import TomlModelCatalog
from adapters.persistence.memory.database import MemoryDatabase
from domain.ports import ChangeFeed, Clock
from domain.provider import Provider
from entrypoints.bootstrap import Container, build, sql_database
from entrypoints.http.app import create_app
from entrypoints.settings import LimitSettings, ProviderSettings
from tests.support.builders import make_settings, memory_database
from tests.support.constants import COMPAT_URL, KEYS, PASSWORD
from tests.support.upstreams import MODELS, Upstreams, upstreams


@dataclass(frozen=True)
class SseEvent:
    event: str
    data: Any


def parse_sse(body: str) -> list[SseEvent]:
    """Parses a text/event-stream body strictly: every event has one ``event`` and one JSON
    ``data`` line, and the stream ends with a blank line."""
    assert body.endswith("\n\n"), "an SSE stream ends with a blank line"
    events = []
    for block in body.split("\n\n")[:-1]:
        fields = [line.split(": ", 1) for line in block.split("\n")]
        assert all(len(f) == 2 for f in fields), f"malformed SSE block: {block!r}"
        names = [name for name, _ in fields]
        assert names == ["event", "data"], f"unexpected SSE fields: {names}"
        events.append(SseEvent(fields[0][1], json.loads(fields[1][1])))
    return events


@dataclass
class ChatApi:
    client: AsyncTestClient[Litestar]
    container: Container
    upstreams: Upstreams
    db: MemoryDatabase | None = None

    async def user(self, email: str) -> dict[str, str]:
        signup = await self.client.post(
            "/api/v1/auth/signup", json={"email": email, "password": PASSWORD}
        )
        assert signup.status_code == 201, signup.text
        login = await self.client.post(
            "/api/v1/auth/login", json={"email": email, "password": PASSWORD}
        )
        assert login.status_code == 200, login.text
        return {"Authorization": f"Bearer {login.json()['access_token']}"}

    async def add_key(
        self, me: dict[str, str], provider: Provider, api_key: str | None = None
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "provider": provider.value,
            "api_key": api_key or KEYS[provider],
            "model_name": MODELS[provider],
        }
        if provider is Provider.OPENAI_COMPATIBLE:
            body["base_url"] = COMPAT_URL
        added = await self.client.post("/api/v1/users/me/llm-credentials", json=body, headers=me)
        assert added.status_code == 201, added.text
        result: dict[str, Any] = added.json()
        return result

    async def start(self, me: dict[str, str], **body: Any) -> dict[str, Any]:
        started = await self.client.post("/api/v1/agent-sessions", json=body, headers=me)
        assert started.status_code == 201, started.text
        result: dict[str, Any] = started.json()
        return result

    async def send(self, me: dict[str, str], session_id: str, content: str, **body: Any) -> Any:
        return await self.client.post(
            f"/api/v1/agent-sessions/{session_id}/messages",
            json={"content": content, **body},
            headers=me,
        )

    async def stream(self, me: dict[str, str], session_id: str, content: str) -> Any:
        return await self.client.post(
            f"/api/v1/agent-sessions/{session_id}/messages",
            json={"content": content},
            headers={**me, "Accept": "text/event-stream"},
        )

    async def messages(self, me: dict[str, str], session_id: str) -> list[dict[str, Any]]:
        found = await self.client.get(f"/api/v1/agent-sessions/{session_id}", headers=me)
        assert found.status_code == 200, found.text
        result: list[dict[str, Any]] = found.json()["messages"]
        return result


def build_container(
    backend: str,
    stand_ins: Upstreams,
    url: str | None,
    db: MemoryDatabase | None = None,
    limits: LimitSettings | None = None,
    redis_url: str | None = None,
    keys: str | None = None,
    providers: ProviderSettings | None = None,
    clock: Clock | None = None,
    changes: ChangeFeed | None = None,
) -> Container:
    settings = make_settings(
        keys=keys,
        database_url=url or "sqlite+aiosqlite:///:memory:",
        limits=limits,
        redis_url=redis_url,
        providers=providers,
    )
    catalog = TomlModelCatalog.from_package()
    if backend == "memory":
        database = memory_database(db or MemoryDatabase())
    else:
        database = sql_database(settings)
    return build(
        settings,
        database=database,
        providers=stand_ins.registry(catalog),
        catalog=catalog,
        hasher=Argon2PasswordHasher.fast_for_tests(),
        clock=clock,
        changes=changes,
    )


async def make_chat_api(
    backend: str,
    url: str | None = None,
    limits: LimitSettings | None = None,
    *,
    redis_url: str | None = None,
    db: MemoryDatabase | None = None,
    keys: str | None = None,
    providers: ProviderSettings | None = None,
    clock: Clock | None = None,
    changes: ChangeFeed | None = None,
) -> AsyncIterator[ChatApi]:
    """``db`` and ``keys``: apps sharing one memory database and keyring (instances of one
    deployment); ``clock``: the app's time (the system's by default); ``changes``: the change
    feed (by default the one the settings choose)."""
    stand_ins = upstreams()
    if db is None and backend == "memory":
        db = MemoryDatabase()
    container = build_container(
        backend, stand_ins, url, db, limits, redis_url, keys, providers, clock, changes
    )
    try:
        async with AsyncTestClient(create_app(container=container)) as client:
            yield ChatApi(client, container, stand_ins, db)
    finally:
        await container.aclose()
