"""Sessions over HTTP carry a tool round trip on every provider, through the real adapters and
each provider's stand-in: tools with a user message -> an assistant message with its calls
(stored) -> tool results -> the answer; what reached the provider is checked in ITS wire, and
the usage of both turns is recorded."""

from __future__ import annotations

import json
from typing import Any

import pytest

from domain.provider import Provider
from tests.support.chat_api import ChatApi, parse_sse
from tests.support.tool_exchange import ARGUMENTS, CALL_IDS, REPLY, answer_reached
from tests.support.upstreams import MODELS
from tests.support.wire import openai as openai_wire

PARAMETERS = {
    "type": "object",
    "properties": {"pair": {"type": "string"}},
    "required": ["pair"],
}
QUOTE = {
    "name": "quote",
    "description": "Latest price of a currency pair",
    "parameters": PARAMETERS,
}
PROVIDERS = pytest.mark.parametrize("provider", list(Provider), ids=lambda p: p.value)


async def _session(api: ChatApi, provider: Provider, email: str) -> tuple[dict[str, str], str]:
    me = await api.user(email)
    await api.add_key(me, provider)
    api.upstreams[provider].tool_calls = [
        openai_wire.tool_call(CALL_IDS[provider] or "ignored", "quote", ARGUMENTS)
    ]
    session = await api.start(me, title="FX desk")
    assert session["llm_provider"] == provider.value
    return me, str(session["id"])


def _the_call_is_well_formed(provider: Provider, call: dict[str, Any]) -> str:
    assert call["name"] == "quote"
    assert json.loads(call["arguments"]) == {"pair": "EURUSD"}
    assert call["id"] == (CALL_IDS[provider] or call["id"])
    assert call["id"]
    return str(call["id"])


def _tools_reached(provider: Provider, sent: dict[str, Any]) -> None:
    if provider is Provider.ANTHROPIC:
        assert [t["name"] for t in sent["tools"]] == ["quote"]
        assert sent["tools"][0]["input_schema"] == {"type": "object", **PARAMETERS}
    elif provider is Provider.GOOGLE:
        [declared] = sent["tools"][0]["functionDeclarations"]
        assert (declared["name"], declared["parametersJsonSchema"]) == ("quote", PARAMETERS)
    else:
        assert [t["function"]["name"] for t in sent["tools"]] == ["quote"]


async def _finish(api: ChatApi, provider: Provider, me: dict[str, str], session_id: str) -> str:
    """Sends the tool result, checks the answer, the stored history and the usage rows."""
    stored = await api.messages(me, session_id)
    call_id = str(stored[-1]["tool_calls"][0]["id"])
    answered = await api.send(
        me,
        session_id,
        "",
        tool_results=[{"tool_call_id": call_id, "content": "1.0842"}],
    )

    assert answered.status_code == 200, answered.text
    assert answered.json()["content"] == REPLY
    asked, second = api.upstreams[provider].bodies()
    _tools_reached(provider, asked)
    answer_reached(provider, second, call_id)
    stored = await api.messages(me, session_id)
    assert [(m["role"], len(m["tool_calls"]), m["tool_call_id"]) for m in stored] == [
        ("user", 0, None),
        ("assistant", 1, None),
        ("tool", 0, call_id),
        ("assistant", 0, None),
    ]
    usage = await api.client.get("/api/v1/users/me/usage", headers=me)
    assert [(t["provider"], t["model"], t["calls"]) for t in usage.json()["totals"]] == [
        (provider.value, MODELS[provider], 2)
    ], "the tool-call turn is recorded too"
    return call_id


@PROVIDERS
async def test_a_tool_round_trip_over_json(api: ChatApi, provider: Provider) -> None:
    me, session_id = await _session(api, provider, f"json-{provider.value}@example.com")

    asked = await api.send(me, session_id, "Where is EURUSD?", tools=[QUOTE], tool_choice="auto")

    assert asked.status_code == 200, asked.text
    message = asked.json()
    assert (message["role"], message["content"]) == ("assistant", "")
    [call] = message["tool_calls"]
    call_id = _the_call_is_well_formed(provider, call)
    assert message["usage"] == {"input_tokens": 1200, "output_tokens": 80}
    assert await _finish(api, provider, me, session_id) == call_id


@PROVIDERS
async def test_a_tool_round_trip_over_sse(api: ChatApi, provider: Provider) -> None:
    me, session_id = await _session(api, provider, f"sse-{provider.value}@example.com")

    streamed = await api.client.post(
        f"/api/v1/agent-sessions/{session_id}/messages",
        json={"content": "Where is EURUSD?", "tools": [QUOTE]},
        headers={**me, "Accept": "text/event-stream"},
    )

    assert streamed.status_code == 200, streamed.text
    events = parse_sse(streamed.text)
    assert [e.event for e in events] == ["tool_call", "done"]
    call_id = _the_call_is_well_formed(provider, events[0].data)
    done = events[-1].data
    assert done["message"]["tool_calls"] == [events[0].data]
    assert done["usage"] == {"input_tokens": 1200, "output_tokens": 80}
    assert done["incomplete"] is False
    assert await _finish(api, provider, me, session_id) == call_id
