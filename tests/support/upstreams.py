"""Stand-ins for the providers' HTTP APIs (``httpx.MockTransport``), replaying their wire shapes.

The real provider adapters talk to these, so a test through the HTTP app exercises the whole
path: request body per provider, SSE parsing, usage, error bodies and statuses. Shapes follow
each provider's API reference (docs/providers.md), built by ``tests.support.wire``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
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
from tests.support.constants import COMPAT_URL, KEYS
from tests.support.wire import anthropic, gemini, openai, sse

BASE_URLS = {
    Provider.OPENAI: "https://api.openai.test/v1",
    Provider.ANTHROPIC: "https://api.anthropic.test/v1",
    Provider.GOOGLE: "https://gemini.googleapis.test/v1beta",
    Provider.OPENAI_COMPATIBLE: COMPAT_URL,
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
    # The calls it makes (in OpenAI's shape; each provider answers them in its own wire:
    # Anthropic ``tool_use`` blocks, Gemini ``functionCall`` parts, which carry no id) when
    # offered tools and the last turn is not a tool result; given a tool result, it answers
    # ``reply``. An Anthropic request forcing one tool (``tool_choice: tool``) not among these
    # gets that tool called with ``reply`` (a JSON object) as its input, as BYOM's JSON output.
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    other_keys: set[str] = field(default_factory=set)
    # What ``GET /models`` answers: these names instead of the usual list, or this failure.
    listed: tuple[str, ...] | None = None
    list_fail: Failure | None = None
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
            return self._listing(request)
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
            body = self._stream_body(request)
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
        calls = self._calls_for(request)
        if calls:
            return self._json(request, 200, self._tool_calls_completion(calls))
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
            return str(request.headers.get("x-api-key", ""))
        if self.provider is Provider.GOOGLE:
            return str(request.headers.get("x-goog-api-key", ""))
        return str(request.headers.get("authorization", "")).removeprefix("Bearer ")

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

    def _calls_for(self, request: httpx.Request) -> list[dict[str, Any]]:
        """The calls (OpenAI's shape) this request is answered with; none for a text reply."""
        body = json.loads(request.content)
        if not body.get("tools"):
            return []
        if self.provider is Provider.GOOGLE:
            last = body["contents"][-1]["parts"]
            answered = any("functionResponse" in part for part in last)
            return [] if answered else self.tool_calls
        last = body["messages"][-1]
        if self.provider is Provider.ANTHROPIC:
            content = last["content"]
            if isinstance(content, list) and any(b["type"] == "tool_result" for b in content):
                return []
            forced = (body.get("tool_choice") or {}).get("name")
            if forced and forced not in {c["function"]["name"] for c in self.tool_calls}:
                return [openai.tool_call("toolu_01Output", forced, self.reply)]
            return self.tool_calls
        return [] if last.get("role") == "tool" else self.tool_calls

    def _tool_calls_completion(self, calls: list[dict[str, Any]]) -> Any:
        if self.provider is Provider.ANTHROPIC:
            blocks = [
                anthropic.tool_use_block(
                    c["id"], c["function"]["name"], json.loads(c["function"]["arguments"])
                )
                for c in calls
            ]
            return anthropic.tool_use_message(blocks, tokens=self.usage)
        if self.provider is Provider.GOOGLE:
            return gemini.function_calls(_named_args(calls), tokens=self.usage)
        return openai.tool_calls_completion(*calls, tokens=self.usage)

    def _tool_calls_stream(self, calls: list[dict[str, Any]]) -> list[str]:
        if self.provider is Provider.ANTHROPIC:
            return anthropic.tool_use_stream([_halves(c) for c in calls], tokens=self.usage)
        if self.provider is Provider.GOOGLE:
            return gemini.function_call_stream(_named_args(calls), tokens=self.usage)
        return openai.tool_calls_stream([_halves(c) for c in calls], tokens=self.usage)

    def _stream_body(self, request: httpx.Request) -> bytes:
        pieces, complete = self._sent_pieces(), self._cut is None
        calls = self._calls_for(request)
        if calls:
            return sse.encode(self._tool_calls_stream(calls))
        if self.provider is Provider.ANTHROPIC:
            stop = self.finish or "end_turn"
            events = anthropic.stream(
                pieces, tokens=self.usage, stop_reason=stop, complete=complete
            )
        elif self.provider is Provider.GOOGLE:
            finish = self.finish or "STOP"
            events = gemini.stream(pieces, tokens=self.usage, finish=finish, complete=complete)
        else:
            finish = self.finish or "stop"
            events = openai.stream(pieces, tokens=self.usage, finish=finish, complete=complete)
        return sse.encode(events)

    def _listing(self, request: httpx.Request) -> httpx.Response:
        if self.list_fail == "timeout":
            raise httpx.ReadTimeout("simulated", request=request)
        if self.list_fail == "bad_key":
            return self._bad_key(request)
        if self.list_fail is not None:
            return self._json(request, 503, self._down())
        return self._json(request, 200, self._models())

    def _models(self) -> Any:
        if self.listed is not None:
            if self.provider is Provider.ANTHROPIC:
                return anthropic.model_page(list(self.listed))
            if self.provider is Provider.GOOGLE:
                return gemini.model_page(list(self.listed))
            return openai.models(*((m, "system") for m in self.listed))
        if self.provider is Provider.ANTHROPIC:
            return anthropic.models()
        if self.provider is Provider.GOOGLE:
            return gemini.models()
        return openai.models(
            ("gpt-4o-mini", "system"), ("gpt-4.1", "system"), ("llama3.1:8b", "library")
        )

    def _completion(self) -> Any:
        if self.provider is Provider.ANTHROPIC:
            stop = self.finish or "end_turn"
            return anthropic.message([self.reply], tokens=self.usage, stop_reason=stop)
        if self.provider is Provider.GOOGLE:
            return gemini.response([self.reply], tokens=self.usage, finish=self.finish or "STOP")
        return openai.completion(self.reply, tokens=self.usage, finish=self.finish or "stop")

    def _bad_key(self, request: httpx.Request) -> httpx.Response:
        if self.provider is Provider.ANTHROPIC:
            return self._json(request, 401, anthropic.invalid_key())
        if self.provider is Provider.GOOGLE:
            return self._json(request, 400, gemini.invalid_key())
        return self._json(request, 401, openai.invalid_key("sk-proj-********************wxyz"))

    def _rate_limited(self) -> Any:
        if self.provider is Provider.ANTHROPIC:
            return anthropic.rate_limited()
        if self.provider is Provider.GOOGLE:
            return gemini.rate_limited()
        return openai.rate_limited()

    def _down(self) -> Any:
        if self.provider is Provider.ANTHROPIC:
            return anthropic.server_error()
        if self.provider is Provider.GOOGLE:
            return gemini.server_error(503)
        return openai.server_error()

    def _unknown_model(self) -> Any:
        if self.provider is Provider.ANTHROPIC:
            return anthropic.unknown_model("claude-9")
        if self.provider is Provider.GOOGLE:
            return gemini.unknown_model("gemini-9")
        return openai.unknown_model("gpt-9")


def _halves(call: dict[str, Any]) -> tuple[str, str, list[str]]:
    """A call as ``openai.tool_calls_stream`` streams it: its arguments in two fragments."""
    arguments = call["function"]["arguments"]
    half = len(arguments) // 2
    return call["id"], call["function"]["name"], [arguments[:half], arguments[half:]]


def _named_args(calls: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """Calls as Gemini makes them: a name and the arguments as an object, no id."""
    return [(c["function"]["name"], json.loads(c["function"]["arguments"])) for c in calls]


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
