"""A NUL character (which PostgreSQL text cannot hold) in a session title, system prompt or
message is a 422 before anything is stored or any provider is asked, not a 500 from the
database. Found by fuzzing against PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.support.api import Api, make_api
from tests.support.constants import OPENAI_KEY


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def api(request: pytest.FixtureRequest) -> AsyncIterator[Api]:
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")
    async for built in make_api(str(url)):
        yield built


@pytest.mark.parametrize("field", ["title", "system_prompt"])
async def test_a_session_field_with_nul_is_refused(api: Api, field: str) -> None:
    me = await api.signup_and_login("nul@example.com")
    await api.add(me, provider="openai", api_key=OPENAI_KEY, model_name="model-a")

    refused = await api.client.post(
        "/api/v1/agent-sessions", json={field: "desk\x00notes"}, headers=me
    )

    assert refused.status_code == 422, refused.text
    assert refused.json()["type"] == "/problems/invalid-message"
    assert await api.rows("agent_sessions") == []


async def test_a_message_with_nul_is_refused_before_the_provider_is_asked(api: Api) -> None:
    me = await api.signup_and_login("nul@example.com")
    await api.add(me, provider="openai", api_key=OPENAI_KEY, model_name="model-a")
    session = await api.client.post("/api/v1/agent-sessions", json={}, headers=me)
    calls = api.providers.calls

    refused = await api.client.post(
        f"/api/v1/agent-sessions/{session.json()['id']}/messages",
        json={"content": "hello\x00"},
        headers=me,
    )

    assert refused.status_code == 422, refused.text
    assert refused.json()["type"] == "/problems/invalid-message"
    assert api.providers.calls == calls
    assert await api.rows("agent_messages") == []
