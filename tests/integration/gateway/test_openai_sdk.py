"""The official openai SDK against BYOM: completes and streams on every provider stand-in,
and raises its usual exception classes for the matching failures."""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest

from domain.provider import Provider
from domain.usage import UsageSource
from tests.support.gateway import Gateway
from tests.support.upstreams import MODELS

REPLY = "Carry is positive; watch the ECB on Thursday."
GATEWAY_MODEL = {
    Provider.OPENAI: "gpt-4o-mini",
    Provider.ANTHROPIC: "claude-sonnet-4-5-20250929",
    Provider.GOOGLE: "gemini-2.5-flash",
    Provider.OPENAI_COMPATIBLE: "openai_compatible/llama3.1:8b",
}
COST = {
    Provider.OPENAI: "0.000228",
    Provider.ANTHROPIC: "0.0048",
    Provider.GOOGLE: "0.00056",
    Provider.OPENAI_COMPATIBLE: "0",
}


def _upstream_model(provider: Provider, request: Any) -> str:
    if provider is Provider.GOOGLE:
        return str(request.url.path.rsplit("/", 1)[1].split(":")[0])
    return str(json.loads(request.content)["model"])


@pytest.mark.parametrize("provider", list(Provider), ids=lambda p: p.value)
async def test_the_sdk_completes_and_streams_on_each_provider(
    gateway: Gateway, provider: Provider
) -> None:
    client = await gateway.user_with_key("sdk@example.com", provider)
    model = GATEWAY_MODEL[provider]

    reply = await client.chat.completions.create(
        model=model,
        messages=[
            {"role": "system", "content": "Answer in one sentence."},
            {"role": "user", "content": "How is EUR/USD carry?"},
        ],
    )

    assert reply.choices[0].message.content == REPLY
    assert reply.choices[0].finish_reason == "stop"
    assert reply.usage is not None
    assert (reply.usage.prompt_tokens, reply.usage.completion_tokens) == (1200, 80)
    assert reply.usage.total_tokens == 1280
    assert reply.model == model

    stream = await client.chat.completions.create(
        model=model,
        messages=[{"role": "user", "content": "And the risk?"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = [chunk async for chunk in stream]

    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == REPLY
    assert chunks[0].choices[0].delta.role == "assistant"
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None
    assert (chunks[-1].usage.prompt_tokens, chunks[-1].usage.completion_tokens) == (1200, 80)
    assert all(c.usage is None for c in chunks[:-1])
    assert len({c.id for c in chunks}) == 1

    upstream = gateway.api.upstreams[provider]
    posts = [r for r in upstream.requests if r.method == "POST"]
    assert [_upstream_model(provider, r) for r in posts] == [MODELS[provider]] * 2
    assert gateway.api.db is not None
    records = list(gateway.api.db.usage.values())
    assert [(r.source, r.provider, r.model) for r in records] == [
        (UsageSource.GATEWAY, provider.value, MODELS[provider])
    ] * 2
    assert {str(r.cost_usd or 0) for r in records} == {COST[provider]}


async def test_a_stream_without_include_usage_has_no_usage_field_but_still_records_it(
    gateway: Gateway,
) -> None:
    client = await gateway.user_with_key("quiet@example.com", Provider.GOOGLE)
    async with gateway.http.stream(
        "POST",
        "/v1/chat/completions",
        json={
            "model": "gemini-2.5-flash",
            "messages": [{"role": "user", "content": "hi"}],
            "stream": True,
        },
        headers={"Authorization": f"Bearer {client.api_key}"},
    ) as response:
        body = (await response.aread()).decode()

    assert response.headers["content-type"].startswith("text/event-stream")
    lines = [line for line in body.split("\n\n") if line]
    assert lines[-1] == "data: [DONE]"
    payloads = [json.loads(line.removeprefix("data: ")) for line in lines[:-1]]
    assert all("usage" not in p for p in payloads)
    assert payloads[-1]["choices"][0]["finish_reason"] == "stop"
    assert gateway.api.db is not None
    [record] = gateway.api.db.usage.values()
    assert (record.input_tokens, record.output_tokens) == (1200, 80)


async def test_models_lists_what_the_callers_credentials_reach(gateway: Gateway) -> None:
    me = await gateway.api.user("models@example.com")
    await gateway.api.add_key(me, Provider.ANTHROPIC)
    await gateway.api.add_key(me, Provider.OPENAI_COMPATIBLE)
    client = gateway.sdk((await gateway.token(me))["token"])

    models = [m async for m in client.models.list()]

    ids = {m.id for m in models}
    assert "claude-sonnet-4-5-20250929" in ids
    assert "openai_compatible/llama3.1:8b" in ids
    assert not any(i.startswith(("gpt-", "gemini-")) for i in ids), "no key, no model"
    assert {m.owned_by for m in models} == {"anthropic", "openai_compatible"}


async def test_explicit_provider_prefixes_always_route(gateway: Gateway) -> None:
    client = await gateway.user_with_key(
        "prefix@example.com", Provider.ANTHROPIC, Provider.OPENAI_COMPATIBLE
    )
    for model, provider, sent in (
        ("anthropic/claude-3-5-haiku-20241022", Provider.ANTHROPIC, "claude-3-5-haiku-20241022"),
        ("Claude/claude-3-5-haiku-20241022", Provider.ANTHROPIC, "claude-3-5-haiku-20241022"),
        ("ollama/llama3.1:8b", Provider.OPENAI_COMPATIBLE, "llama3.1:8b"),
    ):
        reply = await client.chat.completions.create(
            model=model, messages=[{"role": "user", "content": "hi"}]
        )
        assert reply.choices[0].message.content == REPLY
        last = gateway.api.upstreams[provider].requests[-1]
        assert _upstream_model(provider, last) == sent


# --- failures ------------------------------------------------------------------------------


async def test_a_missing_or_wrong_gateway_token_is_an_authentication_error(
    gateway: Gateway,
) -> None:
    me = await gateway.api.user("auth@example.com")
    await gateway.api.add_key(me, Provider.OPENAI)
    access_token = me["Authorization"].removeprefix("Bearer ")

    for token in ("byom_not-a-real-token", access_token, "sk-proj-whatever"):
        with pytest.raises(openai.AuthenticationError) as caught:
            await gateway.sdk(token).chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]
            )
        assert caught.value.code == "invalid_api_key"
        assert caught.value.body["type"] == "authentication_error"  # type: ignore[index]
    assert [r for r in gateway.api.upstreams[Provider.OPENAI].requests if r.method == "POST"] == []


@pytest.mark.parametrize("streamed", [False, True], ids=["json", "sse"])
async def test_a_key_the_provider_refuses_is_an_authentication_error_and_is_flagged(
    gateway: Gateway, streamed: bool
) -> None:
    me = await gateway.api.user("flag@example.com")
    credential = await gateway.api.add_key(me, Provider.ANTHROPIC)
    client = gateway.sdk((await gateway.token(me))["token"])
    gateway.api.upstreams[Provider.ANTHROPIC].key = "rotated at the provider"

    with pytest.raises(openai.AuthenticationError) as caught:
        await client.chat.completions.create(
            model="claude-sonnet-4-5",
            messages=[{"role": "user", "content": "hi"}],
            stream=streamed,
        )

    assert caught.value.code == "provider_key_rejected"
    assert "update the key" in caught.value.message
    flagged = await gateway.api.client.get(
        f"/api/v1/users/me/llm-credentials/{credential['id']}", headers=me
    )
    assert flagged.json()["last_validated_at"] is None


@pytest.mark.parametrize("provider", [Provider.OPENAI, Provider.ANTHROPIC, Provider.GOOGLE])
async def test_a_rate_limited_provider_is_a_rate_limit_error_with_retry_after(
    gateway: Gateway, provider: Provider
) -> None:
    client = await gateway.user_with_key("limits@example.com", provider)
    gateway.api.upstreams[provider].fail = "rate_limited"

    with pytest.raises(openai.RateLimitError) as caught:
        await client.chat.completions.create(
            model=GATEWAY_MODEL[provider], messages=[{"role": "user", "content": "hi"}]
        )

    assert caught.value.response.headers["retry-after"] == "17"
    assert caught.value.body["type"] == "rate_limit_error"  # type: ignore[index]


async def test_unknown_models_and_providers_without_a_key_are_not_found(
    gateway: Gateway,
) -> None:
    client = await gateway.user_with_key("nf@example.com", Provider.OPENAI)
    gateway.api.upstreams[Provider.OPENAI].fail = "unknown_model"

    with pytest.raises(openai.NotFoundError) as unknown:
        await client.chat.completions.create(
            model="gpt-9", messages=[{"role": "user", "content": "hi"}]
        )
    with pytest.raises(openai.NotFoundError) as no_key:
        await client.chat.completions.create(
            model="claude-sonnet-4-5", messages=[{"role": "user", "content": "hi"}]
        )

    assert unknown.value.code == no_key.value.code == "model_not_found"
    assert "anthropic" in no_key.value.message
    assert gateway.api.upstreams[Provider.ANTHROPIC].requests == []


@pytest.mark.parametrize(
    ("failure", "status"), [("timeout", 504), ("down", 502)], ids=["timeout", "down"]
)
async def test_provider_outages_are_server_errors(
    gateway: Gateway, failure: str, status: int
) -> None:
    client = await gateway.user_with_key("outage@example.com", Provider.OPENAI)
    gateway.api.upstreams[Provider.OPENAI].fail = failure  # type: ignore[assignment]
    with pytest.raises(openai.InternalServerError) as caught:
        await client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]
        )
    assert caught.value.status_code == status


