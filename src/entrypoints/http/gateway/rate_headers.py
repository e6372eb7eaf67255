"""OpenAI's ``x-ratelimit-*`` headers for a gateway token's ``rpm`` and ``tpm``.

Names and formats as OpenAI sends them (``x-ratelimit-reset-tokens: 12s``); the official SDKs
wait by ``retry-after-ms`` / ``retry-after``, which 429s carry too. The per-user request rate
(limits.py) sets the ``-requests`` trio on every completion; when the token's own ``rpm`` leaves
fewer requests, its numbers replace them: a client reads the budget that binds first."""

from __future__ import annotations

import math

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

from domain.token_rate import WINDOW_S, TokenRateUse

_STATE_KEY = "byom.token_rate_headers"
_REMAINING_REQUESTS = "x-ratelimit-remaining-requests"


def token_rate_headers(use: TokenRateUse) -> dict[str, str]:
    reset = _duration(use.reset_s)
    headers: dict[str, str] = {}
    if use.limits.rpm is not None:
        # The draft RateLimit-Policy form the per-user limit sends too (limits.py).
        headers["x-ratelimit-policy-requests"] = f"{use.limits.rpm}; w={WINDOW_S}"
        headers["x-ratelimit-limit-requests"] = str(use.limits.rpm)
        headers[_REMAINING_REQUESTS] = str(use.remaining_requests)
        headers["x-ratelimit-reset-requests"] = reset
    if use.limits.tpm is not None:
        headers["x-ratelimit-limit-tokens"] = str(use.limits.tpm)
        headers["x-ratelimit-remaining-tokens"] = str(use.remaining_tokens)
        headers["x-ratelimit-reset-tokens"] = reset
    return headers


def retry_headers(use: TokenRateUse) -> dict[str, str]:
    """A refusal's: when to retry (whole seconds, and milliseconds the SDKs prefer)."""
    wait_ms = max(1, math.ceil(use.reset_s * 1000))
    return {"retry-after": str(math.ceil(wait_ms / 1000)), "retry-after-ms": str(wait_ms)}


def remember(scope: Scope, use: TokenRateUse) -> None:
    """Keep a successful call's headers for ``apply_token_rate_headers`` (run last)."""
    scope.setdefault("state", {})[_STATE_KEY] = token_rate_headers(use)


async def apply_token_rate_headers(message: Message, scope: Scope) -> None:
    """A ``before_send`` hook: outside every middleware, so after the per-user limit's."""
    if message["type"] != "http.response.start":
        return
    found = scope.get("state", {}).get(_STATE_KEY)
    if not found:
        return
    headers = MutableScopeHeaders.from_message(message)
    user_left = headers.get(_REMAINING_REQUESTS)
    mine = found.get(_REMAINING_REQUESTS)
    # The user's budget binds first: keep its numbers for requests.
    users_bind = user_left is not None and mine is not None and int(mine) > int(user_left)
    for name, value in found.items():
        if not (users_bind and name.endswith("-requests")):
            headers[name] = value


def _duration(seconds: float) -> str:
    """OpenAI's form: ``250ms``, ``12s``, ``1m0s``."""
    if seconds < 1:
        return f"{max(1, math.ceil(seconds * 1000))}ms"
    whole = math.ceil(seconds)
    return f"{whole}s" if whole < 60 else f"{whole // 60}m{whole % 60}s"
