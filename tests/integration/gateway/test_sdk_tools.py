"""The official openai SDK against the gateway with what agents send: tools (a full round trip,
and streamed), ``json_schema`` output and images, on an OpenAI model; malformed exchanges are
400s in OpenAI's shape that reach no provider."""

from __future__ import annotations

import base64
import json
from typing import Any

import openai
import pytest

from domain.provider import Provider
from tests.support.gateway import Gateway
from tests.support.wire import openai as openai_wire

REPLY = "Carry is positive; watch the ECB on Thursday."
QUOTE: Any = {
    "type": "function",
    "function": {
        "name": "quote",
        "description": "Latest price of a currency pair",
        "parameters": {
            "type": "object",
            "properties": {"pair": {"type": "string"}},
            "required": ["pair"],
            "additionalProperties": False,
        },
        "strict": True,
    },
}
ARGUMENTS = '{"pair": "EURUSD"}'
CALL = openai_wire.tool_call("call_q1", "quote", ARGUMENTS)
PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32).decode()


async def _openai_client(gateway: Gateway, email: str) -> openai.AsyncOpenAI:
    client = await gateway.user_with_key(email, Provider.OPENAI)
    gateway.api.upstreams[Provider.OPENAI].tool_calls = [CALL]
    return client


async def test_a_full_tool_round_trip(gateway: Gateway) -> None:
    client = await _openai_client(gateway, "round@example.com")
    question: Any = {"role": "user", "content": "Where is EURUSD?"}

    called = await client.chat.completions.create(
        model="gpt-4o-mini", messages=[question], tools=[QUOTE], tool_choice="auto"
    )
    message = called.choices[0].message
    assert called.choices[0].finish_reason == "tool_calls"
    assert message.content is None
    assert message.tool_calls is not None
    [call] = message.tool_calls
    assert call.type == "function"
    assert (call.id, call.function.name, call.function.arguments) == ("call_q1", "quote", ARGUMENTS)

    answered = await client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[
            question,
            message.model_dump(exclude_none=True),  # type: ignore[list-item]
            {"role": "tool", "tool_call_id": call.id, "content": "1.0842"},
        ],
        tools=[QUOTE],
    )

    assert answered.choices[0].message.content == REPLY
    assert answered.choices[0].finish_reason == "stop"
    first, second = gateway.api.upstreams[Provider.OPENAI].bodies()
    assert first["tools"] == [QUOTE]
    assert first["tool_choice"] == "auto"
    assert second["messages"][1:] == [
        {"role": "assistant", "tool_calls": [CALL]} | second["messages"][1],
        {"role": "tool", "tool_call_id": "call_q1", "content": "1.0842"},
    ]
    assert second["messages"][1]["tool_calls"] == [CALL]
    assert gateway.api.db is not None
    assert len(gateway.api.db.usage) == 2, "tool-call turns are recorded too"


async def test_a_streamed_tool_call(gateway: Gateway) -> None:
    client = await _openai_client(gateway, "streamed@example.com")

    stream = await client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "Where is EURUSD?"}],
        tools=[QUOTE],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = [chunk async for chunk in stream]

    pieces = [d for c in chunks if c.choices for d in c.choices[0].delta.tool_calls or ()]
    assert pieces[0].id == "call_q1"
    assert pieces[0].type == "function"
    assert pieces[0].function is not None
    assert pieces[0].function.name == "quote"
    assert all(p.index == 0 for p in pieces)
    assert all(p.id is None for p in pieces[1:])
    assert "".join((p.function.arguments or "") if p.function else "" for p in pieces) == ARGUMENTS
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "tool_calls"
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.total_tokens == 1280
    assert gateway.api.db is not None
    assert len(gateway.api.db.usage) == 1


async def test_json_schema_output(gateway: Gateway) -> None:
    client = await gateway.user_with_key("schema@example.com", Provider.OPENAI)
    gateway.api.upstreams[Provider.OPENAI].reply = '{"trend": "up", "confidence": 0.7}'
    response_format: Any = {
        "type": "json_schema",
        "json_schema": {
            "name": "trend",
            "strict": True,
            "schema": {
                "type": "object",
                "properties": {"trend": {"type": "string"}, "confidence": {"type": "number"}},
                "required": ["trend", "confidence"],
                "additionalProperties": False,
            },
        },
    }

    reply = await client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "EURUSD trend?"}],
        response_format=response_format,
    )

    assert json.loads(reply.choices[0].message.content or "") == {
        "trend": "up",
        "confidence": 0.7,
    }
    [sent] = gateway.api.upstreams[Provider.OPENAI].bodies()
    assert sent["response_format"] == response_format


