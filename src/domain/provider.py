"""The LLM providers BYOM can talk to."""

from __future__ import annotations

from enum import StrEnum

from domain.errors import UnknownProvider


class Provider(StrEnum):
    OPENAI = "openai"
    GOOGLE = "google"
    ANTHROPIC = "anthropic"
    OPENAI_COMPATIBLE = "openai_compatible"

    @classmethod
    def parse(cls, raw: str) -> Provider:
        """Case-insensitive, whitespace-tolerant, with the names people actually type."""
        name = raw.strip().lower().replace("-", "_").replace(" ", "_")
        found = _ALIASES.get(name)
        if found is None:
            raise UnknownProvider(raw, accepted=tuple(p.value for p in cls))
        return found

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def takes_base_url(self) -> bool:
        return self is Provider.OPENAI_COMPATIBLE


_ALIASES: dict[str, Provider] = {
    **{p.value: p for p in Provider},
    "gemini": Provider.GOOGLE,
    "google_gemini": Provider.GOOGLE,
    "claude": Provider.ANTHROPIC,
    "chatgpt": Provider.OPENAI,
    "openaicompatible": Provider.OPENAI_COMPATIBLE,
    "openai_compat": Provider.OPENAI_COMPATIBLE,
    "ollama": Provider.OPENAI_COMPATIBLE,
    "vllm": Provider.OPENAI_COMPATIBLE,
    "openrouter": Provider.OPENAI_COMPATIBLE,
}

_LABELS = {
    Provider.OPENAI: "OpenAI",
    Provider.GOOGLE: "Google Gemini",
    Provider.ANTHROPIC: "Anthropic",
    Provider.OPENAI_COMPATIBLE: "OpenAI-compatible",
}

# Where each provider serves its public API (operators may point elsewhere: BYOM_*_BASE_URL).
# openai_compatible has none: each of its credentials names its own base URL.
PUBLIC_BASE_URLS = {
    Provider.OPENAI: "https://api.openai.com/v1",
    Provider.ANTHROPIC: "https://api.anthropic.com/v1",
    Provider.GOOGLE: "https://generativelanguage.googleapis.com/v1beta",
}
