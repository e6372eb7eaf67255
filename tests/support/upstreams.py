"""Stand-ins for the providers' HTTP APIs (``httpx.MockTransport``), replaying their wire shapes.

The real provider adapters talk to these, so a test through the HTTP app exercises the whole
path: request body per provider, SSE parsing, usage, error bodies and statuses. Shapes follow
each provider's API reference (PROVIDERS.md): OpenAI Chat Completions, Anthropic Messages,
Gemini generateContent / streamGenerateContent?alt=sse.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

from adapters.llm import (
    AnthropicProvider,
    GeminiProvider,
    OpenAiCompatibleProvider,
    OpenAiProvider,
    RetryPolicy,
    SsrfGuard,
    StaticProviderRegistry,
)
from domain.ports import LlmProvider, ModelCatalog
from domain.provider import Provider

OPENAI_KEY = "sk-proj-" + "Qw3rTy7u" * 20 + "wxyz"
ANTHROPIC_KEY = "sk-ant-api03-" + "Zy9_" * 23 + "AAAA"
GOOGLE_KEY = "AIzaSyD" + "x" * 28 + "g00g"
COMPAT_KEY = "sk-local-0123456789abcdef"
COMPAT_BASE_URL = "https://llm.example.com/v1"

BASE_URLS = {
    Provider.OPENAI: "https://api.openai.test/v1",
    Provider.ANTHROPIC: "https://api.anthropic.test/v1",
    Provider.GOOGLE: "https://gemini.googleapis.test/v1beta",
    Provider.OPENAI_COMPATIBLE: COMPAT_BASE_URL,
}
KEYS = {
    Provider.OPENAI: OPENAI_KEY,
    Provider.ANTHROPIC: ANTHROPIC_KEY,
    Provider.GOOGLE: GOOGLE_KEY,
    Provider.OPENAI_COMPATIBLE: COMPAT_KEY,
}
MODELS = {
    Provider.OPENAI: "gpt-4o-mini",
    Provider.ANTHROPIC: "claude-sonnet-4-5-20250929",
    Provider.GOOGLE: "gemini-2.5-flash",
    Provider.OPENAI_COMPATIBLE: "llama3.1:8b",
}

Failure = Literal["bad_key", "rate_limited", "timeout", "down", "unknown_model"]


class _DroppedStream(httpx.AsyncByteStream):
    """Sends some bytes, then the connection dies."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self.body
        raise httpx.RemoteProtocolError("peer closed connection without sending complete body")


