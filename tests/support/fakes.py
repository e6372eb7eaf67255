"""Test doubles that keep state (``Fake...``): providers, a health probe, a catalog, a clock.

Unit tests drive use cases through ``entrypoints.bootstrap.build`` with these and the in-memory
stores, and assert on state, never on calls.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import ClassVar

from adapters.persistence.errors import StoreUnavailable
from domain.api_key import ApiKey
from domain.errors import (
    InvalidApiKey,
    ModelNotFound,
    ProviderError,
    ProviderUnavailable,
)
from domain.llm import (
    CatalogModel,
    CatalogProvider,
    Completion,
    CompletionChunk,
    CompletionRequest,
    FinishReason,
    ModelInfo,
    ModelPrice,
    Reply,
    Usage,
)
from domain.ports import Clock, HealthProbe, LlmProvider, LlmProviderRegistry, ModelCatalog
from domain.provider import Provider
from domain.tools import ToolCall, ToolCallDelta
from tests.support.scripted_model import scripted_reply


@dataclass
class FakeLlmProvider(LlmProvider):
    """A provider that knows which keys are valid and which models exist.

    ``fail_with`` makes every call raise that error (provider down, rate limited...).
    ``calls`` records what reached the provider, so tests can assert nothing did.
    ``tool_calls``: the next answer calls these tools (its text is then empty, its finish
    reason ``tool_calls``), once: the answer after it is ``reply`` again. Otherwise, asked for
    tools or JSON, it answers as ``scripted_model`` says (a scripted stand-in).
    ``hold_lists``: ``list_models`` waits for it (calls in flight, a provider that never
    answers), counted in ``lists_waiting``."""

    name: str
    valid_keys: set[str] = field(default_factory=set)
    models: tuple[str, ...] = ("model-a", "model-b")
    reply: str = "Hello from the fake model."
    usage: Usage = field(default_factory=lambda: Usage(12, 5))
    fail_with: ProviderError | None = None
    drop_stream_after: int | None = None
    calls: list[tuple[str, str | None]] = field(default_factory=list)
    requests: list[CompletionRequest] = field(default_factory=list)
    tool_calls: tuple[ToolCall, ...] = ()
    hold_lists: asyncio.Event | None = None
    lists_waiting: int = 0

    def _authorise(self, kind: str, key: ApiKey, base_url: str | None) -> None:
        self.calls.append((kind, base_url))
        if self.fail_with is not None:
            raise self.fail_with
        if key.reveal() not in self.valid_keys:
            raise InvalidApiKey(self.name, f"{self.name} says the API key is invalid")

    async def list_models(self, key: ApiKey, *, base_url: str | None = None) -> list[ModelInfo]:
        self._authorise("list_models", key, base_url)
        if self.hold_lists is not None:
            self.lists_waiting += 1
            try:
                await self.hold_lists.wait()
            finally:
                self.lists_waiting -= 1
        return [ModelInfo(m) for m in self.models]

    async def complete(
        self, key: ApiKey, request: CompletionRequest, *, base_url: str | None = None
    ) -> Completion:
        self._authorise("complete", key, base_url)
        self._check_model(request.model)
        self.requests.append(request)
        reply = self._answer(request)
        finish = FinishReason.TOOL_CALLS if reply.tool_calls else FinishReason.STOP
        return Completion(reply.text, request.model, self.usage, finish, reply.tool_calls)

    def _answer(self, request: CompletionRequest) -> Reply:
        if calls := self.tool_calls:
            self.tool_calls = ()
            return Reply("", calls)
        return scripted_reply(request, self.reply)

    async def stream(
        self, key: ApiKey, request: CompletionRequest, *, base_url: str | None = None
    ) -> AsyncIterator[CompletionChunk]:
        self._authorise("stream", key, base_url)
        self._check_model(request.model)
        self.requests.append(request)
        reply = self._answer(request)
        words = reply.text.split(" ") if reply.text else []
        for index, word in enumerate(words):
            if self.drop_stream_after is not None and index >= self.drop_stream_after:
                raise ProviderUnavailable(self.name, "connection dropped mid-stream")
            yield CompletionChunk(delta=word if index == 0 else f" {word}")
        for index, call in enumerate(reply.tool_calls):
            half = len(call.arguments) // 2
            yield CompletionChunk(tool_calls=(ToolCallDelta(index, call.id, call.name),))
            for piece in (call.arguments[:half], call.arguments[half:]):
                yield CompletionChunk(tool_calls=(ToolCallDelta(index, arguments=piece),))
        finish = FinishReason.TOOL_CALLS if reply.tool_calls else FinishReason.STOP
        yield CompletionChunk(usage=self.usage, finish_reason=finish)

    def _check_model(self, model: str) -> None:
        if self.models and model not in self.models:
            raise ModelNotFound(self.name, f"model {model!r} does not exist")


class FakeProviderRegistry(LlmProviderRegistry):
    def __init__(self, providers: Iterable[FakeLlmProvider] = ()) -> None:
        self.by_provider: dict[Provider, FakeLlmProvider] = {
            p: FakeLlmProvider(p.value) for p in Provider
        }
        for fake in providers:
            self.by_provider[Provider(fake.name)] = fake

    def get(self, provider: Provider) -> FakeLlmProvider:
        return self.by_provider[provider]

    def accept(self, provider: Provider, *keys: str) -> None:
        self.by_provider[provider].valid_keys.update(keys)

    @property
    def calls(self) -> int:
        return sum(len(p.calls) for p in self.by_provider.values())


class FakeCatalog(ModelCatalog):
    """A small catalog: one priced model per provider, openai_compatible without a default."""

    PRICES: ClassVar[dict[Provider, tuple[str, Decimal, Decimal]]] = {
        Provider.OPENAI: ("model-a", Decimal("2.50"), Decimal("10.00")),
        Provider.ANTHROPIC: ("model-a", Decimal("3.00"), Decimal("15.00")),
        Provider.GOOGLE: ("model-a", Decimal("0.30"), Decimal("2.50")),
    }

    def providers(self) -> tuple[CatalogProvider, ...]:
        return tuple(
            CatalogProvider(
                p.value,
                name,
                (CatalogModel(p.value, name, 128_000, 4096, ModelPrice(i, o)),),
            )
            for p, (name, i, o) in self.PRICES.items()
        )

    def default_model(self, provider: Provider) -> str | None:
        found = self.PRICES.get(provider)
        return found[0] if found else None

    def model(self, provider: Provider, name: str) -> CatalogModel | None:
        found = self.PRICES.get(provider)
        if found is None or found[0] != name:
            return None
        return CatalogModel(provider.value, name, 128_000, 4096, ModelPrice(found[1], found[2]))


class FakeHealthProbe(HealthProbe):
    def __init__(self) -> None:
        self.up = True

    async def check(self) -> None:
        if not self.up:
            raise StoreUnavailable()


class FakeClock(Clock):
    def __init__(self, start: datetime | None = None) -> None:
        # Ten minutes ago: tests advance it, and tokens it stamps must not be issued in the future.
        self.current = start or datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)

    def now(self) -> datetime:
        return self.current

    def advance(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)
