"""Which provider a model name on the OpenAI-compatible gateway means."""

from __future__ import annotations

import re
from dataclasses import dataclass

from domain.errors import InvalidModelName
from domain.model_name import parse_model_name, split_provider_prefix
from domain.provider import Provider

_OPENAI = re.compile(r"^(gpt-|chatgpt-|o\d)", re.IGNORECASE)
_ANTHROPIC = re.compile(r"^claude-", re.IGNORECASE)
_GOOGLE = re.compile(r"^(models/)?gemini-", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Route:
    """``provider`` None: no rule matched, the user's default credential serves the model."""

    provider: Provider | None
    model: str | None
    """None: the caller's own default model (``default``, ``byom/default``)."""


DEFAULT_NAMES = frozenset({"default", "byom/default"})


def route(requested: str) -> Route:
    """- an explicit ``provider/model`` always wins (``anthropic/claude-...``,
      ``openai_compatible/llama3``, and aliases such as ``ollama/llama3``); a prefix that is not
      a provider stays part of the name (OpenRouter-style ``meta-llama/llama-3``);
    - ``gpt-*``, ``chatgpt-*``, ``o1*``/``o3*``/``o4*``... go to OpenAI, ``claude-*`` to Anthropic,
      ``gemini-*`` (or ``models/gemini-*``) to Google;
    - ``default`` (or ``byom/default``) is whatever the LLM factory picks for the caller: their
      default credential and its model, else the system default."""
    name = parse_model_name(requested)
    if name is None:
        raise InvalidModelName("model is required")
    if name.lower() in DEFAULT_NAMES:
        return Route(None, None)
    named, rest = split_provider_prefix(name)
    if named is not None:
        return Route(named, rest)
    if _GOOGLE.match(name):
        return Route(Provider.GOOGLE, name.removeprefix("models/"))
    if _ANTHROPIC.match(name):
        return Route(Provider.ANTHROPIC, name)
    if _OPENAI.match(name):
        return Route(Provider.OPENAI, name)
    return Route(None, name)