async def test_a_provider_dropping_mid_stream_raises_in_the_sdk_and_records_an_estimate(
    gateway: Gateway,
) -> None:
    client = await gateway.user_with_key("drop@example.com", Provider.ANTHROPIC)
    gateway.api.upstreams[Provider.ANTHROPIC].drop_after = 2
    stream = await client.chat.completions.create(
        model="claude-sonnet-4-5", messages=[{"role": "user", "content": "hi"}], stream=True
    )
    received: list[str] = []

    async def read() -> None:
        async for chunk in stream:
            received.append(chunk.choices[0].delta.content or "")

    with pytest.raises(openai.APIError) as caught:
        await read()

    assert "".join(received) == "Carry is"
    assert "connection" in caught.value.message
    assert gateway.api.db is not None
    # The provider never said what it counted: an estimate from the text, never nothing.
    [row] = gateway.api.db.usage.values()
    assert (row.output_tokens, row.estimated) == (2, True)  # "Carry is"
    assert row.input_tokens > 0


@pytest.mark.parametrize(
    ("extra", "param"),
    [
        ({"n": 2}, "n"),
        ({"logprobs": True}, "logprobs"),
        ({"audio": {"voice": "alloy", "format": "wav"}, "modalities": ["text", "audio"]}, "audio"),
    ],
)
async def test_what_the_gateway_cannot_relay_is_a_bad_request_naming_the_param(
    gateway: Gateway, extra: dict[str, Any], param: str
) -> None:
    client = await gateway.user_with_key("bad@example.com", Provider.OPENAI)
    with pytest.raises(openai.BadRequestError) as caught:
        await client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": "hi"}],
            **extra,
        )
    assert caught.value.param == param
    assert "not supported" in caught.value.message
    assert gateway.api.upstreams[Provider.OPENAI].bodies() == []


