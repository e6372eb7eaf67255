"""The official openai SDK against the gateway with tools (a full round trip, and streamed) on
OpenAI, Anthropic and Gemini models, through the real adapters; each test checks what reached
the provider in ITS wire, and the usage rows recorded for tool-call turns."""

from __future__ import annotations

import json
from typing import Any

from domain.provider import Provider
from tests.support.gateway import Gateway
from tests.support.sdk_caller import (
    PARAMETERS,
    PROVIDERS,
    QUOTE,
    make_caller,
)
from tests.support.tool_exchange import CALL_IDS, REPLY, answer_reached


def _asked_for_the_tool(provider: Provider, sent: dict[str, Any]) -> None:
    if provider is Provider.ANTHROPIC:
        assert sent["tools"] == [
            {
                "name": "quote",
                "input_schema": PARAMETERS,
                "description": "Latest price of a currency pair",
            }
        ]
        assert sent["tool_choice"] == {"type": "auto"}
    elif provider is Provider.GOOGLE:
        [declared] = sent["tools"][0]["functionDeclarations"]
        assert declared["name"] == "quote"
        assert declared["parametersJsonSchema"] == PARAMETERS
        assert sent["toolConfig"] == {"functionCallingConfig": {"mode": "AUTO"}}
    else:
        assert sent["tools"] == [QUOTE]
        assert sent["tool_choice"] == "auto"


@PROVIDERS
async def test_a_full_tool_round_trip(gateway: Gateway, provider: Provider) -> None:
    caller = await make_caller(gateway, provider, f"round-{provider.value}@example.com")
    question: Any = {"role": "user", "content": "Where is EURUSD?"}

    called = await caller.client.chat.completions.create(
        model=caller.model, messages=[question], tools=[QUOTE], tool_choice="auto"
    )
    message = called.choices[0].message
    assert called.choices[0].finish_reason == "tool_calls"
    assert not message.content
    assert message.tool_calls is not None
    [call] = message.tool_calls
    assert call.type == "function"
    assert (call.function.name, json.loads(call.function.arguments)) == (
        "quote",
        {"pair": "EURUSD"},
    )
    assert call.id == (CALL_IDS[provider] or call.id)
    assert call.id

    answered = await caller.client.chat.completions.create(
        model=caller.model,
        messages=[
            question,
            message.model_dump(exclude_none=True),  # type: ignore[list-item]
            {"role": "tool", "tool_call_id": call.id, "content": "1.0842"},
        ],
        tools=[QUOTE],
    )

    assert answered.choices[0].message.content == REPLY
    assert answered.choices[0].finish_reason == "stop"
    first, second = caller.upstream.bodies()
    _asked_for_the_tool(provider, first)
    answer_reached(provider, second, call.id)
    assert await caller.usage_calls(gateway) == [(provider.value, caller.model, 2)], (
        "tool-call turns are recorded too"
    )


@PROVIDERS
async def test_a_streamed_tool_call(gateway: Gateway, provider: Provider) -> None:
    caller = await make_caller(gateway, provider, f"streamed-{provider.value}@example.com")

    stream = await caller.client.chat.completions.create(
        model=caller.model,
        messages=[{"role": "user", "content": "Where is EURUSD?"}],
        tools=[QUOTE],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = [chunk async for chunk in stream]

    pieces = [d for c in chunks if c.choices for d in c.choices[0].delta.tool_calls or ()]
    assert pieces[0].id
    assert pieces[0].id == (CALL_IDS[provider] or pieces[0].id)
    assert pieces[0].type == "function"
    assert pieces[0].function is not None
    assert pieces[0].function.name == "quote"
    assert all(p.index == 0 for p in pieces)
    assert all(p.id is None for p in pieces[1:])
    arguments = "".join((p.function.arguments or "") if p.function else "" for p in pieces)
    assert json.loads(arguments) == {"pair": "EURUSD"}
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "tool_calls"
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.total_tokens == 1280
    assert await caller.usage_calls(gateway) == [(provider.value, caller.model, 1)]


async def test_the_default_model_is_the_callers_own(gateway: Gateway) -> None:
    client = await gateway.user_with_key("default@example.com", Provider.OPENAI)

    for model in ("default", "byom/default"):
        reply = await client.chat.completions.create(
            model=model, messages=[{"role": "user", "content": "hi"}]
        )
        assert reply.choices[0].message.content == REPLY
        assert reply.model == model

    assert len(gateway.api.upstreams[Provider.OPENAI].bodies()) == 2
