"""Settings of the LLM providers: where they are, what carries the calls, the system default."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from domain.provider import PUBLIC_BASE_URLS, Provider
from entrypoints.settings._parsers import flag, literal, model_names, positive, text
from entrypoints.settings._variables import per_provider, section, setting


@dataclass(frozen=True, slots=True)
class SystemDefaultSettings:
    provider: str | None = setting(
        "BYOM_SYSTEM_DEFAULT_PROVIDER",
        None,
        text,
        "the fallback LLM for users without a credential",
    )
    model: str | None = setting(
        "BYOM_SYSTEM_DEFAULT_MODEL", None, text, "its model (else the catalog default)"
    )
    models: tuple[str, ...] = setting(
        "BYOM_SYSTEM_DEFAULT_MODELS",
        (),
        model_names,
        "the only models the platform's key serves, comma-separated (`provider/` prefixes allowed;"
        " the default model must be one); any other is a 403 `model-not-allowed`",
        shown="the default model alone",
    )
    api_keys: Mapping[str, str] = per_provider(
        "BYOM_SYSTEM_{}_API_KEY",
        "the platform's own keys for that fallback, by provider: "
        + ", ".join(f"`{p.value.upper()}`" for p in Provider),
    )
    base_url: str | None = setting(
        "BYOM_SYSTEM_DEFAULT_BASE_URL",
        None,
        text,
        "its base URL, for an openai_compatible fallback",
    )


@dataclass(frozen=True, slots=True)
class ProviderSettings:
    openai_base_url: str = setting(
        "BYOM_OPENAI_BASE_URL",
        PUBLIC_BASE_URLS[Provider.OPENAI],
        text,
        "operator override (proxies, stand-ins)",
    )
    anthropic_base_url: str = setting(
        "BYOM_ANTHROPIC_BASE_URL", PUBLIC_BASE_URLS[Provider.ANTHROPIC], text, "operator override"
    )
    google_base_url: str = setting(
        "BYOM_GOOGLE_BASE_URL", PUBLIC_BASE_URLS[Provider.GOOGLE], text, "operator override"
    )
    http_transport: Literal["aiohttp", "httpx"] = setting(
        "BYOM_HTTP_TRANSPORT",
        "aiohttp",
        literal("aiohttp", "httpx"),
        "what carries provider calls: `aiohttp` (httpx-aiohttp) or `httpx`",
    )
    allow_private_base_urls: bool = setting(
        "BYOM_ALLOW_PRIVATE_BASE_URLS",
        False,
        flag,
        "let openai_compatible credentials reach private networks and plain http",
    )
    model_list_ttl_s: int = setting(
        "BYOM_MODEL_LIST_TTL_S",
        600,
        positive,
        "how long a key's live model list (`GET /v1/models`) is kept, in seconds; every key "
        "check refreshes it",
    )
    model_list_timeout_s: int = setting(
        "BYOM_MODEL_LIST_TIMEOUT_S",
        5,
        positive,
        "longest wait for a provider's model list, in seconds; past it `GET /v1/models` "
        "offers the catalog's models, marked `live: false`",
    )
    system_default: SystemDefaultSettings = section(SystemDefaultSettings)
