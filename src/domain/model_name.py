"""Model names as users type them. Not restricted to the catalog: providers ship models weekly."""

from __future__ import annotations

from domain.errors import InvalidModelName, UnknownProvider
from domain.provider import Provider

MAX_MODEL_NAME_LENGTH = 200


def parse_model_name(raw: str | None) -> str | None:
    if raw is None:
        return None
    name = raw.strip()
    if not name:
        return None
    if len(name) > MAX_MODEL_NAME_LENGTH:
        raise InvalidModelName(
            f"model name is too long (at most {MAX_MODEL_NAME_LENGTH} characters)"
        )
    if not name.isprintable() or any(ch.isspace() for ch in name):
        raise InvalidModelName("model name contains whitespace or control characters")
    return name


def split_provider_prefix(name: str) -> tuple[Provider | None, str]:
    """``provider/model`` names its provider (aliases too: ``ollama/llama3``); a prefix that
    is not a provider stays part of the name (OpenRouter-style ``meta-llama/llama-3``)."""
    prefix, slash, rest = name.partition("/")
    if slash and rest:
        try:
            return Provider.parse(prefix), rest
        except UnknownProvider:
            pass
    return None, name
