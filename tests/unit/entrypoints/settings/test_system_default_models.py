"""BYOM_SYSTEM_DEFAULT_MODELS is read and checked at start: a list that cannot work (a model of
another provider, a default model left out) stops the start with a message naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.provider import Provider
from entrypoints.bootstrap import system_default
from entrypoints.settings import Settings, SettingsError
from tests.support.fakes import FakeCatalog


def _settings(tmp_path: Path, **variables: str) -> Settings:
    return Settings.from_env(
        {
            "BYOM_VAR_DIR": str(tmp_path),
            "BYOM_SYSTEM_DEFAULT_PROVIDER": "openai",
            "BYOM_SYSTEM_OPENAI_API_KEY": "sk-system-key-0001",
            **variables,
        }
    )


def test_the_list_is_read_in_order_without_repeats(tmp_path: Path) -> None:
    settings = _settings(
        tmp_path, BYOM_SYSTEM_DEFAULT_MODELS=" gpt-4o-mini, gpt-4.1-nano ,,gpt-4o-mini"
    )
    assert settings.providers.system_default.models == ("gpt-4o-mini", "gpt-4.1-nano")


@pytest.mark.parametrize("raw", [" , ,", "gpt 4o", "x" * 201])
def test_a_list_without_usable_names_names_the_variable(tmp_path: Path, raw: str) -> None:
    with pytest.raises(SettingsError, match="BYOM_SYSTEM_DEFAULT_MODELS"):
        _settings(tmp_path, BYOM_SYSTEM_DEFAULT_MODELS=raw)


def test_unset_the_default_model_alone_is_allowed(tmp_path: Path) -> None:
    system = system_default(_settings(tmp_path), FakeCatalog())
    assert system is not None
    assert (system.model, system.allowed) == ("model-a", ("model-a",))

    configured = system_default(
        _settings(tmp_path, BYOM_SYSTEM_DEFAULT_MODEL="openai/gpt-4o-mini"), FakeCatalog()
    )
    assert configured is not None
    assert configured.allowed == ("gpt-4o-mini",)


def test_prefixes_of_the_defaults_provider_are_dropped(tmp_path: Path) -> None:
    settings = _settings(
        tmp_path,
        BYOM_SYSTEM_DEFAULT_MODEL="gpt-4o-mini",
        BYOM_SYSTEM_DEFAULT_MODELS="openai/gpt-4o-mini,chatgpt/o3-mini",
    )
    system = system_default(settings, FakeCatalog())
    assert system is not None
    assert (system.provider, system.model, system.allowed) == (
        Provider.OPENAI,
        "gpt-4o-mini",
        ("gpt-4o-mini", "o3-mini"),
    )


@pytest.mark.parametrize(
    ("models", "message"),
    [
        ("gpt-4o-mini,claude-sonnet-4-5", "'claude-sonnet-4-5' routes to anthropic, not openai"),
        ("gpt-4o-mini,google/gemini-2.5-flash", "write openai/gemini-2.5-flash if openai"),
        ("gpt-4o-mini,default", "'default' is not a model name"),
        ("gpt-4.1", "must include the default model 'gpt-4o-mini'"),
    ],
)
def test_a_list_that_cannot_work_stops_the_start(tmp_path: Path, models: str, message: str) -> None:
    settings = _settings(
        tmp_path, BYOM_SYSTEM_DEFAULT_MODEL="gpt-4o-mini", BYOM_SYSTEM_DEFAULT_MODELS=models
    )
    with pytest.raises(SettingsError, match=message):
        system_default(settings, FakeCatalog())


def test_a_compatible_default_names_its_models_with_the_prefix_when_a_rule_would_misroute(
    tmp_path: Path,
) -> None:
    settings = Settings.from_env(
        {
            "BYOM_VAR_DIR": str(tmp_path),
            "BYOM_SYSTEM_DEFAULT_PROVIDER": "openai_compatible",
            "BYOM_SYSTEM_DEFAULT_MODEL": "llama3.1:8b",
            "BYOM_SYSTEM_DEFAULT_MODELS": "llama3.1:8b,ollama/gpt-oss:20b",
        }
    )
    system = system_default(settings, FakeCatalog())
    assert system is not None
    assert system.allowed == ("llama3.1:8b", "gpt-oss:20b")


def test_a_compatible_default_without_a_model_stops_the_start(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {"BYOM_VAR_DIR": str(tmp_path), "BYOM_SYSTEM_DEFAULT_PROVIDER": "openai_compatible"}
    )
    with pytest.raises(SettingsError, match="BYOM_SYSTEM_DEFAULT_MODEL is required"):
        system_default(settings, FakeCatalog())
