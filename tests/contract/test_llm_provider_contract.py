"""One contract for every ``LlmProvider`` adapter, replaying each provider's real wire shapes.

Each case below is a fake of one provider's HTTP API (``httpx.MockTransport``) that answers
with the bodies that provider really sends (PROVIDERS.md; the providers' API references).
Every test runs against all four adapters and expects the same domain result.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from adapters.llm import (
    AnthropicProvider,
    BodyLimits,
    GeminiProvider,
    OpenAiCompatibleProvider,
    OpenAiProvider,
    RetryPolicy,
    SsrfGuard,
    TomlModelCatalog,
)
from domain.api_key import ApiKey
from domain.errors import (
    InvalidApiKey,
    InvalidBaseUrl,
    ModelNotFound,
    ProviderProtocolError,
    ProviderRateLimited,
    ProviderTimeout,
    ProviderUnavailable,
)
from domain.llm import (
    ChatMessage,
    Completion,
    CompletionChunk,
    CompletionRequest,
    FinishReason,
    Role,
    Usage,
)
from domain.ports import LlmProvider

CANARY = f"sk-canary-{uuid.uuid4().hex}"
KEY = ApiKey(CANARY)
COMPAT_BASE = "https://llm.example.com/v1"
PUBLIC_IP = "93.184.215.14"

Handler = Callable[[httpx.Request], httpx.Response]


# --- the fake server -----------------------------------------------------------------------------


class FakeApi:
    """Answers each request with the next scripted reply (the last one repeats)."""

    def __init__(self, *replies: Handler) -> None:
        self.replies = list(replies)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        return reply(request)

    def body(self, index: int = -1) -> Any:
        return json.loads(self.requests[index].content)


class DroppedStream(httpx.AsyncByteStream):
    """Sends some bytes, then the connection dies."""

    def __init__(self, *chunks: bytes) -> None:
        self.chunks = chunks

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            yield chunk
        raise httpx.RemoteProtocolError(
            "peer closed connection without sending complete message body"
        )


class EndlessStream(httpx.AsyncByteStream):
    """Repeats one event, as a hostile server would forever (stopped at ``give_up`` bytes so a
    reader without a limit fails the test instead of hanging it)."""

    def __init__(self, event: bytes, give_up: int) -> None:
        self.event = event
        self.give_up = give_up
        self.sent = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while self.sent < self.give_up:
            self.sent += len(self.event)
            yield self.event


def reply(status: int, body: Any, headers: dict[str, str] | None = None) -> Handler:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    all_headers = {"content-type": "application/json", **(headers or {})}
    return lambda request: httpx.Response(
        status, content=content, headers=all_headers, request=request
    )


def sse(events: list[str], *, crlf: bool = False) -> bytes:
    sep = "\r\n" if crlf else "\n"
    return "".join(e.replace("\n", sep) + sep + sep for e in events).encode()


def sse_reply(body: bytes) -> Handler:
    return lambda request: httpx.Response(
        200, content=body, headers={"content-type": "text/event-stream"}, request=request
    )


def dropped_reply(body: bytes) -> Handler:
    return lambda request: httpx.Response(
        200,
        stream=DroppedStream(body),
        headers={"content-type": "text/event-stream"},
        request=request,
    )


def raises(exc_type: type[httpx.TransportError]) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc_type("simulated", request=request)

    return handler


# --- each provider's wire shapes ---------------------------------------------------------------


def _openai_chunk(delta: dict[str, str], finish: str | None = None) -> str:
    return "data: " + json.dumps(
        {
            "id": "chatcmpl-1",
            "object": "chat.completion.chunk",
            "created": 1700000000,
            "model": "gpt-4.1-mini-2025-04-14",
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
            "usage": None,
        }
    )


OPENAI_STREAM_EVENTS = [
    _openai_chunk({"role": "assistant", "content": ""}),
    _openai_chunk({"content": "Hel"}),
    _openai_chunk({"content": "lo"}),
    _openai_chunk({"content": " there"}),
    _openai_chunk({}, "stop"),
    "data: "
    + json.dumps(
        {
            "id": "chatcmpl-1",
            "object": "chat.completion.chunk",
            "created": 1700000000,
            "model": "gpt-4.1-mini-2025-04-14",
            "choices": [],
            "usage": {"prompt_tokens": 12, "completion_tokens": 5, "total_tokens": 17},
        }
    ),
    "data: [DONE]",
]

OPENAI_COMPLETION = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1700000000,
    "model": "gpt-4.1-mini-2025-04-14",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "Hello there", "refusal": None},
            "logprobs": None,
            "finish_reason": "stop",
        }
    ],
    "usage": {"prompt_tokens": 12, "completion_tokens": 5, "total_tokens": 17},
    "system_fingerprint": "fp_1",
}
OPENAI_MODELS = {
    "object": "list",
    "data": [
        {"id": "gpt-4o-mini", "object": "model", "created": 1721172741, "owned_by": "system"},
        {"id": "gpt-4.1-mini", "object": "model", "created": 1744318173, "owned_by": "system"},
    ],
}


def openai_error(message: str, type_: str, code: str | None) -> dict[str, Any]:
    return {"error": {"message": message, "type": type_, "param": None, "code": code}}


def _anthropic_event(name: str, data: dict[str, Any]) -> str:
    return f"event: {name}\ndata: {json.dumps(data)}"


ANTHROPIC_STREAM_EVENTS = [
    _anthropic_event(
        "message_start",
        {
            "type": "message_start",
            "message": {
                "id": "msg_1",
                "type": "message",
                "role": "assistant",
                "content": [],
                "model": "claude-sonnet-4-5-20250929",
                "stop_reason": None,
                "stop_sequence": None,
                "usage": {"input_tokens": 12, "output_tokens": 1},
            },
        },
    ),
    _anthropic_event(
        "content_block_start",
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
    ),
    _anthropic_event("ping", {"type": "ping"}),
    *(
        _anthropic_event(
            "content_block_delta",
            {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": t}},
        )
        for t in ("Hel", "lo", " there")
    ),
    _anthropic_event("content_block_stop", {"type": "content_block_stop", "index": 0}),
    _anthropic_event(
        "message_delta",
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn", "stop_sequence": None},
            "usage": {"output_tokens": 5},
        },
    ),
    _anthropic_event("message_stop", {"type": "message_stop"}),
]
ANTHROPIC_COMPLETION = {
    "id": "msg_1",
    "type": "message",
    "role": "assistant",
    "model": "claude-sonnet-4-5-20250929",
    "content": [{"type": "text", "text": "Hello"}, {"type": "text", "text": " there"}],
    "stop_reason": "end_turn",
    "stop_sequence": None,
    "usage": {"input_tokens": 12, "output_tokens": 5},
}
ANTHROPIC_MODELS = {
    "data": [
        {
            "type": "model",
            "id": "claude-sonnet-4-5-20250929",
            "display_name": "Claude Sonnet 4.5",
            "created_at": "2025-09-29T00:00:00Z",
        },
        {
            "type": "model",
            "id": "claude-3-5-haiku-20241022",
            "display_name": "Claude Haiku 3.5",
            "created_at": "2024-10-22T00:00:00Z",
        },
    ],
    "has_more": False,
    "first_id": "claude-sonnet-4-5-20250929",
    "last_id": "claude-3-5-haiku-20241022",
}


def anthropic_error(type_: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": type_, "message": message}, "request_id": "req_1"}


def _gemini_piece(text: str, finish: str | None = None, usage: dict[str, int] | None = None) -> str:
    candidate: dict[str, Any] = {
        "content": {"parts": [{"text": text}], "role": "model"},
        "index": 0,
    }
    if finish:
        candidate["finishReason"] = finish
    piece: dict[str, Any] = {"candidates": [candidate], "modelVersion": "gemini-2.5-flash"}
    if usage:
        piece["usageMetadata"] = usage
    return "data: " + json.dumps(piece)


GEMINI_STREAM_EVENTS = [
    _gemini_piece("Hel", usage={"promptTokenCount": 12, "totalTokenCount": 12}),
    _gemini_piece("lo"),
    _gemini_piece(
        " there",
        "STOP",
        {"promptTokenCount": 12, "candidatesTokenCount": 5, "totalTokenCount": 17},
    ),
]
GEMINI_COMPLETION = {
    "candidates": [
        {
            "content": {"parts": [{"text": "Hello"}, {"text": " there"}], "role": "model"},
            "finishReason": "STOP",
            "index": 0,
        }
    ],
    "usageMetadata": {"promptTokenCount": 12, "candidatesTokenCount": 5, "totalTokenCount": 17},
    "modelVersion": "gemini-2.5-flash",
    "responseId": "abc",
}
GEMINI_MODELS = {
    "models": [
        {
            "name": "models/gemini-2.5-flash",
            "version": "001",
            "displayName": "Gemini 2.5 Flash",
            "inputTokenLimit": 1048576,
            "outputTokenLimit": 65536,
            "supportedGenerationMethods": ["generateContent", "countTokens"],
        },
        {
            "name": "models/text-embedding-004",
            "displayName": "Text Embedding 004",
            "supportedGenerationMethods": ["embedContent"],
        },
        {
            "name": "models/gemini-2.5-pro",
            "displayName": "Gemini 2.5 Pro",
            "supportedGenerationMethods": ["generateContent"],
        },
    ],
    "nextPageToken": "",
}


def gemini_error(
    code: int, status: str, message: str, details: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message, "status": status}
    if details is not None:
        error["details"] = details
    return {"error": error}


def _partial(events: list[str], keep: int, *, crlf: bool = False) -> bytes:
    return sse(events[:keep], crlf=crlf)


# --- the cases -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    provider: str
    build: Callable[[httpx.AsyncClient, RetryPolicy], LlmProvider]
    base_url: str | None
    model: str
    models: Handler
    expected_models: list[str]
    completion: Handler
    stream: Handler
    partial_stream: bytes
    bad_key: Handler
    unknown_model: Handler
    rate_limited: Handler
    quota_exhausted: Handler
    server_errors: tuple[int, ...]
    server_error: Callable[[int], Handler]
    delta_event: Callable[[str], str]


async def _public_resolver(host: str, port: int) -> list[str]:
    return [PUBLIC_IP]


def _openai_like() -> dict[str, Any]:
    bad_key = openai_error(
        f"Incorrect API key provided: {CANARY}. You can find your API key at "
        "https://platform.openai.com/account/api-keys.",
        "invalid_request_error",
        "invalid_api_key",
    )
    return {
        "models": reply(200, OPENAI_MODELS),
        "expected_models": ["gpt-4.1-mini", "gpt-4o-mini"],
        "completion": reply(200, OPENAI_COMPLETION),
        "stream": sse_reply(sse(OPENAI_STREAM_EVENTS)),
        "partial_stream": _partial(OPENAI_STREAM_EVENTS, 3),
        "bad_key": reply(401, bad_key),
        "unknown_model": reply(
            404,
            openai_error(
                "The model `gpt-nope` does not exist or you do not have access to it.",
                "invalid_request_error",
                "model_not_found",
            ),
        ),
        "rate_limited": reply(
            429,
            openai_error("Rate limit reached for requests", "requests", "rate_limit_exceeded"),
            {"retry-after": "2"},
        ),
        "quota_exhausted": reply(
            429,
            openai_error(
                "You exceeded your current quota, please check your plan and billing details.",
                "insufficient_quota",
                "insufficient_quota",
            ),
        ),
        "server_errors": (500, 503),
        "server_error": lambda status: reply(
            status, openai_error("The server had an error", "server_error", None)
        ),
        "delta_event": lambda text: _openai_chunk({"content": text}),
    }


CASES = [
    Case(
        name="openai",
        provider="openai",
        build=lambda client, retry: OpenAiProvider(
            client, "https://api.openai.test/v1", retry=retry
        ),
        base_url=None,
        model="gpt-4.1-mini",
        **_openai_like(),
    ),
    Case(
        name="openai_compatible",
        provider="openai_compatible",
        build=lambda client, retry: OpenAiCompatibleProvider(
            client, SsrfGuard(resolver=_public_resolver), retry=retry
        ),
        base_url=COMPAT_BASE,
        model="llama3.1:8b",
        **_openai_like(),
    ),
    Case(
        name="anthropic",
        provider="anthropic",
        build=lambda client, retry: AnthropicProvider(
            client,
            "https://api.anthropic.test/v1",
            catalog=TomlModelCatalog.from_package(),
            retry=retry,
        ),
        base_url=None,
        model="claude-sonnet-4-5-20250929",
        models=reply(200, ANTHROPIC_MODELS),
        expected_models=["claude-sonnet-4-5-20250929", "claude-3-5-haiku-20241022"],
        completion=reply(200, ANTHROPIC_COMPLETION),
        stream=sse_reply(sse(ANTHROPIC_STREAM_EVENTS)),
        partial_stream=_partial(ANTHROPIC_STREAM_EVENTS, 5),
        bad_key=reply(401, anthropic_error("authentication_error", f"invalid x-api-key {CANARY}")),
        unknown_model=reply(404, anthropic_error("not_found_error", "model: claude-nope")),
        rate_limited=reply(
            429,
            anthropic_error("rate_limit_error", "Number of request tokens has exceeded your limit"),
            {"retry-after": "2"},
        ),
        quota_exhausted=reply(
            429,
            anthropic_error(
                "rate_limit_error",
                "You have reached your specified workspace API usage limits (spend limit).",
            ),
        ),
        server_errors=(500, 503, 529),
        server_error=lambda status: reply(
            status,
            anthropic_error("overloaded_error" if status == 529 else "api_error", "Overloaded"),
        ),
        delta_event=lambda text: _anthropic_event(
            "content_block_delta",
            {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "text_delta", "text": text},
            },
        ),
    ),
    Case(
        name="gemini",
        provider="google",
        build=lambda client, retry: GeminiProvider(
            client, "https://generativelanguage.googleapis.test/v1beta", retry=retry
        ),
        base_url=None,
        model="gemini-2.5-flash",
        models=reply(200, GEMINI_MODELS),
        expected_models=["gemini-2.5-flash", "gemini-2.5-pro"],
        completion=reply(200, GEMINI_COMPLETION),
        stream=sse_reply(sse(GEMINI_STREAM_EVENTS, crlf=True)),
        partial_stream=_partial(GEMINI_STREAM_EVENTS, 2, crlf=True),
        bad_key=reply(
            400,
            gemini_error(
                400,
                "INVALID_ARGUMENT",
                f"API key not valid. Please pass a valid API key. ({CANARY})",
                [
                    {
                        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                        "reason": "API_KEY_INVALID",
                        "domain": "googleapis.com",
                        "metadata": {"service": "generativelanguage.googleapis.com"},
                    },
                    {
                        "@type": "type.googleapis.com/google.rpc.LocalizedMessage",
                        "locale": "en-US",
                        "message": "API key not valid. Please pass a valid API key.",
                    },
                ],
            ),
        ),
        unknown_model=reply(
            404,
            gemini_error(
                404,
                "NOT_FOUND",
                "models/gemini-nope is not found for API version v1beta, or is not supported "
                "for generateContent.",
            ),
        ),
        rate_limited=reply(
            429,
            gemini_error(
                429,
                "RESOURCE_EXHAUSTED",
                "Resource has been exhausted (e.g. check quota).",
                [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "2s"}],
            ),
        ),
        quota_exhausted=reply(
            429,
            gemini_error(
                429,
                "RESOURCE_EXHAUSTED",
                "Quota exceeded: billing account has no credits left.",
            ),
        ),
        server_errors=(500, 503),
        server_error=lambda status: reply(
            status,
            gemini_error(
                status,
                "UNAVAILABLE" if status == 503 else "INTERNAL",
                "The model is overloaded. Please try again later.",
            ),
        ),
        delta_event=_gemini_piece,
    ),
]


@dataclass
class Harness:
    case: Case
    api: FakeApi
    provider: LlmProvider
    sleeps: list[float]

    async def list_models(self) -> list[str]:
        return [m.id for m in await self.provider.list_models(KEY, base_url=self.case.base_url)]

    async def complete(self, request: CompletionRequest | None = None) -> Completion:
        return await self.provider.complete(
            KEY, request or self.request(), base_url=self.case.base_url
        )

    async def stream(
        self, request: CompletionRequest | None = None, into: list[CompletionChunk] | None = None
    ) -> list[CompletionChunk]:
        chunks = [] if into is None else into
        async for chunk in self.provider.stream(
            KEY, request or self.request(), base_url=self.case.base_url
        ):
            chunks.append(chunk)
        return chunks

    def request(self, **overrides: Any) -> CompletionRequest:
        fields: dict[str, Any] = {
            "model": self.case.model,
            "messages": (
                ChatMessage(Role.USER, "Hi"),
                ChatMessage(Role.ASSISTANT, "Hello! How can I help?"),
                ChatMessage(Role.USER, "Say hello there"),
            ),
            "system": "You are terse.",
            "max_tokens": 64,
            "temperature": 0.2,
        }
        fields.update(overrides)
        return CompletionRequest(**fields)


@pytest.fixture(params=CASES, ids=[c.name for c in CASES])
def case(request: pytest.FixtureRequest) -> Case:
    return request.param  # type: ignore[no-any-return]


def make_harness(case: Case, *replies: Handler) -> Harness:
    api = FakeApi(*replies)
    sleeps: list[float] = []

    async def record(delay: float) -> None:
        sleeps.append(delay)

    client = httpx.AsyncClient(
        transport=httpx.MockTransport(api), trust_env=False, follow_redirects=False
    )
    provider = case.build(client, RetryPolicy(sleep=record, rand=lambda: 0.5))
    return Harness(case, api, provider, sleeps)


@pytest.fixture
def harness(case: Case) -> Callable[..., Harness]:
    return lambda *replies: make_harness(case, *replies)


CASE = {c.name: c for c in CASES}


# --- success ---------------------------------------------------------------------------------


async def test_list_models_returns_the_providers_models(
    harness: Callable[..., Harness], case: Case
) -> None:
    h = harness(case.models)
    assert sorted(await h.list_models()) == sorted(case.expected_models)
    assert h.api.requests[0].method == "GET"
    assert h.api.requests[0].url.path.endswith("/models")


async def test_complete_returns_text_usage_and_finish_reason(
    harness: Callable[..., Harness], case: Case
) -> None:
    h = harness(case.completion)
    completion = await h.complete()
    assert completion.text == "Hello there"
    assert completion.usage == Usage(input_tokens=12, output_tokens=5)
    assert completion.finish_reason is FinishReason.STOP
    assert completion.model
    assert len(h.api.requests) == 1


async def test_stream_yields_deltas_in_order_then_one_final_chunk(
    harness: Callable[..., Harness], case: Case
) -> None:
    h = harness(case.stream)
    chunks = await h.stream()
    assert [c.delta for c in chunks[:-1]] == ["Hel", "lo", " there"]
    assert not any(c.is_final for c in chunks[:-1])
    final = chunks[-1]
    assert final.delta == ""
    assert final.usage == Usage(input_tokens=12, output_tokens=5)
    assert final.finish_reason is FinishReason.STOP


# --- failures ------------------------------------------------------------------------------


async def test_a_bad_key_is_invalid_api_key_and_not_retried(
    harness: Callable[..., Harness], case: Case
) -> None:
    h = harness(case.bad_key)
    with pytest.raises(InvalidApiKey) as caught:
        await h.list_models()
    assert caught.value.provider == case.provider
    assert len(h.api.requests) == 1
    assert h.sleeps == []


async def test_a_bad_key_message_carries_no_part_of_the_key(
    harness: Callable[..., Harness], case: Case
) -> None:
    h = harness(case.bad_key)
    for call in (h.list_models, h.complete, h.stream):
        with pytest.raises(InvalidApiKey) as caught:
            await call()
        text = f"{caught.value} {caught.value.message!r} {caught.value.args!r}"
        assert CANARY not in text
        assert "sk-canary" not in text
        assert CANARY[-8:] not in text
        assert CANARY[:8] not in text


async def test_an_unknown_model_is_model_not_found(
    harness: Callable[..., Harness], case: Case
) -> None:
    h = harness(case.unknown_model)
    with pytest.raises(ModelNotFound):
        await h.complete()
    with pytest.raises(ModelNotFound):
        await h.stream()
    assert len(h.api.requests) == 2


async def test_rate_limit_honours_retry_after_once_then_reports_it(
    harness: Callable[..., Harness], case: Case
) -> None:
    h = harness(case.rate_limited)
    with pytest.raises(ProviderRateLimited) as caught:
        await h.complete()
    assert caught.value.retry_after == pytest.approx(2.0)
    assert len(h.api.requests) == 2  # one completion retry at most
    assert h.sleeps == [pytest.approx(2.0)]


async def test_rate_limit_on_list_models_is_retried_at_most_twice(
    harness: Callable[..., Harness], case: Case
) -> None:
    h = harness(case.rate_limited)
    with pytest.raises(ProviderRateLimited):
        await h.list_models()
    assert len(h.api.requests) == 3
    assert h.sleeps == [pytest.approx(2.0), pytest.approx(2.0)]


async def test_rate_limit_then_success_returns_the_completion(
    harness: Callable[..., Harness], case: Case
) -> None:
    h = harness(case.rate_limited, case.completion)
    assert (await h.complete()).text == "Hello there"
    assert len(h.api.requests) == 2


async def test_exhausted_quota_or_spend_limit_is_not_retried(
    harness: Callable[..., Harness], case: Case
) -> None:
    h = harness(case.quota_exhausted)
    with pytest.raises(ProviderRateLimited):
        await h.complete()
    assert len(h.api.requests) == 1
    assert h.sleeps == []


async def test_server_errors_are_retried_with_backoff_then_unavailable(
    harness: Callable[..., Harness], case: Case
) -> None:
    for status in case.server_errors:
        h = harness(case.server_error(status))
        with pytest.raises(ProviderUnavailable):
            await h.complete()
        assert len(h.api.requests) == 2, status
        assert h.sleeps == [pytest.approx(0.25)]  # full jitter of 0.5 s, rand = 0.5

        h = harness(case.server_error(status))
        with pytest.raises(ProviderUnavailable):
            await h.list_models()
        assert len(h.api.requests) == 3, status
        assert h.sleeps == [pytest.approx(0.25), pytest.approx(0.5)]  # doubling


async def test_a_stream_is_retried_before_its_first_event(
    harness: Callable[..., Harness], case: Case
) -> None:
    h = harness(case.server_error(503), case.stream)
    chunks = await h.stream()
    assert "".join(c.delta for c in chunks) == "Hello there"
    assert len(h.api.requests) == 2


async def test_a_read_timeout_is_provider_timeout_and_not_retried(
    harness: Callable[..., Harness], case: Case
) -> None:
    h = harness(raises(httpx.ReadTimeout))
    with pytest.raises(ProviderTimeout):
        await h.complete()
    assert len(h.api.requests) == 1


async def test_a_connect_timeout_is_retried_then_provider_timeout(
    harness: Callable[..., Harness], case: Case
) -> None:
    h = harness(raises(httpx.ConnectTimeout))
    with pytest.raises(ProviderTimeout):
        await h.complete()
    assert len(h.api.requests) == 2


async def test_a_refused_connection_is_retried_then_unavailable(
    harness: Callable[..., Harness], case: Case
) -> None:
    h = harness(raises(httpx.ConnectError))
    with pytest.raises(ProviderUnavailable):
        await h.list_models()
    assert len(h.api.requests) == 3


@pytest.mark.parametrize(
    "body",
    [
        b"<html>502 Bad Gateway</html>",
        b'{"choices": "nope", "candidates": 7, "content": 1, "data": 7, "models": "nope"}',
    ],
)
async def test_a_malformed_body_is_a_protocol_error(
    harness: Callable[..., Harness], case: Case, body: bytes
) -> None:
    h = harness(reply(200, body))
    with pytest.raises(ProviderProtocolError):
        await h.complete()
    with pytest.raises(ProviderProtocolError):
        await h.list_models()
    assert len(h.api.requests) == 2  # never retried


async def test_a_malformed_stream_event_is_a_protocol_error(
    harness: Callable[..., Harness], case: Case
) -> None:
    h = harness(sse_reply(b"event: content_block_delta\ndata: {not json\n\n"))
    with pytest.raises(ProviderProtocolError):
        await h.stream()


async def test_a_dropped_stream_yields_what_arrived_then_unavailable(
    harness: Callable[..., Harness], case: Case
) -> None:
    h = harness(dropped_reply(case.partial_stream))
    received: list[CompletionChunk] = []
    with pytest.raises(ProviderUnavailable):
        await h.stream(into=received)
    assert [c.delta for c in received] == ["Hel", "lo"]
    assert not any(c.is_final for c in received)
    assert len(h.api.requests) == 1  # never retried after the first event


async def test_a_stream_that_ends_without_its_terminal_event_is_unavailable(
    harness: Callable[..., Harness], case: Case
) -> None:
    h = harness(sse_reply(case.partial_stream))
    received: list[CompletionChunk] = []
    with pytest.raises(ProviderUnavailable):
        await h.stream(into=received)
    assert [c.delta for c in received] == ["Hel", "lo"]


async def test_an_oversized_body_is_refused(harness: Callable[..., Harness], case: Case) -> None:
    h = harness(reply(200, b'{"data": [' + b" " * (9 * 1024 * 1024) + b"]}"))
    with pytest.raises(ProviderProtocolError):
        await h.list_models()


async def test_an_endless_stream_is_cut_at_the_stream_limit_after_what_arrived(
    harness: Callable[..., Harness], case: Case
) -> None:
    """SECURITY-TESTS F14: a (user's own) server streaming without end costs at most 8 MiB."""
    limit = BodyLimits().max_stream_bytes
    endless = EndlessStream(sse([case.delta_event("x" * 65_536)]), give_up=4 * limit)
    h = harness(
        lambda request: httpx.Response(
            200, stream=endless, headers={"content-type": "text/event-stream"}, request=request
        )
    )
    received: list[CompletionChunk] = []
    with pytest.raises(ProviderProtocolError, match="size limit"):
        await h.stream(into=received)
    assert received
    assert not any(c.is_final for c in received)
    assert sum(len(c.delta) for c in received) <= limit
    assert endless.sent <= limit + len(endless.event)  # stopped reading at the limit
    assert len(h.api.requests) == 1


async def test_a_stream_of_only_comments_is_cut_at_the_stream_limit(
    harness: Callable[..., Harness], case: Case
) -> None:
    limit = BodyLimits().max_stream_bytes
    endless = EndlessStream(b": keep-alive" + b" " * 4096 + b"\n\n", give_up=4 * limit)
    h = harness(
        lambda request: httpx.Response(
            200, stream=endless, headers={"content-type": "text/event-stream"}, request=request
        )
    )
    with pytest.raises(ProviderProtocolError, match="size limit"):
        await h.stream()
    assert endless.sent <= limit + len(endless.event)


async def test_a_compatible_servers_usage_numbers_are_clamped() -> None:
    """Negative counts would lower the recorded cost; counts past int4 fail the insert."""
    case = CASE["openai_compatible"]
    hostile = {"prompt_tokens": -1_000_000, "completion_tokens": 2**40, "total_tokens": 1}
    body = json.loads(json.dumps(OPENAI_COMPLETION))
    body["usage"] = hostile
    last = json.loads(OPENAI_STREAM_EVENTS[-2].removeprefix("data: "))
    last["usage"] = hostile
    events = [*OPENAI_STREAM_EVENTS[:-2], "data: " + json.dumps(last), "data: [DONE]"]
    h = make_harness(case, reply(200, body), sse_reply(sse(events)))
    assert (await h.complete()).usage == Usage(0, 2**31 - 1)
    assert (await h.stream())[-1].usage == Usage(0, 2**31 - 1)


async def test_a_redirect_is_not_followed(harness: Callable[..., Harness], case: Case) -> None:
    h = harness(reply(307, b"", {"location": "http://169.254.169.254/latest/meta-data/"}))
    with pytest.raises(ProviderProtocolError) as caught:
        await h.list_models()
    assert "169.254" not in str(caught.value)
    assert len(h.api.requests) == 1


# --- what goes out -------------------------------------------------------------------------


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


async def test_an_anthropic_error_event_mid_stream_ends_it_after_the_deltas() -> None:
    case = CASE["anthropic"]
    overloaded = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    body = sse([*ANTHROPIC_STREAM_EVENTS[:5], _anthropic_event("error", overloaded)])
    h = make_harness(case, sse_reply(body))
    received: list[CompletionChunk] = []
    with pytest.raises(ProviderUnavailable):
        await h.stream(into=received)
    assert [c.delta for c in received] == ["Hel", "lo"]
    assert len(h.api.requests) == 1


async def test_an_openai_error_object_mid_stream_ends_it_after_the_deltas() -> None:
    case = CASE["openai"]
    error = openai_error("The server had an error while processing", "server_error", None)
    body = sse([*OPENAI_STREAM_EVENTS[:3], "data: " + json.dumps(error)])
    h = make_harness(case, sse_reply(body))
    received: list[CompletionChunk] = []
    with pytest.raises(ProviderUnavailable):
        await h.stream(into=received)
    assert [c.delta for c in received] == ["Hel", "lo"]


async def test_a_gemini_prompt_blocked_by_safety_is_a_content_filter_finish() -> None:
    case = CASE["gemini"]
    blocked = {
        "promptFeedback": {"blockReason": "SAFETY"},
        "usageMetadata": {"promptTokenCount": 9, "totalTokenCount": 9},
    }
    h = make_harness(case, reply(200, blocked))
    completion = await h.complete()
    assert completion.text == ""
    assert completion.finish_reason is FinishReason.CONTENT_FILTER
    assert completion.usage == Usage(9, 0)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("length", FinishReason.LENGTH), ("content_filter", FinishReason.CONTENT_FILTER)],
)
async def test_openai_finish_reasons_map_to_the_domain(raw: str, expected: FinishReason) -> None:
    case = CASE["openai"]
    body = json.loads(json.dumps(OPENAI_COMPLETION))
    body["choices"][0]["finish_reason"] = raw
    h = make_harness(case, reply(200, body))
    assert (await h.complete()).finish_reason is expected


async def test_a_json_body_where_a_stream_was_asked_for_is_a_protocol_error(
    harness: Callable[..., Harness], case: Case
) -> None:
    h = harness(case.completion)
    with pytest.raises(ProviderProtocolError):
        await h.stream()
    assert len(h.api.requests) == 1


async def test_a_retry_after_beyond_the_cap_is_reported_not_waited(
    harness: Callable[..., Harness], case: Case
) -> None:
    h = harness(reply(429, b"{}", {"retry-after": "30"}))
    with pytest.raises(ProviderRateLimited) as caught:
        await h.complete()
    assert caught.value.retry_after == pytest.approx(30.0)
    assert len(h.api.requests) == 1
    assert h.sleeps == []


async def test_retry_after_ms_is_honoured(harness: Callable[..., Harness], case: Case) -> None:
    h = harness(reply(503, b"{}", {"retry-after-ms": "1250"}), case.completion)
    assert (await h.complete()).text == "Hello there"
    assert h.sleeps == [pytest.approx(1.25)]
