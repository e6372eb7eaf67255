"""The LiteLLM proxy's configuration in the gateway benchmark: the model the load asks for,
routed to the stand-in as an OpenAI-compatible upstream, with nothing that would add work
(telemetry, a database) or let it answer without a key."""

from __future__ import annotations

from typing import Any

import yaml

from tests.bench.litellm_proxy import ENV, MASTER_KEY, VERSION, config_yaml


def _config(port: int) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(config_yaml(port))
    return loaded


def test_routes_the_benchmarks_model_to_the_stand_in_as_an_openai_upstream() -> None:
    [model] = _config(41234)["model_list"]

    assert model["model_name"] == "gpt-4o-mini"
    assert model["litellm_params"]["model"] == "openai/gpt-4o-mini"
    assert model["litellm_params"]["api_base"] == "http://127.0.0.1:41234/v1"


def test_checks_a_key_like_byom_and_keeps_no_database_nor_telemetry() -> None:
    config = _config(1)

    assert config["general_settings"] == {"master_key": MASTER_KEY}
    assert config["litellm_settings"]["telemetry"] is False
    assert "database_url" not in config["general_settings"]


def test_runs_on_the_bundled_price_map_without_its_admin_ui() -> None:
    assert ENV["LITELLM_LOCAL_MODEL_COST_MAP"] == "True"
    assert ENV["DISABLE_ADMIN_UI"] == "True"


def test_pins_a_version_outside_the_compromised_releases() -> None:
    assert VERSION not in {"1.82.7", "1.82.8", "1.107.0"}
