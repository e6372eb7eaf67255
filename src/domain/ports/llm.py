"""LLM providers, and the catalog of their models."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol
from uuid import UUID

from domain.api_key import ApiKey
from domain.llm import (
    CatalogModel,
    CatalogProvider,
    Completion,
    CompletionChunk,
    CompletionRequest,
    ModelInfo,
)
from domain.model_list import ModelListKey
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


class ModelListCache(Protocol):
    """Each credential's live model list for a short time: an entry answers only for the key
    version it was stored under, and only until it is older than the cache's time to live."""

    async def get(self, key: ModelListKey) -> tuple[str, ...] | None: ...

    async def put(self, key: ModelListKey, models: tuple[str, ...]) -> None: ...

    async def discard(self, credential_id: UUID) -> None: ...
