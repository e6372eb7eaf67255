"""``ModelCatalog`` read from ``catalog.toml`` (package data, loaded with tomllib)."""

from __future__ import annotations

import tomllib
from decimal import Decimal
from importlib.resources import files

import msgspec

from domain.llm import CatalogModel, CatalogProvider, ModelPrice
from domain.ports import ModelCatalog
from domain.provider import Provider


class _ModelEntry(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    context_window: int | None = None
    max_output_tokens: int | None = None
    input_per_mtok: str | None = None
    output_per_mtok: str | None = None
    aliases: list[str] = msgspec.field(default_factory=list)


class _ProviderEntry(msgspec.Struct, forbid_unknown_fields=True):
    default_model: str
    models: list[_ModelEntry] = msgspec.field(default_factory=list)


class _CatalogFile(msgspec.Struct, forbid_unknown_fields=True):
    providers: dict[str, _ProviderEntry]


class TomlModelCatalog(ModelCatalog):
    """Known models, limits and prices. An empty ``default_model`` in the file means "none".

    Only names the file lists (a model's ``name`` or one of its ``aliases``) are known: a dated
    snapshot is not priced as its base model (``gpt-4o-2024-05-13`` costs twice ``gpt-4o``),
    so a snapshot at the base price is listed as an alias, and any other gets a null cost."""

    def __init__(self, text: str) -> None:
        raw = msgspec.convert(tomllib.loads(text), _CatalogFile)
        unknown = set(raw.providers) - {p.value for p in Provider}
        if unknown:
            raise ValueError(f"catalog names unknown providers: {sorted(unknown)}")
        self._providers: dict[Provider, CatalogProvider] = {}
        self._index: dict[tuple[Provider, str], CatalogModel] = {}
        for name, entry in raw.providers.items():
            provider = Provider(name)
            models = tuple(_model(provider, m) for m in entry.models)
            self._providers[provider] = CatalogProvider(
                provider.value, entry.default_model or None, models
            )
            for spec, model in zip(entry.models, models, strict=True):
                for alias in (spec.name, *spec.aliases):
                    self._index[(provider, alias)] = model

    @classmethod
    def from_package(cls) -> TomlModelCatalog:
        return cls(files("adapters.llm").joinpath("catalog.toml").read_text(encoding="utf-8"))

    def providers(self) -> tuple[CatalogProvider, ...]:
        return tuple(self._providers[p] for p in Provider if p in self._providers)

    def default_model(self, provider: Provider) -> str | None:
        entry = self._providers.get(provider)
        return entry.default_model if entry else None

    def model(self, provider: Provider, name: str) -> CatalogModel | None:
        return self._index.get((provider, name.strip().removeprefix("models/")))


def _model(provider: Provider, entry: _ModelEntry) -> CatalogModel:
    price = None
    if entry.input_per_mtok is not None and entry.output_per_mtok is not None:
        price = ModelPrice(Decimal(entry.input_per_mtok), Decimal(entry.output_per_mtok))
    return CatalogModel(
        provider=provider.value,
        name=entry.name,
        context_window=entry.context_window,
        max_output_tokens=entry.max_output_tokens,
        price=price,
    )
