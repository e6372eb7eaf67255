"""What the send route bounds, over HTTP on SQLite and PostgreSQL: the body's lists, and the
tool calls a model brings back (an over-long name must not break the next turn's row)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from domain.provider import Provider
from domain.tools import ToolCall
from tests.support.api import Api, make_api
from tests.support.constants import OPENAI_KEY

TOOL = {"name": "f", "parameters": {"type": "object"}}


@pytest.fixture
async def api(db_url: str) -> AsyncIterator[Api]:
    async for built in make_api(db_url):
        yield built


async def _session(api: Api) -> tuple[dict[str, str], str]:
    me = await api.signup_and_login("limits@example.com")
    await api.add(me, provider="openai", api_key=OPENAI_KEY, model_name="model-a")
    started = await api.client.post("/api/v1/agent-sessions", json={}, headers=me)
    assert started.status_code == 201, started.text
    return me, str(started.json()["id"])


async def _send(api: Api, me: dict[str, str], session_id: str, **body: Any) -> Any:
    return await api.client.post(
        f"/api/v1/agent-sessions/{session_id}/messages", json=body, headers=me
    )


@pytest.mark.parametrize(
    ("body", "cap"),
    [
        ({"content": [{"type": "text", "text": ""}] * 65}, "64"),
        ({"content": "hi", "tools": [{**TOOL, "name": f"f{i}"} for i in range(129)]}, "128"),
        ({"tool_results": [{"tool_call_id": f"c{i}", "content": ""} for i in range(129)]}, "128"),
    ],
    ids=["65-parts", "129-tools", "129-tool-results"],
)
async def test_the_bodys_lists_are_capped(api: Api, body: dict[str, Any], cap: str) -> None:
    me, session_id = await _session(api)

    refused = await _send(api, me, session_id, **body)

    assert refused.status_code == 422, refused.text
    assert refused.json()["type"] == "/problems/validation-error"
    assert f"length <= {cap}" in refused.json()["detail"]
    assert api.providers.get(Provider.OPENAI).requests == []
    assert await api.rows("agent_messages") == []


async def test_an_over_long_call_from_the_model_is_stored_and_answerable(api: Api) -> None:
    me, session_id = await _session(api)
    api.providers.get(Provider.OPENAI).tool_calls = (
        ToolCall("i" * 300, "n" * 300, "{}"),
        ToolCall("i" * 300, "f", "{}"),
    )

    asked = await _send(api, me, session_id, content="go", tools=[TOOL])

    assert asked.status_code == 200, asked.text
    calls = asked.json()["tool_calls"]
    assert [len(c["id"]) for c in calls] == [37, 37]
    assert calls[0]["id"] != calls[1]["id"]
    assert calls[0]["name"] == "n" * 64
    answered = await _send(
        api,
        me,
        session_id,
        tool_results=[{"tool_call_id": c["id"], "content": "ok"} for c in calls],
    )
    assert answered.status_code == 200, answered.text
    found = await api.client.get(f"/api/v1/agent-sessions/{session_id}", headers=me)
    assert [m["role"] for m in found.json()["messages"]] == [
        "user",
        "assistant",
        "tool",
        "tool",
        "assistant",
    ]
