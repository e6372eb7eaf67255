"""Every /v1 answer that is not a success is in OpenAI's shape, routing and size limits
included; ``GET /v1/models/{id}``."""

from __future__ import annotations

import openai
import pytest

from domain.provider import Provider
from entrypoints.http.gateway.completions import GATEWAY_BODY_LIMIT
from tests.support.gateway import Gateway


async def test_a_model_is_retrieved_by_id_and_an_unknown_one_is_not_found(
    gateway: Gateway,
) -> None:
    client = await gateway.user_with_key("one@example.com", Provider.OPENAI_COMPATIBLE)

    found = await client.models.retrieve("openai_compatible/llama3.1:8b")
    with pytest.raises(openai.NotFoundError) as caught:
        await client.models.retrieve("gpt-4o-mini")

    assert (found.id, found.owned_by, found.object) == (
        "openai_compatible/llama3.1:8b",
        "openai_compatible",
        "model",
    )
    assert caught.value.code == "model_not_found"
    assert caught.value.body["type"] == "invalid_request_error"  # type: ignore[index]


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/v1/nothing-here"), ("POST", "/v1/completions"), ("GET", "/v1/chat/completions")],
)
async def test_unknown_v1_routes_answer_in_openais_shape(
    gateway: Gateway, method: str, path: str
) -> None:
    client = await gateway.user_with_key("route@example.com", Provider.OPENAI)
    answered = await gateway.http.request(
        method, path, headers={"Authorization": f"Bearer {client.api_key}"}
    )

    assert answered.status_code in (404, 405)
    error = answered.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["type"] == "invalid_request_error"


async def test_a_body_over_the_limit_is_413_in_openais_shape(gateway: Gateway) -> None:
    client = await gateway.user_with_key("big@example.com", Provider.OPENAI)
    huge = "x" * (GATEWAY_BODY_LIMIT + 1)

    with pytest.raises(openai.APIStatusError) as caught:
        await client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": huge}]
        )

    assert caught.value.status_code == 413
    assert caught.value.body["type"] == "invalid_request_error"  # type: ignore[index]
    assert caught.value.code == "request_too_large"
    assert gateway.api.upstreams[Provider.OPENAI].bodies() == []


def _nested(depth: int) -> dict[str, object]:
    """A schema ``depth`` JSON objects deep (two per level: the schema and its properties)."""
    schema: dict[str, object] = {"type": "string"}
    for _ in range(depth // 2):
        schema = {"type": "object", "properties": {"x": schema}}
    return schema


@pytest.mark.parametrize("provider", [Provider.OPENAI, Provider.GOOGLE, Provider.ANTHROPIC])
async def test_a_hostile_deep_tool_schema_is_a_400_naming_the_field(
    gateway: Gateway, provider: Provider, caplog: pytest.LogCaptureFixture
) -> None:
    client = await gateway.user_with_key(f"deep-{provider.value}@example.com", provider)
    tool = {"type": "function", "function": {"name": "f", "parameters": _nested(600)}}

    with pytest.raises(openai.BadRequestError) as caught:
        await client.chat.completions.create(
            model="default",
            messages=[{"role": "user", "content": "hi"}],
            tools=[tool],  # type: ignore[list-item]
        )

    assert caught.value.param == "tools[0].function.parameters"
    assert "deep" in caught.value.message
    assert gateway.api.upstreams[provider].bodies() == []
    assert not [r for r in caplog.records if r.exc_info]


async def test_a_deep_response_format_schema_is_a_400_naming_the_field(gateway: Gateway) -> None:
    client = await gateway.user_with_key("deep-output@example.com", Provider.OPENAI)

    with pytest.raises(openai.BadRequestError) as caught:
        await client.chat.completions.create(
            model="default",
            messages=[{"role": "user", "content": "hi"}],
            response_format={
                "type": "json_schema",
                "json_schema": {"name": "out", "schema": _nested(600)},
            },
        )

    assert caught.value.param == "response_format.json_schema.schema"
    assert gateway.api.upstreams[Provider.OPENAI].bodies() == []


@pytest.mark.parametrize(
    "body",
    [
        b'{"model": "default", "messages": [], "x": ' + b"[" * 5000 + b"]" * 5000 + b"}",
        b'{"model": "default", "messages": [{"role": "user", "content": "\xc3("}]}',
    ],
    ids=["nested 5,000 deep", "not UTF-8"],
)
async def test_a_body_no_decoder_can_read_is_a_400_without_a_traceback(
    gateway: Gateway, caplog: pytest.LogCaptureFixture, body: bytes
) -> None:
    client = await gateway.user_with_key("deep-body@example.com", Provider.OPENAI)

    answered = await gateway.http.post(
        "/v1/chat/completions",
        content=body,
        headers={"Authorization": f"Bearer {client.api_key}", "Content-Type": "application/json"},
    )

    assert answered.status_code == 400
    assert answered.json()["error"]["code"] == "invalid_json"
    assert not [r for r in caplog.records if r.exc_info]
