"""The cases of the LLM provider contract (tests/contract/llm/): each adapter with its
provider's API faked by ``FakeApi`` answering the bodies of ``tests.support.wire``, and the
harness that calls an adapter the way the application does."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from adapters.llm import (
    AnthropicProvider,
    GeminiProvider,
    OpenAiCompatibleProvider,
    OpenAiProvider,
    RetryPolicy,
    SsrfGuard,
    TomlModelCatalog,
)
from domain.api_key import ApiKey
from domain.llm import ChatMessage, Completion, CompletionChunk, CompletionRequest, Role
from domain.ports import LlmProvider
from tests.support.constants import COMPAT_URL
from tests.support.fake_http_api import FakeApi, Handler, reply, sse_reply
from tests.support.wire import anthropic, gemini, openai, sse

CANARY = f"sk-canary-{uuid.uuid4().hex}"
KEY = ApiKey(CANARY)
PUBLIC_IP = "93.184.215.14"

# The reply every case gives: "Hello there", 12 tokens in and 5 out, streamed in three pieces.
PIECES = ["Hel", "lo", " there"]
OPENAI_STREAM_EVENTS = openai.stream(PIECES)
OPENAI_COMPLETION = openai.completion("Hello there")
OPENAI_MODELS = openai.models(("gpt-4o-mini", "system"), ("gpt-4.1-mini", "system"))
ANTHROPIC_STREAM_EVENTS = anthropic.stream(PIECES)
ANTHROPIC_COMPLETION = anthropic.message(["Hello", " there"])
GEMINI_STREAM_EVENTS = gemini.stream(PIECES)
GEMINI_COMPLETION = gemini.response(["Hello", " there"])


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
    return {
        "models": reply(200, OPENAI_MODELS),
        "expected_models": ["gpt-4.1-mini", "gpt-4o-mini"],
        "completion": reply(200, OPENAI_COMPLETION),
        "stream": sse_reply(sse.encode(OPENAI_STREAM_EVENTS)),
        "partial_stream": sse.encode(OPENAI_STREAM_EVENTS[:3]),
        "bad_key": reply(401, openai.invalid_key(CANARY)),
        "unknown_model": reply(404, openai.unknown_model("gpt-nope")),
        "rate_limited": reply(429, openai.rate_limited(), {"retry-after": "2"}),
        "quota_exhausted": reply(429, openai.quota_exhausted()),
        "server_errors": (500, 503),
        "server_error": lambda status: reply(status, openai.server_error()),
        "delta_event": openai.text_delta,
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
        base_url=COMPAT_URL,
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
        models=reply(200, anthropic.models()),
        expected_models=["claude-sonnet-4-5-20250929", "claude-3-5-haiku-20241022"],
        completion=reply(200, ANTHROPIC_COMPLETION),
        stream=sse_reply(sse.encode(ANTHROPIC_STREAM_EVENTS)),
        partial_stream=sse.encode(ANTHROPIC_STREAM_EVENTS[:5]),
        bad_key=reply(401, anthropic.invalid_key(CANARY)),
        unknown_model=reply(404, anthropic.unknown_model("claude-nope")),
        rate_limited=reply(429, anthropic.rate_limited(), {"retry-after": "2"}),
        quota_exhausted=reply(429, anthropic.spend_limit()),
        server_errors=(500, 503, 529),
        server_error=lambda status: reply(status, anthropic.server_error(status)),
        delta_event=anthropic.text_delta,
    ),
    Case(
        name="gemini",
        provider="google",
        build=lambda client, retry: GeminiProvider(
            client, "https://generativelanguage.googleapis.test/v1beta", retry=retry
        ),
        base_url=None,
        model="gemini-2.5-flash",
        models=reply(200, gemini.models()),
        expected_models=["gemini-2.5-flash", "gemini-2.5-pro"],
        completion=reply(200, GEMINI_COMPLETION),
        stream=sse_reply(sse.encode(GEMINI_STREAM_EVENTS, crlf=True)),
        partial_stream=sse.encode(GEMINI_STREAM_EVENTS[:2], crlf=True),
        bad_key=reply(400, gemini.invalid_key(CANARY)),
        unknown_model=reply(404, gemini.unknown_model("gemini-nope")),
        rate_limited=reply(429, gemini.rate_limited("2s")),
        quota_exhausted=reply(429, gemini.quota_exhausted()),
        server_errors=(500, 503),
        server_error=lambda status: reply(status, gemini.server_error(status)),
        delta_event=gemini.text_delta,
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


CASE = {c.name: c for c in CASES}