class _StalledStream(httpx.AsyncByteStream):
    """Sends some bytes, then the model goes quiet (a long think, a hung connection)."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self.body
        await asyncio.Event().wait()


@dataclass
class Upstream:
    """One provider's API. ``fail`` makes completions fail the way that provider fails;
    ``drop_after`` cuts a stream after that many text pieces, ``stall_after`` goes quiet after
    them; ``requests`` records what reached it."""

    provider: Provider
    reply: str = "Carry is positive; watch the ECB on Thursday."
    usage: tuple[int, int] = (1200, 80)
    fail: Failure | None = None
    drop_after: int | None = None
    stall_after: int | None = None
    retry_after: str = "17"
    finish: str | None = None
    key: str = ""
    other_keys: set[str] = field(default_factory=set)
    requests: list[httpx.Request] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.key = self.key or KEYS[self.provider]

    @property
    def pieces(self) -> list[str]:
        words = self.reply.split(" ")
        return [w if i == 0 else f" {w}" for i, w in enumerate(words)]

    def bodies(self) -> list[Any]:
        return [json.loads(r.content) for r in self.requests if r.method == "POST"]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if not self._key_ok(request):
            return self._bad_key(request)
        if request.method == "GET":
            return self._json(request, 200, self._models())
        if self.fail == "bad_key":
            return self._bad_key(request)
        if self.fail == "timeout":
            raise httpx.ReadTimeout("simulated", request=request)
        if self.fail == "rate_limited":
            # Gemini says when to retry in the body (RetryInfo.retryDelay), not in a header.
            header = {} if self.provider is Provider.GOOGLE else {"retry-after": self.retry_after}
            return self._json(request, 429, self._rate_limited(), header)
        if self.fail == "down":
            return self._json(request, 503, self._down())
        if self.fail == "unknown_model":
            return self._json(request, 404, self._unknown_model())
        if self._streaming(request):
            body = self._stream_body()
            cut = self.drop_after is not None or self.stall_after is not None
            if cut:
                return httpx.Response(
                    200,
                    stream=(_DroppedStream if self.stall_after is None else _StalledStream)(body),
                    headers={"content-type": "text/event-stream"},
                    request=request,
                )
            return httpx.Response(
                200, content=body, headers={"content-type": "text/event-stream"}, request=request
            )
        return self._json(request, 200, self._completion())

    # --- shared --------------------------------------------------------------------------

    @staticmethod
    def _json(
        request: httpx.Request, status: int, body: Any, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        return httpx.Response(status, json=body, headers=headers, request=request)

    def key_of(self, request: httpx.Request) -> str:
        """The API key a request carried, in this provider's header."""
        if self.provider is Provider.ANTHROPIC:
            return request.headers.get("x-api-key", "")
        if self.provider is Provider.GOOGLE:
            return request.headers.get("x-goog-api-key", "")
        return request.headers.get("authorization", "").removeprefix("Bearer ")

    def _key_ok(self, request: httpx.Request) -> bool:
        return self.key_of(request) in {self.key, *self.other_keys}

    def _streaming(self, request: httpx.Request) -> bool:
        if self.provider is Provider.GOOGLE:
            return request.url.path.endswith(":streamGenerateContent")
        return bool(json.loads(request.content).get("stream"))

    @property
    def _cut(self) -> int | None:
        return self.drop_after if self.stall_after is None else self.stall_after

    def _sent_pieces(self) -> list[str]:
        pieces = self.pieces
        return pieces if self._cut is None else pieces[: self._cut]

    def _stream_body(self) -> bytes:
        events = {
            Provider.OPENAI: self._openai_events,
            Provider.OPENAI_COMPATIBLE: self._openai_events,
            Provider.ANTHROPIC: self._anthropic_events,
            Provider.GOOGLE: self._gemini_events,
        }[self.provider]()
        return "".join(e + "\n\n" for e in events).encode()

    def _dispatch(self, name: str) -> Any:
        family = {
            Provider.OPENAI: "openai",
            Provider.OPENAI_COMPATIBLE: "openai",
            Provider.ANTHROPIC: "anthropic",
            Provider.GOOGLE: "gemini",
        }[self.provider]
        method: Callable[[], Any] = getattr(self, f"_{family}_{name}")
        return method()

    def _models(self) -> Any:
        return self._dispatch("models")

    def _completion(self) -> Any:
        return self._dispatch("completion")

    def _bad_key(self, request: httpx.Request) -> httpx.Response:
        status = 400 if self.provider is Provider.GOOGLE else 401
        return self._json(request, status, self._dispatch("bad_key"))

    def _rate_limited(self) -> Any:
        return self._dispatch("rate_limited")

    def _down(self) -> Any:
        return self._dispatch("down")

    def _unknown_model(self) -> Any:
        return self._dispatch("unknown_model")

    # --- OpenAI (and compatible servers) --------------------------------------------------

    def _openai_models(self) -> Any:
        owners = {"gpt-4o-mini": "system", "gpt-4.1": "system", "llama3.1:8b": "library"}
        return {
            "object": "list",
            "data": [
                {"id": name, "object": "model", "created": 1721172741, "owned_by": owner}
                for name, owner in owners.items()
            ],
        }

    def _openai_usage(self) -> dict[str, Any]:
        prompt, completion = self.usage
        return {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0},
        }

    def _openai_completion(self) -> Any:
        return {
            "id": "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT",
            "object": "chat.completion",
            "created": 1741569952,
            "model": "gpt-4o-mini-2024-07-18",
            "choices": [
                {
                    "index": 0,
                    "message": {
                        "role": "assistant",
                        "content": self.reply,
                        "refusal": None,
                        "annotations": [],
                    },
                    "logprobs": None,
                    "finish_reason": self.finish or "stop",
                }
            ],
            "usage": self._openai_usage(),
            "service_tier": "default",
            "system_fingerprint": "fp_06737a9306",
        }

    def _openai_chunk(self, delta: dict[str, Any], finish: str | None = None) -> str:
        return "data: " + json.dumps(
            {
                "id": "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT",
                "object": "chat.completion.chunk",
                "created": 1741569952,
                "model": "gpt-4o-mini-2024-07-18",
                "service_tier": "default",
                "system_fingerprint": "fp_06737a9306",
                "choices": [
                    {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
                ],
                "usage": None,
            }
        )

    def _openai_events(self) -> list[str]:
        events = [self._openai_chunk({"role": "assistant", "content": "", "refusal": None})]
        events += [self._openai_chunk({"content": p}) for p in self._sent_pieces()]
        if self._cut is not None:
            return events
        events.append(self._openai_chunk({}, self.finish or "stop"))
        events.append(
            "data: "
            + json.dumps(
                {
                    "id": "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT",
                    "object": "chat.completion.chunk",
                    "created": 1741569952,
                    "model": "gpt-4o-mini-2024-07-18",
                    "choices": [],
                    "usage": self._openai_usage(),
                }
            )
        )
        events.append("data: [DONE]")
        return events

    @staticmethod
    def _openai_error(message: str, type_: str, code: str | None) -> Any:
        return {"error": {"message": message, "type": type_, "param": None, "code": code}}

    def _openai_bad_key(self) -> Any:
        return self._openai_error(
            "Incorrect API key provided: sk-proj-********************wxyz. You can find your "
            "API key at https://platform.openai.com/account/api-keys.",
            "invalid_request_error",
            "invalid_api_key",
        )

    def _openai_rate_limited(self) -> Any:
        return self._openai_error(
            "Rate limit reached for gpt-4o-mini in organization org-x on requests per min "
            "(RPM): Limit 3, Used 3, Requested 1. Please try again in 20s.",
            "requests",
            "rate_limit_exceeded",
        )

    def _openai_down(self) -> Any:
        return self._openai_error(
            "The server is overloaded or not ready yet.", "server_error", None
        )

    def _openai_unknown_model(self) -> Any:
        return self._openai_error(
            "The model `gpt-9` does not exist or you do not have access to it.",
            "invalid_request_error",
            "model_not_found",
        )

    # --- Anthropic ------------------------------------------------------------------------

    def _anthropic_models(self) -> Any:
        return {
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

    def _anthropic_completion(self) -> Any:
        prompt, completion = self.usage
        return {
            "id": "msg_013Zva2CMHLNnXjNJJKqJ2EF",
            "type": "message",
            "role": "assistant",
            "model": "claude-sonnet-4-5-20250929",
            "content": [{"type": "text", "text": self.reply}],
            "stop_reason": self.finish or "end_turn",
            "stop_sequence": None,
            "usage": {
                "input_tokens": prompt,
                "output_tokens": completion,
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 0,
                "service_tier": "standard",
            },
        }

    @staticmethod
    def _anthropic_event(name: str, data: dict[str, Any]) -> str:
        return f"event: {name}\ndata: {json.dumps(data)}"

    def _anthropic_events(self) -> list[str]:
        prompt, completion = self.usage
        ev = self._anthropic_event
        events = [
            ev(
                "message_start",
                {
                    "type": "message_start",
                    "message": {
                        "id": "msg_013Zva2CMHLNnXjNJJKqJ2EF",
                        "type": "message",
                        "role": "assistant",
                        "model": "claude-sonnet-4-5-20250929",
                        "content": [],
                        "stop_reason": None,
                        "stop_sequence": None,
                        "usage": {"input_tokens": prompt, "output_tokens": 1},
                    },
                },
            ),
            ev(
                "content_block_start",
                {
                    "type": "content_block_start",
                    "index": 0,
                    "content_block": {"type": "text", "text": ""},
                },
            ),
            ev("ping", {"type": "ping"}),
        ]
        events += [
            ev(
                "content_block_delta",
                {
                    "type": "content_block_delta",
                    "index": 0,
                    "delta": {"type": "text_delta", "text": p},
                },
            )
            for p in self._sent_pieces()
        ]
        if self._cut is not None:
            return events
        events += [
            ev("content_block_stop", {"type": "content_block_stop", "index": 0}),
            ev(
                "message_delta",
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": self.finish or "end_turn", "stop_sequence": None},
                    "usage": {"output_tokens": completion},
                },
            ),
            ev("message_stop", {"type": "message_stop"}),
        ]
        return events

    @staticmethod
    def _anthropic_error(type_: str, message: str) -> Any:
        return {"type": "error", "error": {"type": type_, "message": message}}

    def _anthropic_bad_key(self) -> Any:
        return self._anthropic_error("authentication_error", "invalid x-api-key")

    def _anthropic_rate_limited(self) -> Any:
        return self._anthropic_error(
            "rate_limit_error",
            "This request would exceed the rate limit for your organization of 50 requests "
            "per minute.",
        )

    def _anthropic_down(self) -> Any:
        return self._anthropic_error("api_error", "Internal server error")

    def _anthropic_unknown_model(self) -> Any:
        return self._anthropic_error("not_found_error", "model: claude-9")

    # --- Gemini ---------------------------------------------------------------------------

    def _gemini_models(self) -> Any:
        return {
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
                    "name": "models/gemini-2.5-pro",
                    "version": "2.5",
                    "displayName": "Gemini 2.5 Pro",
                    "supportedGenerationMethods": ["generateContent"],
                },
            ]
        }

    def _gemini_usage(self, *, final: bool) -> dict[str, Any]:
        prompt, completion = self.usage
        if not final:
            return {"promptTokenCount": prompt, "totalTokenCount": prompt}
        return {
            "promptTokenCount": prompt,
            "candidatesTokenCount": completion,
            "totalTokenCount": prompt + completion,
            "promptTokensDetails": [{"modality": "TEXT", "tokenCount": prompt}],
        }

    def _gemini_completion(self) -> Any:
        return {
            "candidates": [
                {
                    "content": {"parts": [{"text": self.reply}], "role": "model"},
                    "finishReason": self.finish or "STOP",
                    "avgLogprobs": -0.12,
                }
            ],
            "usageMetadata": self._gemini_usage(final=True),
            "modelVersion": "gemini-2.5-flash",
            "responseId": "mOoKaPW9HIqnkdUP1Kyr2Ag",
        }

    def _gemini_events(self) -> list[str]:
        pieces = self._sent_pieces()
        events = []
        for index, piece in enumerate(pieces):
            last = self._cut is None and index == len(pieces) - 1
            candidate: dict[str, Any] = {"content": {"parts": [{"text": piece}], "role": "model"}}
            if last:
                candidate["finishReason"] = self.finish or "STOP"
            events.append(
                "data: "
                + json.dumps(
                    {
                        "candidates": [candidate],
                        "usageMetadata": self._gemini_usage(final=last),
                        "modelVersion": "gemini-2.5-flash",
                        "responseId": "mOoKaPW9HIqnkdUP1Kyr2Ag",
                    }
                )
            )
        return events

    @staticmethod
    def _gemini_error(code: int, status: str, message: str, *details: Any) -> Any:
        return {
            "error": {"code": code, "message": message, "status": status, "details": list(details)}
        }

    def _gemini_bad_key(self) -> Any:
        return self._gemini_error(
            400,
            "INVALID_ARGUMENT",
            "API key not valid. Please pass a valid API key.",
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "API_KEY_INVALID",
                "domain": "googleapis.com",
                "metadata": {"service": "generativelanguage.googleapis.com"},
            },
        )

    def _gemini_rate_limited(self) -> Any:
        return self._gemini_error(
            429,
            "RESOURCE_EXHAUSTED",
            "Resource has been exhausted (e.g. check quota).",
            {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "17s"},
        )

    def _gemini_down(self) -> Any:
        return self._gemini_error(503, "UNAVAILABLE", "The model is overloaded. Please try later.")

    def _gemini_unknown_model(self) -> Any:
        return self._gemini_error(
            404,
            "NOT_FOUND",
            "models/gemini-9 is not found for API version v1beta, or is not supported for "
            "generateContent.",
        )


