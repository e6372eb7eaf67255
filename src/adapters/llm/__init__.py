"""LLM provider adapters over raw HTTP (no SDKs): see docs/providers.md.

Wiring, in the composition root (one long-lived client per provider, closed at shutdown)::

    catalog = TomlModelCatalog.from_package()
    registry = StaticProviderRegistry({
        Provider.OPENAI: OpenAiProvider(build_http_client(transport), settings.openai_base_url),
        Provider.ANTHROPIC: AnthropicProvider(
            build_http_client(transport), settings.anthropic_base_url, catalog=catalog
        ),
        Provider.GOOGLE: GeminiProvider(build_http_client(transport), settings.google_base_url),
        Provider.OPENAI_COMPATIBLE: OpenAiCompatibleProvider(
            build_guarded_http_client(), SsrfGuard(allow_private=settings.allow_private_base_urls)
        ),
    })
"""

from adapters.llm._policy import BodyLimits, RetryPolicy
from adapters.llm.anthropic import AnthropicProvider
from adapters.llm.catalog import TomlModelCatalog
from adapters.llm.clients import build_guarded_http_client, build_http_client
from adapters.llm.gemini import GeminiProvider
from adapters.llm.openai import OpenAiProvider
from adapters.llm.openai_compatible import OpenAiCompatibleProvider
from adapters.llm.registry import StaticProviderRegistry
from adapters.llm.ssrf import SsrfGuard

__all__ = [
    "AnthropicProvider",
    "BodyLimits",
    "GeminiProvider",
    "OpenAiCompatibleProvider",
    "OpenAiProvider",
    "RetryPolicy",
    "SsrfGuard",
    "StaticProviderRegistry",
    "TomlModelCatalog",
    "build_guarded_http_client",
    "build_http_client",
]
