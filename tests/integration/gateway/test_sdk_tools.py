"""The official openai SDK against the gateway with what agents send: tools (a full round trip,
and streamed), ``json_schema`` output and images, on OpenAI, Anthropic and Gemini models, through
the real adapters; each test checks what reached the provider in ITS wire, and the usage rows."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

import openai
import pytest

from domain.provider import Provider
from tests.support.gateway import Gateway
from tests.support.upstreams import MODELS, Upstream
from tests.support.wire import openai as openai_wire

REPLY = "Carry is positive; watch the ECB on Thursday."
PARAMETERS = {
    "type": "object",
    "properties": {"pair": {"type": "string"}},
    "required": ["pair"],
    "additionalProperties": False,
}
QUOTE: Any = {
    "type": "function",
    "function": {
        "name": "quote",
        "description": "Latest price of a currency pair",
        "parameters": PARAMETERS,
        "strict": True,
    },
}
ARGUMENTS = '{"pair": "EURUSD"}'
# The id each provider's model gives its call (Gemini gives none: BYOM makes one).
CALL_IDS = {Provider.OPENAI: "call_q1", Provider.ANTHROPIC: "toolu_01Q1", Provider.GOOGLE: None}
PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32).decode()
TREND = {
    "type": "object",
    "properties": {"trend": {"type": "string"}, "confidence": {"type": "number"}},
    "required": ["trend", "confidence"],
    "additionalProperties": False,
}
PROVIDERS = pytest.mark.parametrize(
    "provider",
    [Provider.OPENAI, Provider.ANTHROPIC, Provider.GOOGLE],
    ids=["openai", "anthropic", "gemini"],
)


@dataclass
class Caller:
    client: openai.AsyncOpenAI
    me: dict[str, str]
    upstream: Upstream
    model: str

    async def usage_calls(self, gateway: Gateway) -> list[tuple[str, str, int]]:
        found = await gateway.api.client.get("/api/v1/users/me/usage", headers=self.me)
        assert found.status_code == 200, found.text
        return [(t["provider"], t["model"], t["calls"]) for t in found.json()["totals"]]


async def _caller(gateway: Gateway, provider: Provider, email: str) -> Caller:
    me = await gateway.api.user(email)
    await gateway.api.add_key(me, provider)
    client = gateway.sdk((await gateway.token(me))["token"])
    upstream = gateway.api.upstreams[provider]
    call_id = CALL_IDS[provider] or "ignored"  # Gemini's wire has no id to give
    upstream.tool_calls = [openai_wire.tool_call(call_id, "quote", ARGUMENTS)]
    return Caller(client, me, upstream, MODELS[provider])


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


def _answer_reached(provider: Provider, sent: dict[str, Any], call_id: str) -> None:
    """The second request replays the call and its answer in the provider's own pairing."""
    if provider is Provider.ANTHROPIC:
        assert sent["messages"][1:] == [
            {
                "role": "assistant",
                "content": [
                    {
                        "type": "tool_use",
                        "id": call_id,
                        "name": "quote",
                        "input": {"pair": "EURUSD"},
                    }
                ],
            },
            {
                "role": "user",
                "content": [{"type": "tool_result", "tool_use_id": call_id, "content": "1.0842"}],
            },
        ]
    elif provider is Provider.GOOGLE:
        assert sent["contents"][1:] == [
            {
                "role": "model",
                "parts": [{"functionCall": {"name": "quote", "args": {"pair": "EURUSD"}}}],
            },
            {
                "role": "user",
                "parts": [
                    {"functionResponse": {"name": "quote", "response": {"result": "1.0842"}}}
                ],
            },
        ]
    else:
        assert sent["messages"][1]["tool_calls"] == [
            openai_wire.tool_call(call_id, "quote", ARGUMENTS)
        ]
        assert sent["messages"][2] == {"role": "tool", "tool_call_id": call_id, "content": "1.0842"}


@PROVIDERS
async def test_a_full_tool_round_trip(gateway: Gateway, provider: Provider) -> None:
    caller = await _caller(gateway, provider, f"round-{provider.value}@example.com")
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
    _answer_reached(provider, second, call.id)
    assert await caller.usage_calls(gateway) == [(provider.value, caller.model, 2)], (
        "tool-call turns are recorded too"
    )


@PROVIDERS
async def test_a_streamed_tool_call(gateway: Gateway, provider: Provider) -> None:
    caller = await _caller(gateway, provider, f"streamed-{provider.value}@example.com")

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


