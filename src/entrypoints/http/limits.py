"""Rate limits (Litestar's RateLimitConfig): login per client address, key validation per user."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.middleware.base import DefineMiddleware
from litestar.middleware.rate_limit import RateLimitConfig, get_remote_address

from domain.user import User

LOGIN_PATH = "/api/v1/auth/login"
VALIDATE_SUFFIX = "/validate"


def _is_login(request: Request[Any, Any, Any]) -> bool:
    return request.method == "POST" and request.url.path == LOGIN_PATH


def _is_validation(request: Request[Any, Any, Any]) -> bool:
    return (
        request.method == "POST"
        and request.url.path.startswith("/api/v1/users/me/llm-credentials")
        and request.url.path.endswith(VALIDATE_SUFFIX)
    )


def _login_identifier(request: Request[Any, Any, Any]) -> str:
    return f"login:{get_remote_address(request)}"


def _validation_identifier(request: Request[Any, Any, Any]) -> str:
    # Authentication runs first, so the user is known; validating keys is per account.
    user = request.scope.get("user")
    who = str(user.id) if isinstance(user, User) else get_remote_address(request)
    return f"validate:{who}"


def rate_limit_middleware(
    *, login_per_minute: int, validate_per_minute: int
) -> list[DefineMiddleware]:
    configs = [
        RateLimitConfig(
            rate_limit=("minute", login_per_minute),
            check_throttle_handler=_is_login,
            identifier_for_request=_login_identifier,
        ),
        RateLimitConfig(
            rate_limit=("minute", validate_per_minute),
            check_throttle_handler=_is_validation,
            identifier_for_request=_validation_identifier,
        ),
    ]
    return [config.middleware for config in configs]
