"""Rate limits, shared by the JSON API and the pages, counted in the app's ``rate_limit`` store.

- logins and sign-ups: per client address (argon2 hashing is the expensive part);
- anything that asks a provider whether a key works (create, rotate, validate): per user,
  so nobody turns BYOM into a key-checking oracle or an outbound request generator;
- session messages and gateway completions: per user (limits.py's ``chat`` and ``gateway``).
The pages use the same buckets: alternating between the API and a form buys nothing.

One middleware holds every limit of a layer, and a limit first looks at the method and the path
only: a request no limit applies to builds no ``Request`` and touches no store (four Litestar
RateLimitMiddlewares did both for each, on every request). Counting: ``rate_windows``. Over a
limit: ``TooManyRequestsException`` with the limit's headers, answered like any other 429.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from litestar import Request
from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.exceptions import TooManyRequestsException
from litestar.middleware.base import DefineMiddleware
from litestar.middleware.rate_limit import get_remote_address
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from domain.user import User
from entrypoints.http.rate_windows import RateWindows, rate_windows_for

AnyRequest = Request[Any, Any, Any]
Applies = Callable[[str, str], bool]  # (method, path): no Request is built for the rest
Subject = Callable[[AnyRequest], Awaitable[str]]

WINDOW_S = 60
STORE = "rate_limit"
# The IETF draft's names (/api and the pages); the gateway sends OpenAI's.
DRAFT_HEADERS = ("RateLimit-Policy", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")
OPENAI_HEADERS = (
    "x-ratelimit-policy-requests",
    "x-ratelimit-limit-requests",
    "x-ratelimit-remaining-requests",
    "x-ratelimit-reset-requests",
)
_WINDOWS_KEY = "byom.rate_windows"


@dataclass(frozen=True, slots=True)
class RateLimit:
    """``per_minute`` requests per subject; ``name`` names the bucket (the API's and the
    pages' limits of one name share it)."""

    name: str
    per_minute: int
    applies: Applies
    subject: Subject
    header_names: tuple[str, str, str, str] = DRAFT_HEADERS

    def headers(self, count: int, reset_s: int) -> dict[str, str]:
        policy, limit, remaining, reset = self.header_names
        return {
            policy: f"{self.per_minute}; w={WINDOW_S}",
            limit: str(self.per_minute),
            remaining: str(max(0, self.per_minute - count)),
            reset: str(reset_s),
        }


class RateLimitsMiddleware:
    def __init__(self, app: ASGIApp, limits: Sequence[RateLimit]) -> None:
        self.app = app
        self._limits = tuple(limits)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP:
            method, path = scope["method"], scope.get("root_path", "") + scope["path"]
            request = None
            for limit in self._limits:
                if limit.applies(method, path):
                    request = request or scope["litestar_app"].request_class(scope)
                    send = await _count(limit, request, send)
        await self.app(scope, receive, send)


async def _count(limit: RateLimit, request: AnyRequest, send: Send) -> Send:
    # Not Litestar's ``RateLimitMiddleware::`` keys: an instance still running it (a rolling
    # upgrade) could not read these counts, nor this one its lists.
    key = f"limit::{limit.name}:{await limit.subject(request)}"
    count, reset_s = await _windows(request).count(key, WINDOW_S)
    headers = limit.headers(count, reset_s)
    if count > limit.per_minute:
        raise TooManyRequestsException(headers=headers)

    async def send_with_headers(message: Message) -> None:
        if message["type"] == "http.response.start":
            message.setdefault("headers", [])
            found = MutableScopeHeaders(message)
            for name, value in headers.items():
                found[name] = value
        await send(message)

    return send_with_headers


def _windows(request: AnyRequest) -> RateWindows:
    """The app's counters (one table for the API's and the pages' middleware)."""
    state = request.app.state
    windows: RateWindows | None = state.get(_WINDOWS_KEY)
    if windows is None:
        windows = state[_WINDOWS_KEY] = rate_windows_for(request.app.stores.get(STORE))
    return windows


def rate_limits(*limits: RateLimit) -> DefineMiddleware:
    return DefineMiddleware(RateLimitsMiddleware, limits=limits)


def login_limit(per_minute: int, applies: Applies) -> RateLimit:
    return RateLimit("login", per_minute, applies, _address)


def key_check_limit(
    per_minute: int, applies: Applies, who: Callable[[AnyRequest], str | None]
) -> RateLimit:
    async def subject(request: AnyRequest) -> str:
        return who(request) or get_remote_address(request)

    return RateLimit("validate", per_minute, applies, subject)


async def _address(request: AnyRequest) -> str:
    return get_remote_address(request)


_ACCOUNT_PATHS = ("/api/v1/auth/login", "/api/v1/auth/signup")
_CREDENTIALS = "/api/v1/users/me/llm-credentials"


def api_rate_limits(*, login_per_minute: int, validate_per_minute: int) -> list[RateLimit]:
    return [
        login_limit(login_per_minute, _is_account_call),
        key_check_limit(validate_per_minute, _checks_a_key, _api_user),
    ]


def _is_account_call(method: str, path: str) -> bool:
    return method == "POST" and path in _ACCOUNT_PATHS


def _checks_a_key(method: str, path: str) -> bool:
    if not path.startswith(_CREDENTIALS):
        return False
    path = path.rstrip("/")
    creating = method == "POST" and path == _CREDENTIALS
    validating = method == "POST" and path.endswith("/validate")
    # PATCH rotates the key or checks a new model against the live list.
    return creating or validating or method == "PATCH"


def _api_user(request: AnyRequest) -> str | None:
    # Authentication runs first, so the user is known.
    user = request.scope.get("user")
    return str(user.id) if isinstance(user, User) else None


# --- chat and the gateway: per user, per minute -------------------------------------------------

_SESSIONS = "/api/v1/agent-sessions/"
GATEWAY_COMPLETIONS = "/v1/chat/completions"


def chat_limit(per_minute: int) -> RateLimit:
    """Session messages (each one a provider call) per user."""

    async def subject(request: AnyRequest) -> str:
        return _api_user(request) or get_remote_address(request)

    return RateLimit("chat", per_minute, _sends_a_message, subject)


def gateway_limit(
    per_minute: int, gateway_user: Callable[[AnyRequest], Awaitable[str | None]]
) -> RateLimit:
    """Gateway completions per user (every token of a user shares one bucket).
    ``gateway_user`` authenticates the request's token (None: not a valid one, counted by
    client address); the controller reuses what it found. OpenAI's header names (its SDKs and
    proxies read them); /api keeps the draft RateLimit-*."""

    async def subject(request: AnyRequest) -> str:
        return await gateway_user(request) or f"address:{get_remote_address(request)}"

    return RateLimit("gateway", per_minute, _completes, subject, OPENAI_HEADERS)


def _completes(method: str, path: str) -> bool:
    return method == "POST" and path.rstrip("/") == GATEWAY_COMPLETIONS


def _sends_a_message(method: str, path: str) -> bool:
    path = path.rstrip("/")
    return method == "POST" and path.startswith(_SESSIONS) and path.endswith("/messages")