def _schema_reached(provider: Provider, sent: dict[str, Any], response_format: Any) -> None:
    if provider is Provider.ANTHROPIC:
        # A forced tool of BYOM's own carries the schema (Anthropic has no strict mode).
        [tool] = sent["tools"]
        assert (tool["name"], tool["input_schema"]) == ("trend", TREND)
        assert sent["tool_choice"] == {
            "type": "tool",
            "name": "trend",
            "disable_parallel_tool_use": True,
        }
    elif provider is Provider.GOOGLE:
        config = sent["generationConfig"]
        assert config["responseMimeType"] == "application/json"
        assert config["responseJsonSchema"] == TREND
    else:
        assert sent["response_format"] == response_format


@PROVIDERS
async def test_json_schema_output(gateway: Gateway, provider: Provider) -> None:
    caller = await _caller(gateway, provider, f"schema-{provider.value}@example.com")
    caller.upstream.tool_calls = []
    caller.upstream.reply = '{"trend": "up", "confidence": 0.7}'
    response_format: Any = {
        "type": "json_schema",
        "json_schema": {"name": "trend", "strict": True, "schema": TREND},
    }

    reply = await caller.client.chat.completions.create(
        model=caller.model,
        messages=[{"role": "user", "content": "EURUSD trend?"}],
        response_format=response_format,
    )

    assert json.loads(reply.choices[0].message.content or "") == {"trend": "up", "confidence": 0.7}
    assert reply.choices[0].finish_reason == "stop"
    assert reply.choices[0].message.tool_calls is None, "never a call the caller did not ask for"
    [sent] = caller.upstream.bodies()
    _schema_reached(provider, sent, response_format)
    assert await caller.usage_calls(gateway) == [(provider.value, caller.model, 1)]


async def test_a_schema_keyword_gemini_does_not_apply_is_a_clear_400(gateway: Gateway) -> None:
    caller = await _caller(gateway, Provider.GOOGLE, "pattern@example.com")
    schema = {"type": "object", "properties": {"pair": {"type": "string", "pattern": "^[A-Z]{6}$"}}}
    response_format: Any = {"type": "json_schema", "json_schema": {"name": "p", "schema": schema}}

    with pytest.raises(openai.BadRequestError) as caught:
        await caller.client.chat.completions.create(
            model=caller.model,
            messages=[{"role": "user", "content": "EURUSD?"}],
            response_format=response_format,
        )

    assert caught.value.param == "response_format.json_schema.schema.properties.pair"
    assert "Gemini" in caught.value.message
    assert "'pattern'" in caught.value.message
    assert caller.upstream.bodies() == []


def _image_reached(provider: Provider, sent: dict[str, Any], url: str) -> None:
    if provider is Provider.ANTHROPIC:
        assert sent["messages"][0]["content"][1] == {
            "type": "image",
            "source": {"type": "base64", "media_type": "image/png", "data": PNG},
        }
    elif provider is Provider.GOOGLE:
        assert sent["contents"][0]["parts"][1] == {
            "inlineData": {"mimeType": "image/png", "data": PNG}
        }
    else:
        assert sent["messages"][0]["content"][1] == {
            "type": "image_url",
            "image_url": {"url": url, "detail": "low"},
        }


def _chart(url: str) -> Any:
    return {
        "role": "user",
        "content": [
            {"type": "text", "text": "What is on this chart?"},
            {"type": "image_url", "image_url": {"url": url, "detail": "low"}},
        ],
    }


@PROVIDERS
async def test_an_image(gateway: Gateway, provider: Provider) -> None:
    caller = await _caller(gateway, provider, f"image-{provider.value}@example.com")
    url = f"data:image/png;base64,{PNG}"

    reply = await caller.client.chat.completions.create(model=caller.model, messages=[_chart(url)])

    assert reply.choices[0].message.content == REPLY
    [sent] = caller.upstream.bodies()
    _image_reached(provider, sent, url)


async def test_an_https_image_on_gemini_is_a_clear_400(gateway: Gateway) -> None:
    caller = await _caller(gateway, Provider.GOOGLE, "https-image@example.com")

    with pytest.raises(openai.BadRequestError) as caught:
        await caller.client.chat.completions.create(
            model=caller.model, messages=[_chart("https://charts.example.com/eurusd.png")]
        )

    assert caught.value.param == "messages[0].content[1].image_url"
    assert "Gemini" in caught.value.message
    assert caller.upstream.bodies() == []


async def test_the_default_model_is_the_callers_own(gateway: Gateway) -> None:
    client = await gateway.user_with_key("default@example.com", Provider.OPENAI)

    for model in ("default", "byom/default"):
        reply = await client.chat.completions.create(
            model=model, messages=[{"role": "user", "content": "hi"}]
        )
        assert reply.choices[0].message.content == REPLY
        assert reply.model == model

    assert len(gateway.api.upstreams[Provider.OPENAI].bodies()) == 2