async def test_text_parts_are_joined(gateway: Gateway) -> None:
    client = await gateway.user_with_key("parts@example.com", Provider.OPENAI)

    await client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[
            {
                "role": "user",
                "content": [{"type": "text", "text": "one"}, {"type": "text", "text": "two"}],
            }
        ],
    )
    sent = json.loads(gateway.api.upstreams[Provider.OPENAI].requests[-1].content)
    assert sent["messages"] == [{"role": "user", "content": "one\ntwo"}]


async def test_a_malformed_body_is_a_bad_request_in_openais_shape(gateway: Gateway) -> None:
    client = await gateway.user_with_key("shape@example.com", Provider.OPENAI)
    headers = {"Authorization": f"Bearer {client.api_key}"}

    missing = await gateway.http.post(
        "/v1/chat/completions", json={"model": "gpt-4o-mini"}, headers=headers
    )
    garbage = await gateway.http.post(
        "/v1/chat/completions",
        content=b"{not json",
        headers={**headers, "content-type": "application/json"},
    )

    for answered in (missing, garbage):
        assert answered.status_code == 400
        error = answered.json()["error"]
        assert set(error) == {"message", "type", "param", "code"}
        assert error["type"] == "invalid_request_error"


@pytest.mark.parametrize(
    "extra", [{"max_tokens": 0}, {"max_tokens": -5}, {"temperature": 3.5}, {"temperature": -1}]
)
async def test_impossible_generation_settings_are_refused_before_the_provider(
    gateway: Gateway, extra: dict[str, Any]
) -> None:
    client = await gateway.user_with_key(f"limits-{len(str(extra))}@example.com", Provider.OPENAI)
    with pytest.raises(openai.BadRequestError):
        await client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}], **extra
        )
    assert gateway.api.upstreams[Provider.OPENAI].bodies() == [], "no completion was paid for"


async def test_a_tokens_scopes_are_the_sdks_own_errors_and_headers(gateway: Gateway) -> None:
    me = await gateway.api.user("scoped-sdk@example.com")
    await gateway.api.add_key(me, Provider.OPENAI)
    made = await gateway.api.client.post(
        "/api/v1/users/me/gateway-tokens",
        json={"name": "ci", "rpm": 1, "tpm": 10_000, "allowed_models": ["gpt-4o-mini"]},
        headers=me,
    )
    client = gateway.sdk(made.json()["token"])
    hi: Any = [{"role": "user", "content": "hi"}]

    with pytest.raises(openai.PermissionDeniedError) as denied:
        await client.chat.completions.create(model="gpt-4o", messages=hi)
    raw = await client.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=hi)
    with pytest.raises(openai.RateLimitError) as limited:
        await client.chat.completions.create(model="gpt-4o-mini", messages=hi)

    assert denied.value.code == "model_not_allowed"
    assert raw.headers["x-ratelimit-limit-requests"] == "1"
    assert raw.headers["x-ratelimit-remaining-requests"] == "0"
    assert raw.headers["x-ratelimit-limit-tokens"] == "10000"
    assert int(raw.headers["x-ratelimit-remaining-tokens"]) < 10_000
    assert limited.value.code == "rate_limit_exceeded"
    assert limited.value.body["type"] == "rate_limit_error"  # type: ignore[index]
    headers = limited.value.response.headers
    assert headers["x-ratelimit-remaining-requests"] == "0"
    assert headers["x-ratelimit-reset-requests"].endswith("s")
    # The SDK's own reading of when to retry (what it waits with max_retries > 0).
    wait = client._parse_retry_after_header(headers)
    assert wait is not None
    assert 0 < wait <= 60
