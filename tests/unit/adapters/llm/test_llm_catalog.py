"""The model catalog file and the provider registry."""

from __future__ import annotations

from decimal import Decimal

import pytest

from adapters.llm import StaticProviderRegistry, TomlModelCatalog
from domain.errors import NoLlmConfigured
from domain.llm import Usage
from domain.ports import LlmProvider
from domain.provider import Provider


@pytest.fixture(scope="module")
def catalog() -> TomlModelCatalog:
    return TomlModelCatalog.from_package()


def test_every_provider_is_listed_with_a_known_default(catalog: TomlModelCatalog) -> None:
    listed = {p.provider: p for p in catalog.providers()}
    assert set(listed) == {p.value for p in Provider}
    for provider in (Provider.OPENAI, Provider.ANTHROPIC, Provider.GOOGLE):
        default = catalog.default_model(provider)
        assert default is not None
        assert catalog.model(provider, default) is not None


def test_openai_compatible_has_no_default_and_no_models(catalog: TomlModelCatalog) -> None:
    assert catalog.default_model(Provider.OPENAI_COMPATIBLE) is None
    assert catalog.model(Provider.OPENAI_COMPATIBLE, "llama3") is None


@pytest.mark.parametrize(
    ("provider", "name"),
    [
        (Provider.OPENAI, "gpt-4o"),
        (Provider.OPENAI, "gpt-4o-mini"),
        (Provider.OPENAI, "gpt-4.1"),
        (Provider.OPENAI, "gpt-4.1-mini"),
        (Provider.OPENAI, "o3-mini"),
        (Provider.ANTHROPIC, "claude-sonnet-4-20250514"),
        (Provider.ANTHROPIC, "claude-3-5-haiku-20241022"),
        (Provider.ANTHROPIC, "claude-opus-4-20250514"),
        (Provider.GOOGLE, "gemini-2.5-pro"),
        (Provider.GOOGLE, "gemini-2.5-flash"),
        (Provider.GOOGLE, "gemini-2.0-flash"),
    ],
)
def test_known_models_have_limits_and_prices(
    catalog: TomlModelCatalog, provider: Provider, name: str
) -> None:
    model = catalog.model(provider, name)
    assert model is not None
    assert model.context_window
    assert model.max_output_tokens
    assert model.price is not None
    assert model.price.input_per_mtok > 0
    assert model.price.output_per_mtok >= model.price.input_per_mtok


def test_prices_are_exact_decimals(catalog: TomlModelCatalog) -> None:
    model = catalog.model(Provider.OPENAI, "gpt-4o-mini")
    assert model is not None
    assert model.price is not None
    assert model.price.cost(Usage(1_000_000, 1_000_000)) == Decimal("0.75")


@pytest.mark.parametrize(
    ("provider", "alias", "name"),
    [
        (Provider.OPENAI, "gpt-4o-2024-08-06", "gpt-4o"),
        (Provider.OPENAI, "gpt-4o-2024-11-20", "gpt-4o"),
        (Provider.OPENAI, "gpt-4o-mini-2024-07-18", "gpt-4o-mini"),
        (Provider.OPENAI, "gpt-4.1-mini-2025-04-14", "gpt-4.1-mini"),
        (Provider.ANTHROPIC, "claude-sonnet-4-0", "claude-sonnet-4-20250514"),
        (Provider.ANTHROPIC, "claude-sonnet-4-5", "claude-sonnet-4-5-20250929"),
        (Provider.GOOGLE, "models/gemini-2.5-pro", "gemini-2.5-pro"),
        (Provider.GOOGLE, "gemini-2.0-flash-001", "gemini-2.0-flash"),
    ],
)
def test_listed_aliases_and_gemini_prefixes_find_the_model(
    catalog: TomlModelCatalog, provider: Provider, alias: str, name: str
) -> None:
    found = catalog.model(provider, alias)
    assert found is not None
    assert found == catalog.model(provider, name)


@pytest.mark.parametrize(
    ("provider", "name"),
    [
        (Provider.OPENAI, "gpt-4o-2024-05-13"),  # $5 / $15, not gpt-4o's $2.50 / $10
        (Provider.OPENAI, "gpt-4o-2099-01-01"),
        (Provider.OPENAI, "gpt-4.1-20250414"),
        (Provider.ANTHROPIC, "claude-sonnet-4-5-20991231"),
        (Provider.ANTHROPIC, "claude-3-5-haiku-20241022-20250101"),
    ],
)
def test_an_unlisted_dated_snapshot_is_unknown_not_priced_as_its_base(
    catalog: TomlModelCatalog, provider: Provider, name: str
) -> None:
    assert catalog.model(provider, name) is None


def test_a_snapshot_is_found_only_where_the_file_lists_it() -> None:
    catalog = TomlModelCatalog(
        '[providers.openai]\ndefault_model = "m"\n'
        '[[providers.openai.models]]\nname = "m"\naliases = ["m-2025-01-01"]\n'
        'input_per_mtok = "1"\noutput_per_mtok = "2"\n'
    )
    assert catalog.model(Provider.OPENAI, "m-2025-01-01") is not None
    assert catalog.model(Provider.OPENAI, "m-2025-02-02") is None


def test_unknown_models_are_none(catalog: TomlModelCatalog) -> None:
    assert catalog.model(Provider.OPENAI, "gpt-99") is None
    assert catalog.model(Provider.GOOGLE, "gpt-4o") is None


def test_a_catalog_with_an_unknown_provider_or_field_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown providers"):
        TomlModelCatalog('[providers.mystery]\ndefault_model = "x"\n')
    with pytest.raises(ValueError, match="prise"):
        TomlModelCatalog('[providers.openai]\ndefault_model = "x"\nprise = 1\n')


def test_the_registry_returns_what_it_was_given_and_refuses_the_rest() -> None:
    provider: LlmProvider = object()  # type: ignore[assignment]
    registry = StaticProviderRegistry({Provider.OPENAI: provider})
    assert registry.get(Provider.OPENAI) is provider
    with pytest.raises(NoLlmConfigured):
        registry.get(Provider.GOOGLE)
