"""The official openai SDK against the gateway with ``json_schema`` output and images on OpenAI,
Anthropic and Gemini models, through the real adapters; what Gemini cannot take is a clear 400
that reaches no provider."""

from __future__ import annotations

import base64
import json
from typing import Any

import openai
import pytest

from domain.provider import Provider
from tests.support.gateway import Gateway
from tests.support.sdk_caller import PROVIDERS, make_caller
from tests.support.tool_exchange import REPLY

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32).decode()
TREND = {
    "type": "object",
    "properties": {"trend": {"type": "string"}, "confidence": {"type": "number"}},
    "required": ["trend", "confidence"],
    "additionalProperties": False,
}


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
    caller = await make_caller(gateway, provider, f"schema-{provider.value}@example.com")
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
    caller = await make_caller(gateway, Provider.GOOGLE, "pattern@example.com")
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
    caller = await make_caller(gateway, provider, f"image-{provider.value}@example.com")
    url = f"data:image/png;base64,{PNG}"

    reply = await caller.client.chat.completions.create(model=caller.model, messages=[_chart(url)])

    assert reply.choices[0].message.content == REPLY
    [sent] = caller.upstream.bodies()
    _image_reached(provider, sent, url)


async def test_an_https_image_on_gemini_is_a_clear_400(gateway: Gateway) -> None:
    caller = await make_caller(gateway, Provider.GOOGLE, "https-image@example.com")

    with pytest.raises(openai.BadRequestError) as caught:
        await caller.client.chat.completions.create(
            model=caller.model, messages=[_chart("https://charts.example.com/eurusd.png")]
        )

    assert caught.value.param == "messages[0].content[1].image_url"
    assert "Gemini" in caught.value.message
    assert caller.upstream.bodies() == []
