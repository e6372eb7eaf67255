"""Limits on what a caller may ask of a model, checked before a provider is paid for a reply."""

from __future__ import annotations

from domain.errors import InvalidMessage

MAX_TEMPERATURE = 2.0
MAX_REQUESTED_TOKENS = 1_000_000


def check_generation(max_tokens: int | None, temperature: float | None) -> None:
    """- ``max_tokens`` is at least 1 (and not absurd);
    - ``temperature`` is between 0 and 2 (OpenAI's range; the others accept less, and say so)."""
    if max_tokens is not None and not 1 <= max_tokens <= MAX_REQUESTED_TOKENS:
        raise InvalidMessage(f"max_tokens must be between 1 and {MAX_REQUESTED_TOKENS}")
    if temperature is not None and not 0 <= temperature <= MAX_TEMPERATURE:
        raise InvalidMessage(f"temperature must be between 0 and {MAX_TEMPERATURE}")
