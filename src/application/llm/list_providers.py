"""The providers BYOM serves, their default models, and what the catalog knows of prices."""

from __future__ import annotations

from dataclasses import dataclass

from domain.llm import CatalogModel
from domain.ports import ModelCatalog
from domain.provider import Provider


@dataclass(frozen=True, slots=True)
class ProviderOffer:
    provider: Provider
    default_model: str | None
    models: tuple[CatalogModel, ...]


class ListProviders:
    """Every supported provider, in a stable order, with or without catalog entries."""

    def __init__(self, catalog: ModelCatalog) -> None:
        self._catalog = catalog

    def execute(self) -> list[ProviderOffer]:
        known = {Provider(p.provider): p.models for p in self._catalog.providers()}
        return [
            ProviderOffer(p, self._catalog.default_model(p), known.get(p, ())) for p in Provider
        ]
