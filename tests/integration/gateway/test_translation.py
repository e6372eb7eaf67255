"""OpenAI requests translated for Anthropic and Gemini, and their answers translated back:
system prompts, multi-turn roles, parameters, stop reasons, usage, streams."""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest

from domain.provider import Provider
from tests.support.gateway import Gateway

CONVERSATION: list[Any] = [
    {"role": "system", "content": "You are a cautious FX risk analyst."},
    {"role": "developer", "content": "Answer in one sentence."},
    {"role": "user", "content": "How is EUR/USD carry?"},
    {"role": "assistant", "content": "Mildly positive."},
    {"role": "user", "content": "And the main risk?"},
]
SYSTEM = "You are a cautious FX risk analyst.\n\nAnswer in one sentence."


def _sent(gateway: Gateway, provider: Provider) -> Any:
    return json.loads(gateway.api.upstreams[provider].requests[-1].content)


async def _client(gateway: Gateway, provider: Provider) -> openai.AsyncOpenAI:
    return await gateway.user_with_key(f"{provider.value}@example.com", provider)


async def test_anthropic_gets_a_top_level_system_prompt_and_alternating_turns(
    gateway: Gateway,
) -> None:
    client = await _client(gateway, Provider.ANTHROPIC)

    await client.chat.completions.create(
        model="claude-sonnet-4-5",
        messages=CONVERSATION,
        max_tokens=300,
        temperature=0.3,
        stop=["\n\n", "END"],
    )

    sent = _sent(gateway, Provider.ANTHROPIC)
    assert sent["system"] == SYSTEM
    assert sent["messages"] == [
        {"role": "user", "content": "How is EUR/USD carry?"},
        {"role": "assistant", "content": "Mildly positive."},
        {"role": "user", "content": "And the main risk?"},
    ]
    assert (sent["model"], sent["max_tokens"], sent["temperature"]) == (
        "claude-sonnet-4-5",
        300,
        0.3,
    )
    assert sent["stop_sequences"] == ["\n\n", "END"]
    assert "stream" not in sent or sent["stream"] is False


async def test_anthropic_needs_max_tokens_so_one_is_sent_when_the_client_gives_none(
    gateway: Gateway,
) -> None:
    client = await _client(gateway, Provider.ANTHROPIC)
    await client.chat.completions.create(
        model="claude-sonnet-4-5-20250929", messages=[{"role": "user", "content": "hi"}]
    )
    assert _sent(gateway, Provider.ANTHROPIC)["max_tokens"] > 0


async def test_gemini_gets_a_system_instruction_model_roles_and_a_generation_config(
    gateway: Gateway,
) -> None:
    client = await _client(gateway, Provider.GOOGLE)

    await client.chat.completions.create(
        model="gemini-2.5-flash",
        messages=CONVERSATION,
        max_completion_tokens=256,
        temperature=0.1,
        stop="END",
    )

    sent = _sent(gateway, Provider.GOOGLE)
    assert sent["systemInstruction"]["parts"] == [{"text": SYSTEM}]
    assert [(c["role"], c["parts"]) for c in sent["contents"]] == [
        ("user", [{"text": "How is EUR/USD carry?"}]),
        ("model", [{"text": "Mildly positive."}]),
        ("user", [{"text": "And the main risk?"}]),
    ]
    assert sent["generationConfig"] == {
        "maxOutputTokens": 256,
        "temperature": 0.1,
        "stopSequences": ["END"],
    }
    request = gateway.api.upstreams[Provider.GOOGLE].requests[-1]
    assert request.url.path.endswith("/models/gemini-2.5-flash:generateContent")
    assert "key" not in request.url.params, "the key travels in x-goog-api-key only"


@pytest.mark.parametrize(
    ("provider", "model", "raw", "expected"),
    [
        (Provider.ANTHROPIC, "claude-sonnet-4-5", "end_turn", "stop"),
        (Provider.ANTHROPIC, "claude-sonnet-4-5", "stop_sequence", "stop"),
        (Provider.ANTHROPIC, "claude-sonnet-4-5", "max_tokens", "length"),
        (Provider.ANTHROPIC, "claude-sonnet-4-5", "refusal", "content_filter"),
        (Provider.GOOGLE, "gemini-2.5-flash", "STOP", "stop"),
        (Provider.GOOGLE, "gemini-2.5-flash", "MAX_TOKENS", "length"),
        (Provider.GOOGLE, "gemini-2.5-flash", "SAFETY", "content_filter"),
    ],
)
@pytest.mark.parametrize("streamed", [False, True], ids=["json", "sse"])
async def test_stop_reasons_come_back_as_openai_finish_reasons(
    gateway: Gateway, provider: Provider, model: str, raw: str, expected: str, streamed: bool
) -> None:
    client = await _client(gateway, provider)
    gateway.api.upstreams[provider].finish = raw
    messages: Any = [{"role": "user", "content": "hi"}]

    if streamed:
        stream = await client.chat.completions.create(model=model, messages=messages, stream=True)
        reasons = [c.choices[0].finish_reason async for c in stream if c.choices]
        assert reasons[-1] == expected
        assert all(r is None for r in reasons[:-1])
    else:
        reply = await client.chat.completions.create(model=model, messages=messages)
        assert reply.choices[0].finish_reason == expected


@pytest.mark.parametrize(
    ("provider", "model"),
    [(Provider.ANTHROPIC, "claude-sonnet-4-5"), (Provider.GOOGLE, "gemini-2.5-flash")],
)
async def test_usage_is_translated_plain_and_streamed(
    gateway: Gateway, provider: Provider, model: str
) -> None:
    client = await _client(gateway, provider)
    gateway.api.upstreams[provider].usage = (2048, 333)
    messages: Any = [{"role": "user", "content": "hi"}]

    reply = await client.chat.completions.create(model=model, messages=messages)
    stream = await client.chat.completions.create(
        model=model, messages=messages, stream=True, stream_options={"include_usage": True}
    )
    last = [c async for c in stream][-1]

    for usage in (reply.usage, last.usage):
        assert usage is not None
        assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (
            2048,
            333,
            2381,
        )


@pytest.mark.parametrize(
    ("provider", "model"),
    [(Provider.ANTHROPIC, "claude-sonnet-4-5"), (Provider.GOOGLE, "gemini-2.5-flash")],
)
async def test_streams_arrive_piece_by_piece_and_ask_the_provider_to_stream(
    gateway: Gateway, provider: Provider, model: str
) -> None:
    client = await _client(gateway, provider)

    stream = await client.chat.completions.create(model=model, messages=CONVERSATION, stream=True)
    pieces = [c.choices[0].delta.content async for c in stream if c.choices]

    assert [p for p in pieces if p] == gateway.api.upstreams[provider].pieces
    request = gateway.api.upstreams[provider].requests[-1]
    if provider is Provider.GOOGLE:
        assert request.url.path.endswith(":streamGenerateContent")
        assert request.url.params["alt"] == "sse"
    else:
        assert json.loads(request.content)["stream"] is True
        assert json.loads(request.content)["system"] == SYSTEM
