"""A reply that cannot be stored after its stream started: an ``error`` event, never a crash."""

from __future__ import annotations

from types import TracebackType
from typing import Any, Self

from litestar.testing import AsyncTestClient

from adapters.auth.argon2_hasher import Argon2PasswordHasher
from adapters.persistence.errors import StoreUnavailable
from adapters.persistence.memory import MemoryKeyCanaryStore
from adapters.persistence.memory.database import MemoryDatabase
from domain.ports import UnitOfWork
from domain.provider import Provider
from entrypoints.bootstrap import Database, build
from entrypoints.http.app import create_app
from tests.support.builders import make_settings
from tests.support.constants import PASSWORD
from tests.support.fakes import FakeCatalog, FakeHealthProbe, FakeProviderRegistry

KEY = "sk-proj-stream-store-failure-0001"


class FlakyUnitOfWork:
    """The in-memory unit of work, whose commit fails while the database is "down"."""

    def __init__(self, inner: UnitOfWork, outage: dict[str, bool]) -> None:
        self._inner = inner
        self._outage = outage

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def __aenter__(self) -> Self:
        await self._inner.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._inner.__aexit__(exc_type, exc, tb)

    async def commit(self) -> None:
        if self._outage["down"]:
            raise StoreUnavailable()
        await self._inner.commit()


async def test_a_store_failure_at_the_end_of_a_stream_is_an_error_event() -> None:
    db = MemoryDatabase()
    outage = {"down": False}
    providers = FakeProviderRegistry()
    providers.accept(Provider.OPENAI, KEY)
    providers.get(Provider.OPENAI).models = ("model-a",)

    async def close() -> None:
        return None

    container = build(
        make_settings(),
        database=Database(
            lambda: FlakyUnitOfWork(db.unit_of_work(), outage),
            FakeHealthProbe(),
            close,
            MemoryKeyCanaryStore(db.key_canaries),
        ),
        providers=providers,
        catalog=FakeCatalog(),
        hasher=Argon2PasswordHasher.fast_for_tests(),
    )
    async with AsyncTestClient(create_app(container=container)) as client:
        creds = {"email": "stream@example.com", "password": PASSWORD}
        await client.post("/api/v1/auth/signup", json=creds)
        token = (await client.post("/api/v1/auth/login", json=creds)).json()["access_token"]
        me = {"Authorization": f"Bearer {token}"}
        added = await client.post(
            "/api/v1/users/me/llm-credentials",
            json={"provider": "openai", "api_key": KEY},
            headers=me,
        )
        assert added.status_code == 201
        session = (await client.post("/api/v1/agent-sessions", json={}, headers=me)).json()

        outage["down"] = True
        response = await client.post(
            f"/api/v1/agent-sessions/{session['id']}/messages",
            json={"content": "hello"},
            headers={**me, "accept": "text/event-stream"},
        )
    assert response.status_code == 200
    events = [block.split("\n")[0] for block in response.text.strip().split("\n\n")]
    assert events[0] == "event: delta"
    assert events[-1] == "event: error"
    assert "event: done" not in events
    assert "/problems/service-unavailable" in response.text
