"""Server-sent events as the providers frame them."""

from __future__ import annotations

import json
from typing import Any


def data(payload: Any) -> str:
    """A ``data:`` event (OpenAI, Gemini)."""
    return "data: " + json.dumps(payload)


def named(name: str, payload: Any) -> str:
    """An ``event:`` plus ``data:`` event (Anthropic)."""
    return f"event: {name}\n" + data(payload)


def encode(events: list[str], *, crlf: bool = False) -> bytes:
    """The body of a stream: each event ends with a blank line (CRLF as Gemini sends them)."""
    sep = "\r\n" if crlf else "\n"
    return "".join(e.replace("\n", sep) + sep + sep for e in events).encode()