async def _public(host: str, port: int) -> list[str]:
    return ["93.184.215.14"]


@dataclass
class Upstreams:
    """One stand-in per provider, and the real adapters wired to them."""

    by_provider: dict[Provider, Upstream]

    def __getitem__(self, provider: Provider) -> Upstream:
        return self.by_provider[provider]

    def registry(self, catalog: ModelCatalog) -> StaticProviderRegistry:
        # No waiting between retries: tests never sleep.
        async def no_sleep(_: float) -> None:
            return None

        retry = RetryPolicy(sleep=no_sleep, rand=lambda: 0.0)

        def client(provider: Provider) -> httpx.AsyncClient:
            return httpx.AsyncClient(transport=httpx.MockTransport(self.by_provider[provider]))

        adapters: dict[Provider, LlmProvider] = {
            Provider.OPENAI: OpenAiProvider(
                client(Provider.OPENAI), BASE_URLS[Provider.OPENAI], retry=retry
            ),
            Provider.ANTHROPIC: AnthropicProvider(
                client(Provider.ANTHROPIC),
                BASE_URLS[Provider.ANTHROPIC],
                catalog=catalog,
                retry=retry,
            ),
            Provider.GOOGLE: GeminiProvider(
                client(Provider.GOOGLE), BASE_URLS[Provider.GOOGLE], retry=retry
            ),
            Provider.OPENAI_COMPATIBLE: OpenAiCompatibleProvider(
                client(Provider.OPENAI_COMPATIBLE), SsrfGuard(resolver=_public), retry=retry
            ),
        }
        return StaticProviderRegistry(adapters)


def upstreams() -> Upstreams:
    return Upstreams({p: Upstream(p) for p in Provider})