async def test_an_image(gateway: Gateway) -> None:
    client = await gateway.user_with_key("image@example.com", Provider.OPENAI)
    url = f"data:image/png;base64,{PNG}"

    reply = await client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What is on this chart?"},
                    {"type": "image_url", "image_url": {"url": url, "detail": "low"}},
                ],
            }
        ],
    )

    assert reply.choices[0].message.content == REPLY
    [sent] = gateway.api.upstreams[Provider.OPENAI].bodies()
    assert sent["messages"][0]["content"][1] == {
        "type": "image_url",
        "image_url": {"url": url, "detail": "low"},
    }


async def test_the_default_model_is_the_callers_own(gateway: Gateway) -> None:
    client = await gateway.user_with_key("default@example.com", Provider.OPENAI)

    for model in ("default", "byom/default"):
        reply = await client.chat.completions.create(
            model=model, messages=[{"role": "user", "content": "hi"}]
        )
        assert reply.choices[0].message.content == REPLY
        assert reply.model == model

    assert len(gateway.api.upstreams[Provider.OPENAI].bodies()) == 2


def _image(url: str) -> Any:
    return {"role": "user", "content": [{"type": "image_url", "image_url": {"url": url}}]}


QUESTION: Any = {"role": "user", "content": "Where is EURUSD?"}
ASKED: Any = {"role": "assistant", "content": None, "tool_calls": [CALL]}
BAD_SCHEMA: Any = {
    "type": "function",
    "function": {"name": "quote", "parameters": {"type": "array"}},
}


@pytest.mark.parametrize(
    ("messages", "extra", "param", "says"),
    [
        (
            [QUESTION, {"role": "tool", "tool_call_id": "call_x", "content": "1.08"}],
            {},
            "messages[1]",
            "answers no call",
        ),
        ([QUESTION, ASKED], {}, None, "not answered"),
        (
            [QUESTION, ASKED, {"role": "user", "content": "well?"}],
            {},
            "messages[2]",
            "not answered",
        ),
        ([QUESTION], {"tools": [BAD_SCHEMA]}, "tools[0].function.parameters", "object"),
        (
            [QUESTION],
            {"response_format": {"type": "json_schema", "json_schema": {"name": "x"}}},
            "response_format.json_schema",
            "schema",
        ),
        (
            [_image("data:image/png;base64,not base64!")],
            {},
            "messages[0].content[0].image_url",
            "data URL",
        ),
        ([_image("data:image/tiff;base64,AAAA")], {}, "messages[0].content[0].image_url", "tiff"),
        (
            [
                QUESTION,
                {
                    **ASKED,
                    "tool_calls": [{**CALL, "function": {"name": "quote", "arguments": "{"}}],
                },
            ],
            {},
            "messages[1].tool_calls[0].function.arguments",
            "JSON",
        ),
    ],
    ids=[
        "orphan-tool-result",
        "unanswered-call-at-the-end",
        "unanswered-call-then-user",
        "bad-tool-schema",
        "json-schema-without-schema",
        "broken-data-url",
        "unsupported-image-type",
        "arguments-not-json",
    ],
)
async def test_malformed_exchanges_are_bad_requests_that_reach_no_provider(
    gateway: Gateway, messages: Any, extra: dict[str, Any], param: str | None, says: str
) -> None:
    client = await _openai_client(gateway, "malformed@example.com")

    with pytest.raises(openai.BadRequestError) as caught:
        await client.chat.completions.create(model="gpt-4o-mini", messages=messages, **extra)

    assert caught.value.param == param
    assert says in caught.value.message
    assert caught.value.body["type"] == "invalid_request_error"  # type: ignore[index]
    assert gateway.api.upstreams[Provider.OPENAI].bodies() == []
