"""What an adapter sends: the key only in its header and never in a log, the prompt where the
provider expects it, a base URL only where one is allowed."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from domain.errors import (
    InvalidApiKey,
    InvalidBaseUrl,
)
from tests.support.llm_contract import (
    CANARY,
    CASE,
    KEY,
    Case,
    Harness,
    make_harness,
)


async def test_the_key_goes_only_in_the_providers_auth_header(
    harness: Callable[..., Harness], case: Case
) -> None:
    h = harness(case.completion)
    await h.complete()
    sent = h.api.requests[0]
    assert CANARY not in str(sent.url)
    auth_headers = {
        "openai": ("authorization", f"Bearer {CANARY}"),
        "openai_compatible": ("authorization", f"Bearer {CANARY}"),
        "anthropic": ("x-api-key", CANARY),
        "gemini": ("x-goog-api-key", CANARY),
    }
    name, value = auth_headers[case.name]
    assert sent.headers[name] == value
    carrying = [k for k, v in sent.headers.items() if CANARY in v]
    assert carrying == [name]
    if case.name == "anthropic":
        assert sent.headers["anthropic-version"] == "2023-06-01"


async def test_no_key_in_any_log_record_even_at_debug(
    harness: Callable[..., Harness], case: Case, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "adapters"):
        caplog.set_level(logging.DEBUG, logger=name)
    h = harness(case.models, case.completion, case.stream, case.server_error(503), case.bad_key)
    await h.list_models()
    await h.complete()
    await h.stream()
    with pytest.raises(InvalidApiKey):
        await h.complete()
    assert caplog.records, "expected httpx and adapter debug records"
    for record in caplog.records:
        text = record.getMessage()
        assert CANARY not in text
        assert "key=" not in text


async def test_system_prompt_roles_and_limits_are_placed_as_the_provider_expects(
    harness: Callable[..., Harness], case: Case
) -> None:
    h = harness(case.completion)
    await h.complete()
    body = h.api.body()
    if case.name in ("openai", "openai_compatible"):
        assert body["messages"] == [
            {"role": "system", "content": "You are terse."},
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "Hello! How can I help?"},
            {"role": "user", "content": "Say hello there"},
        ]
        limit_field = "max_completion_tokens" if case.name == "openai" else "max_tokens"
        assert body[limit_field] == 64
        assert body["temperature"] == 0.2
        assert "stream" not in body or body["stream"] is False
    elif case.name == "anthropic":
        assert body["system"] == "You are terse."
        assert [m["role"] for m in body["messages"]] == ["user", "assistant", "user"]
        assert body["messages"][0] == {"role": "user", "content": "Hi"}
        assert body["max_tokens"] == 64
    else:
        assert body["systemInstruction"] == {"parts": [{"text": "You are terse."}]}
        assert [c["role"] for c in body["contents"]] == ["user", "model", "user"]
        assert body["contents"][1]["parts"] == [{"text": "Hello! How can I help?"}]
        assert body["generationConfig"] == {"maxOutputTokens": 64, "temperature": 0.2}
        assert h.api.requests[0].url.path.endswith("/models/gemini-2.5-flash:generateContent")


async def test_stream_requests_ask_for_a_stream_and_its_usage(
    harness: Callable[..., Harness], case: Case
) -> None:
    h = harness(case.stream)
    await h.stream()
    sent = h.api.requests[0]
    body = h.api.body()
    if case.name == "gemini":
        assert sent.url.path.endswith(":streamGenerateContent")
        assert dict(sent.url.params) == {"alt": "sse"}
    else:
        assert body["stream"] is True
    if case.name in ("openai", "openai_compatible"):
        assert body["stream_options"] == {"include_usage": True}


async def test_anthropic_max_tokens_defaults_from_the_catalog_else_4096() -> None:
    case = CASE["anthropic"]
    h = make_harness(case, case.completion)
    await h.complete(h.request(max_tokens=None, model="claude-3-5-haiku-20241022"))
    await h.complete(h.request(max_tokens=None, model="claude-some-future-model"))
    assert [r["max_tokens"] for r in (h.api.body(0), h.api.body(1))] == [8192, 4096]


async def test_gemini_strips_the_models_prefix() -> None:
    case = CASE["gemini"]
    h = make_harness(case, case.completion)
    await h.complete(h.request(model="models/gemini-2.5-flash"))
    assert h.api.requests[0].url.path == "/v1beta/models/gemini-2.5-flash:generateContent"


async def test_only_openai_compatible_accepts_a_base_url(
    harness: Callable[..., Harness], case: Case
) -> None:
    h = harness(case.models)
    other = None if case.name == "openai_compatible" else "https://evil.example.com/v1"
    with pytest.raises(InvalidBaseUrl):
        await h.provider.list_models(KEY, base_url=other)
    assert h.api.requests == []
