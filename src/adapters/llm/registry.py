"""``LlmProviderRegistry`` over a fixed mapping built by the composition root."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from domain.errors import NoLlmConfigured
from domain.ports import LlmProvider, LlmProviderRegistry
from domain.provider import Provider


class StaticProviderRegistry(LlmProviderRegistry):
    def __init__(self, providers: Mapping[Provider, LlmProvider]) -> None:
        self._providers = MappingProxyType(dict(providers))

    def get(self, provider: Provider) -> LlmProvider:
        found = self._providers.get(provider)
        if found is None:
            raise NoLlmConfigured(f"{provider.label} is not available on this server")
        return found
