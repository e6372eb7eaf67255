"""Which provider a model name on the gateway means."""

from __future__ import annotations

import pytest

from application.gateway._routing import Route, route
from domain.errors import InvalidModelName
from domain.provider import Provider


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("gpt-4o-mini", Route(Provider.OPENAI, "gpt-4o-mini")),
        ("chatgpt-4o-latest", Route(Provider.OPENAI, "chatgpt-4o-latest")),
        ("o1", Route(Provider.OPENAI, "o1")),
        ("o3-mini", Route(Provider.OPENAI, "o3-mini")),
        ("o4-mini", Route(Provider.OPENAI, "o4-mini")),
        ("claude-sonnet-4-5", Route(Provider.ANTHROPIC, "claude-sonnet-4-5")),
        ("gemini-2.5-flash", Route(Provider.GOOGLE, "gemini-2.5-flash")),
        ("models/gemini-2.5-pro", Route(Provider.GOOGLE, "gemini-2.5-pro")),
        ("anthropic/claude-3-5-haiku", Route(Provider.ANTHROPIC, "claude-3-5-haiku")),
        ("openai/gpt-4.1", Route(Provider.OPENAI, "gpt-4.1")),
        ("google/gemini-2.5-pro", Route(Provider.GOOGLE, "gemini-2.5-pro")),
        ("openai_compatible/llama3.1:8b", Route(Provider.OPENAI_COMPATIBLE, "llama3.1:8b")),
        ("ollama/qwen2.5", Route(Provider.OPENAI_COMPATIBLE, "qwen2.5")),
        (
            "openrouter/meta-llama/llama-3.1-70b",
            Route(Provider.OPENAI_COMPATIBLE, "meta-llama/llama-3.1-70b"),
        ),
        # An explicit provider wins over the name's look.
        ("openai_compatible/gpt-4o", Route(Provider.OPENAI_COMPATIBLE, "gpt-4o")),
        # A prefix that is no provider stays part of the name: the user's default serves it.
        ("meta-llama/llama-3", Route(None, "meta-llama/llama-3")),
        ("llama3", Route(None, "llama3")),
        ("omni-moderation", Route(None, "omni-moderation")),
    ],
)
def test_model_names_route_to_their_provider(model: str, expected: Route) -> None:
    assert route(model) == expected


@pytest.mark.parametrize("model", ["", "   ", "gpt 4o", "x" * 201])
def test_names_that_are_no_model_are_refused(model: str) -> None:
    with pytest.raises(InvalidModelName):
        route(model)
