"""Tools, tool results, images and per-provider system prompts over HTTP, JSON and SSE, on
SQLite and PostgreSQL (migrated by Alembic), with fake providers behind the real app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from domain.content import TextPart, image_from_url
from domain.llm import ChatMessage, Role
from domain.provider import Provider
from domain.tools import OutputKind, ToolCall, ToolChoiceMode
from tests.support.api import Api, make_api
from tests.support.chat_api import parse_sse
from tests.support.constants import ANTHROPIC_KEY, OPENAI_KEY

PRICE = {
    "name": "get_price",
    "description": "The last traded price of a symbol",
    "parameters": {
        "type": "object",
        "properties": {"symbol": {"type": "string"}},
        "required": ["symbol"],
    },
}
CALLS = (
    ToolCall("call_1", "get_price", '{"symbol": "AAPL"}'),
    ToolCall("call_2", "get_price", '{"symbol": "MSFT"}'),
)
PNG = "data:image/png;base64,iVBORw0KGgo="


@pytest.fixture
async def api(db_url: str) -> AsyncIterator[Api]:
    async for built in make_api(db_url):
        yield built


async def _session(api: Api, provider: str = "openai", **body: Any) -> tuple[dict[str, str], str]:
    me = await api.signup_and_login(f"{provider}-tools@example.com")
    key = OPENAI_KEY if provider == "openai" else ANTHROPIC_KEY
    await api.add(me, provider=provider, api_key=key, model_name="model-a")
    started = await api.client.post("/api/v1/agent-sessions", json=body, headers=me)
    assert started.status_code == 201, started.text
    return me, str(started.json()["id"])


async def _send(api: Api, me: dict[str, str], session_id: str, **body: Any) -> Any:
    return await api.client.post(
        f"/api/v1/agent-sessions/{session_id}/messages", json=body, headers=me
    )


async def test_a_tool_round_trip_over_json(api: Api) -> None:
    me, session_id = await _session(api)
    fake = api.providers.get(Provider.OPENAI)
    fake.tool_calls = CALLS

    asked = await _send(
        api,
        me,
        session_id,
        content="Price AAPL and MSFT",
        tools=[PRICE],
        tool_choice={"name": "get_price"},
    )

    assert asked.status_code == 200, asked.text
    body = asked.json()
    assert body["role"] == "assistant"
    assert body["content"] == ""
    assert body["tool_calls"] == [
        {"id": "call_1", "name": "get_price", "arguments": '{"symbol": "AAPL"}'},
        {"id": "call_2", "name": "get_price", "arguments": '{"symbol": "MSFT"}'},
    ]
    assert body["usage"] == {"input_tokens": 12, "output_tokens": 5}
    [first] = fake.requests
    assert first.tools[0].name == "get_price"
    assert first.tool_choice is not None
    assert (first.tool_choice.mode, first.tool_choice.name) == (
        ToolChoiceMode.REQUIRED,
        "get_price",
    )

    answered = await _send(
        api,
        me,
        session_id,
        tool_results=[
            {"tool_call_id": "call_1", "content": '{"price": 190}'},
            {"tool_call_id": "call_2", "content": "410"},
        ],
    )

    assert answered.status_code == 200, answered.text
    assert answered.json()["content"] == "Hello from the fake model."
    assert fake.requests[1].messages[1:] == (
        ChatMessage(Role.ASSISTANT, "", tool_calls=CALLS),
        ChatMessage(Role.TOOL, '{"price": 190}', tool_call_id="call_1", name="get_price"),
        ChatMessage(Role.TOOL, "410", tool_call_id="call_2", name="get_price"),
    )
    found = await api.client.get(f"/api/v1/agent-sessions/{session_id}", headers=me)
    stored = found.json()["messages"]
    assert [(m["role"], len(m["tool_calls"]), m["tool_call_id"]) for m in stored] == [
        ("user", 0, None),
        ("assistant", 2, None),
        ("tool", 0, "call_1"),
        ("tool", 0, "call_2"),
        ("assistant", 0, None),
    ]
    assert len(await api.rows("llm_usage")) == 2


async def test_one_tool_result_as_a_tool_message(api: Api) -> None:
    me, session_id = await _session(api)
    fake = api.providers.get(Provider.OPENAI)
    fake.tool_calls = CALLS[:1]
    await _send(api, me, session_id, content="AAPL?", tools=[PRICE])

    answered = await _send(api, me, session_id, role="tool", tool_call_id="call_1", content="190")

    assert answered.status_code == 200, answered.text
    assert fake.requests[1].messages[-1] == ChatMessage(
        Role.TOOL, "190", tool_call_id="call_1", name="get_price"
    )


async def test_a_streamed_tool_call_ends_in_tool_call_events_and_done_with_the_message(
    api: Api,
) -> None:
    me, session_id = await _session(api, "anthropic")
    api.providers.get(Provider.ANTHROPIC).tool_calls = CALLS

    streamed = await api.client.post(
        f"/api/v1/agent-sessions/{session_id}/messages",
        json={"content": "Price them", "tools": [PRICE], "tool_choice": "required"},
        headers={**me, "Accept": "text/event-stream"},
    )

    assert streamed.status_code == 200, streamed.text
    events = parse_sse(streamed.text)
    assert [e.event for e in events] == ["tool_call", "tool_call", "done"]
    assert events[0].data == {
        "id": "call_1",
        "name": "get_price",
        "arguments": '{"symbol": "AAPL"}',
    }
    done = events[-1].data
    assert done["message"]["tool_calls"] == [e.data for e in events[:2]]
    assert done["message"]["id"] == done["message_id"]
    assert done["incomplete"] is False


async def test_images_are_stored_and_returned(api: Api) -> None:
    me, session_id = await _session(api)
    fake = api.providers.get(Provider.OPENAI)

    sent = await _send(
        api,
        me,
        session_id,
        content=[
            {"type": "text", "text": "What is in this chart?"},
            {"type": "image", "url": PNG},
            {"type": "image", "url": "https://example.com/chart.png", "detail": "low"},
        ],
    )

    assert sent.status_code == 200, sent.text
    found = await api.client.get(f"/api/v1/agent-sessions/{session_id}", headers=me)
    question = found.json()["messages"][0]
    assert question["content"] == "What is in this chart?"
    assert question["images"] == [
        {"url": PNG, "detail": None, "type": "image"},
        {"url": "https://example.com/chart.png", "detail": "low", "type": "image"},
    ]
    assert fake.requests[0].messages[0].content == (
        TextPart("What is in this chart?"),
        image_from_url(PNG),
        image_from_url("https://example.com/chart.png", detail="low"),
    )


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"content": [{"type": "image", "url": "data:image/png;base64,@@"}]}, "base64"),
        ({"content": [{"type": "image", "url": "http://example.com/a.png"}]}, "https://"),
        ({"content": "hi", "tools": [{**PRICE, "parameters": {"type": "array"}}]}, "object"),
        ({"content": "hi", "tools": [PRICE], "tool_choice": {"name": "nope"}}, "not in tools"),
        ({"tool_results": [{"tool_call_id": "call_1", "content": "x"}]}, "answers no call"),
        ({"role": "tool", "content": "x"}, "tool_call_id"),
        ({"content": ""}, "empty"),
    ],
    ids=[
        "broken-data-url",
        "http-url",
        "bad-schema",
        "unknown-tool-choice",
        "result-for-no-call",
        "tool-without-id",
        "empty",
    ],
)
async def test_malformed_turns_are_refused_and_reach_no_provider(
    api: Api, body: dict[str, Any], detail: str
) -> None:
    me, session_id = await _session(api)

    refused = await _send(api, me, session_id, **body)

    # Sessions answer a message they cannot take with 422 invalid-message (the house rule);
    # what a provider cannot do is 400 unsupported-feature.
    assert refused.status_code == 422, refused.text
    assert refused.json()["type"] == "/problems/invalid-message"
    assert detail in refused.json()["detail"]
    assert api.providers.get(Provider.OPENAI).requests == []
    assert await api.rows("agent_messages") == []


async def test_json_output_and_per_provider_system_prompts(api: Api) -> None:
    me, session_id = await _session(
        api,
        "anthropic",
        system_prompt="Fallback.",
        system_prompts={"anthropic": "Answer in JSON.", "openai": "Be terse."},
    )
    schema = {"type": "object", "properties": {"x": {"type": "number"}}}

    sent = await _send(
        api,
        me,
        session_id,
        content="A point",
        output_format={"type": "json_schema", "schema": schema, "name": "point"},
    )

    assert sent.status_code == 200, sent.text
    [request] = api.providers.get(Provider.ANTHROPIC).requests
    assert request.system == "Answer in JSON."
    assert request.output is not None
    assert (request.output.kind, request.output.schema, request.output.name) == (
        OutputKind.JSON_SCHEMA,
        schema,
        "point",
    )
    found = await api.client.get(f"/api/v1/agent-sessions/{session_id}", headers=me)
    assert found.json()["system_prompts"] == {"anthropic": "Answer in JSON.", "openai": "Be terse."}


async def test_a_tool_call_with_nul_characters_is_stored_without_them(api: Api) -> None:
    me, session_id = await _session(api)
    api.providers.get(Provider.OPENAI).tool_calls = (
        ToolCall("call\x00x", "get_price", '{"symbol": "A\\u0000\x00"}'),
    )

    asked = await _send(api, me, session_id, content="Price", tools=[PRICE])

    assert asked.status_code == 200, asked.text
    [call] = asked.json()["tool_calls"]
    assert call["id"] == "call\ufffdx"
    assert "\x00" not in call["arguments"]
    answered = await _send(
        api, me, session_id, tool_results=[{"tool_call_id": "call\ufffdx", "content": "1"}]
    )
    assert answered.status_code == 200, answered.text
