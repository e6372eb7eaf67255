"""Scrubbing of provider text before it goes into an exception or a log.

OpenAI echoes a partly masked key in its 401 message (``sk-proj-****abcd``); other providers
may echo more. The exact key, its first and last eight characters, and anything shaped like a
provider key or bearer token are replaced.
"""

from __future__ import annotations

import re
from typing import Final

from domain.api_key import ApiKey

MAX_MESSAGE_CHARS: Final = 300

_KEYLIKE = re.compile(
    r"(?<![A-Za-z0-9])sk-ant-[A-Za-z0-9_\-*.…]+"
    r"|(?<![A-Za-z0-9])sk-[A-Za-z0-9_\-*.…]{3,}"
    r"|(?<![A-Za-z0-9])AIza[0-9A-Za-z_\-*.…]{6,}"
    r"|(?i:bearer)\s+\S+"
    r"|(?i:(?:api[_-]?key|x-goog-api-key|x-api-key|key)\s*[=:]\s*)[^\s&,;\"']+"
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def scrub(text: str, key: ApiKey | str | None = None) -> str:
    """Remove the key, its recognisable pieces and anything key-shaped from provider text."""
    secret = key.reveal() if isinstance(key, ApiKey) else key
    if secret:
        text = text.replace(secret, "[redacted]")
        if len(secret) >= 16:
            for piece in (secret[:8], secret[-8:]):
                text = text.replace(piece, "[redacted]")
    text = _KEYLIKE.sub("[redacted]", text)
    return _CONTROL.sub(" ", text).strip()


def clip(text: str) -> str:
    return text if len(text) <= MAX_MESSAGE_CHARS else text[: MAX_MESSAGE_CHARS - 1] + "…"
