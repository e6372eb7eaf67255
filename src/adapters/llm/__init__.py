"""LLM provider adapters over raw HTTP (no SDKs): see PROVIDERS.md."""

from adapters.llm._http import BodyLimits, RetryPolicy
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
