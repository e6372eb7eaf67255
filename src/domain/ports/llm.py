"""LLM providers, and the catalog of their models."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol

from domain.api_key import ApiKey
from domain.llm import (
    CatalogModel,
    CatalogProvider,
    Completion,
    CompletionChunk,
    CompletionRequest,
    ModelInfo,
)
from domain.provider import Provider


class LlmProvider(Protocol):
    """One provider's API. ``base_url`` is only given for OpenAI-compatible credentials."""

    async def list_models(self, key: ApiKey, *, base_url: str | None = None) -> list[ModelInfo]:
        """Cheap call that proves the key works (no tokens spent)."""
        ...

    async def complete(
        self, key: ApiKey, request: CompletionRequest, *, base_url: str | None = None
    ) -> Completion: ...

    def stream(
        self, key: ApiKey, request: CompletionRequest, *, base_url: str | None = None
    ) -> AsyncIterator[CompletionChunk]:
        """Text deltas, then one final chunk carrying usage and the finish reason."""
        ...


class LlmProviderRegistry(Protocol):
    def get(self, provider: Provider) -> LlmProvider: ...


class ModelCatalog(Protocol):
    def providers(self) -> tuple[CatalogProvider, ...]: ...

    def default_model(self, provider: Provider) -> str | None: ...

    def model(self, provider: Provider, name: str) -> CatalogModel | None: ...
