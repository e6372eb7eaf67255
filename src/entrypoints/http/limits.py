"""Rate limits (Litestar's RateLimitConfig), shared by the JSON API and the pages.

- logins and sign-ups: per client address (argon2 hashing is the expensive part);
- anything that asks a provider whether a key works (create, rotate, validate): per user,
  so nobody turns BYOM into a key-checking oracle or an outbound request generator.
The pages use the same buckets: alternating between the API and a form buys nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Request
from litestar.middleware.base import DefineMiddleware
from litestar.middleware.rate_limit import RateLimitConfig, get_remote_address

from domain.user import User

AnyRequest = Request[Any, Any, Any]
Applies = Callable[[AnyRequest], bool]

_ACCOUNT_PATHS = ("/api/v1/auth/login", "/api/v1/auth/signup")
_CREDENTIALS = "/api/v1/users/me/llm-credentials"


def login_limit(per_minute: int, applies: Applies) -> DefineMiddleware:
    return RateLimitConfig(
        rate_limit=("minute", per_minute),
        check_throttle_handler=on_the_loop(applies),
        identifier_for_request=lambda request: f"login:{get_remote_address(request)}",
    ).middleware


def key_check_limit(
    per_minute: int, applies: Applies, who: Callable[[AnyRequest], str | None]
) -> DefineMiddleware:
    return RateLimitConfig(
        rate_limit=("minute", per_minute),
        check_throttle_handler=on_the_loop(applies),
        identifier_for_request=lambda r: f"validate:{who(r) or get_remote_address(r)}",
    ).middleware


def on_the_loop(applies: Applies) -> Callable[[AnyRequest], Awaitable[bool]]:
    """Litestar runs a plain function in a worker thread, on every request, for every limit;
    these checks take microseconds: awaited on the event loop they cost nothing (the thread hops
    were 6% of a worker's CPU on GET /api/v1/users/me, tests/bench/profile_hot_path.py)."""

    async def check(request: AnyRequest) -> bool:
        return applies(request)

    return check


def api_rate_limits(*, login_per_minute: int, validate_per_minute: int) -> list[DefineMiddleware]:
    return [
        login_limit(login_per_minute, _is_account_call),
        key_check_limit(validate_per_minute, _checks_a_key, _api_user),
    ]


def _is_account_call(request: AnyRequest) -> bool:
    return request.method == "POST" and request.url.path in _ACCOUNT_PATHS


def _checks_a_key(request: AnyRequest) -> bool:
    path = request.url.path.rstrip("/")
    if not path.startswith(_CREDENTIALS):
        return False
    creating = request.method == "POST" and path == _CREDENTIALS
    validating = request.method == "POST" and path.endswith("/validate")
    # PATCH rotates the key or checks a new model against the live list.
    return creating or validating or request.method == "PATCH"


def _api_user(request: AnyRequest) -> str | None:
    # Authentication runs first, so the user is known.
    user = request.scope.get("user")
    return str(user.id) if isinstance(user, User) else None


# --- chat and the gateway: per user, per minute -------------------------------------------------

_SESSIONS = "/api/v1/agent-sessions/"
GATEWAY_COMPLETIONS = "/v1/chat/completions"


def chat_limit(per_minute: int) -> DefineMiddleware:
    """Session messages (each one a provider call) per user."""
    return RateLimitConfig(
        rate_limit=("minute", per_minute),
        check_throttle_handler=on_the_loop(_sends_a_message),
        identifier_for_request=lambda r: f"chat:{_api_user(r) or get_remote_address(r)}",
    ).middleware


def gateway_limit(
    per_minute: int, gateway_user: Callable[[AnyRequest], Awaitable[str | None]]
) -> DefineMiddleware:
    """Gateway completions per user (every token of a user shares one bucket).
    ``gateway_user`` authenticates the request's token (None: not a valid one, counted by
    client address); the controller reuses what it found."""

    async def applies(request: AnyRequest) -> bool:
        if request.method != "POST" or request.url.path.rstrip("/") != GATEWAY_COMPLETIONS:
            return False
        user = await gateway_user(request)
        request.state.rate_subject = user or f"address:{get_remote_address(request)}"
        return True

    def subject(request: AnyRequest) -> str:
        return f"gateway:{request.state.rate_subject}"

    # OpenAI's header names (its SDKs and proxies read them); /api keeps the draft RateLimit-*.
    return RateLimitConfig(
        rate_limit=("minute", per_minute),
        check_throttle_handler=applies,
        identifier_for_request=subject,
        rate_limit_policy_header_key="x-ratelimit-policy-requests",
        rate_limit_limit_header_key="x-ratelimit-limit-requests",
        rate_limit_remaining_header_key="x-ratelimit-remaining-requests",
        rate_limit_reset_header_key="x-ratelimit-reset-requests",
    ).middleware


def _sends_a_message(request: AnyRequest) -> bool:
    path = request.url.path.rstrip("/")
    return request.method == "POST" and path.startswith(_SESSIONS) and path.endswith("/messages")
