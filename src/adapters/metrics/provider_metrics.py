"""Counts, latencies and outcomes of every LLM provider call, around any ``LlmProvider``.

Labels are bounded sets chosen by the code, never by users: the provider name (four values;
an openai_compatible call is never labelled with its base URL), the operation (``list_models``,
``complete``, ``stream``) and the outcome (``ok``, a domain error's stable ``code`` such as
``provider-rate-limited``, ``cancelled``, ``closed-early`` or ``error``). No user id, email,
model name or key ever becomes a label value.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Final

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram

from domain.api_key import ApiKey
from domain.errors import DomainError
from domain.llm import Completion, CompletionChunk, CompletionRequest, ModelInfo
from domain.ports import LlmProvider, LlmProviderRegistry
from domain.provider import Provider

# Provider calls last from a few milliseconds (a models list) to minutes (a long stream).
BUCKETS: Final = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0)
OK: Final = "ok"


class ProviderMetrics:
    """The instruments, registered once per registry (``for_registry``)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        labels = ("provider", "operation", "outcome")
        self.calls = Counter(
            "byom_provider_calls",
            "Calls to LLM providers, by provider, operation and outcome",
            labels,
            registry=registry,
        )
        self.errors = Counter(
            "byom_provider_errors",
            "Failed calls to LLM providers, by provider, operation and error code",
            labels,
            registry=registry,
        )
        self.duration = Histogram(
            "byom_provider_call_duration_seconds",
            "Duration of LLM provider calls (a stream: until its last chunk), in seconds",
            labels,
            buckets=BUCKETS,
            registry=registry,
        )
        self.first_chunk = Histogram(
            "byom_provider_stream_first_chunk_seconds",
            "Time from the start of a streamed call to its first chunk, in seconds",
            ("provider",),
            buckets=BUCKETS,
            registry=registry,
        )

    @classmethod
    def for_registry(cls, registry: CollectorRegistry = REGISTRY) -> ProviderMetrics:
        """prometheus_client refuses a second metric of one name in a registry: one per process."""
        found = _INSTANCES.get(registry)
        if found is None:
            found = _INSTANCES[registry] = cls(registry)
        return found

    def observe(self, provider: str, operation: str, outcome: str, seconds: float) -> None:
        self.calls.labels(provider, operation, outcome).inc()
        self.duration.labels(provider, operation, outcome).observe(seconds)
        if outcome != OK:
            self.errors.labels(provider, operation, outcome).inc()


def outcome_of(error: BaseException) -> str:
    if isinstance(error, DomainError):
        return error.code  # a class attribute: a small fixed set
    if isinstance(error, asyncio.CancelledError):
        return "cancelled"
    if isinstance(error, GeneratorExit):
        return "closed-early"
    return "error"


class MeteredLlmProvider(LlmProvider):
    """An ``LlmProvider`` that measures the one it wraps and changes nothing else."""

    def __init__(self, inner: LlmProvider, provider: Provider, metrics: ProviderMetrics) -> None:
        self.inner = inner
        self._name = provider.value
        self._metrics = metrics

    async def list_models(self, key: ApiKey, *, base_url: str | None = None) -> list[ModelInfo]:
        started = time.perf_counter()
        try:
            models = await self.inner.list_models(key, base_url=base_url)
        except BaseException as error:
            self._observe("list_models", outcome_of(error), started)
            raise
        self._observe("list_models", OK, started)
        return models

    async def complete(
        self, key: ApiKey, request: CompletionRequest, *, base_url: str | None = None
    ) -> Completion:
        started = time.perf_counter()
        try:
            completion = await self.inner.complete(key, request, base_url=base_url)
        except BaseException as error:
            self._observe("complete", outcome_of(error), started)
            raise
        self._observe("complete", OK, started)
        return completion

    async def stream(
        self, key: ApiKey, request: CompletionRequest, *, base_url: str | None = None
    ) -> AsyncIterator[CompletionChunk]:
        started = time.perf_counter()
        first = True
        chunks: AsyncIterator[CompletionChunk] | None = None
        try:
            # Inside: an adapter may refuse the call when it is made (counted as a failure).
            chunks = self.inner.stream(key, request, base_url=base_url)
            async for chunk in chunks:
                if first:
                    first = False
                    self._metrics.first_chunk.labels(self._name).observe(
                        time.perf_counter() - started
                    )
                yield chunk
        except BaseException as error:
            self._observe("stream", outcome_of(error), started)
            raise
        finally:
            aclose = getattr(chunks, "aclose", None)
            if aclose is not None:
                await aclose()
        self._observe("stream", OK, started)

    def _observe(self, operation: str, outcome: str, started: float) -> None:
        self._metrics.observe(self._name, operation, outcome, time.perf_counter() - started)


class MeteredProviderRegistry(LlmProviderRegistry):
    """Hands out metered wrappers of the registry it wraps (one wrapper per provider client)."""

    def __init__(self, inner: LlmProviderRegistry, metrics: ProviderMetrics) -> None:
        self.inner = inner
        self._metrics = metrics
        self._wrapped: dict[Provider, MeteredLlmProvider] = {}

    def get(self, provider: Provider) -> LlmProvider:
        client = self.inner.get(provider)
        wrapped = self._wrapped.get(provider)
        if wrapped is None or wrapped.inner is not client:
            wrapped = MeteredLlmProvider(client, provider, self._metrics)
            self._wrapped[provider] = wrapped
        return wrapped


_INSTANCES: dict[CollectorRegistry, ProviderMetrics] = {}
