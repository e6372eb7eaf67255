"""Every gateway error in OpenAI's shape: ``{"error": {"message", "type", "param", "code"}}``
with the status OpenAI would use, so the official SDKs raise their usual exception classes."""

from __future__ import annotations

import logging
import re
from typing import Any

from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    MethodNotAllowedException,
    NotFoundException,
    ValidationException,
)
from litestar.types import ExceptionHandler

from adapters.metrics import TokenLimitMetrics
from domain import errors
from domain.errors import DomainError
from entrypoints.http.errors import SHARED_STORE_DOWN, from_http_exception, from_shared_store_down
from entrypoints.http.gateway import wire
from entrypoints.http.gateway.rate_headers import retry_headers, token_rate_headers
from entrypoints.http.problems import problem_for
from entrypoints.http.shared_store import is_shared_store_error

logger = logging.getLogger("byom.gateway")

NOT_SUPPORTED = "is not supported by the BYOM gateway"
# The domain's messages start with the field they are about ("messages[2]: ...",
# "tools[0].function.name must ...", "response_format.json_schema.schema is required").
_PARAM = re.compile(r"^((?:messages|tools|tool_choice|response_format)(?:\[\d+\]|\.[a-z_]+)*)")


class BadRequest(ValueError):
    """A request the gateway refuses (400); ``param`` names the offending field."""

    status = 400
    code = "invalid_value"

    def __init__(self, message: str, param: str | None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param


class UnsupportedRequest(BadRequest):
    """A request the gateway cannot relay faithfully (several choices, logprobs, audio)."""

    code = "unsupported_parameter"


class UnknownModel(BadRequest):
    status = 404
    code = "model_not_found"


def param_of(message: str) -> str | None:
    match = _PARAM.match(message)
    return match.group(1) if match else None


# Statuses where the gateway deliberately differs from the problem table: OpenAI answers 404
# for a model the caller cannot reach, 401 for any refused key, and 400 for invalid input.
_GATEWAY_STATUS: dict[type[DomainError], tuple[int, str]] = {
    errors.InvalidGatewayToken: (401, "invalid_api_key"),
    errors.GatewayTokenExpired: (401, "expired_api_key"),
    errors.ModelNotAllowedForToken: (403, "model_not_allowed"),
    errors.TokenRateLimited: (429, "rate_limit_exceeded"),
    errors.CredentialRejected: (401, "provider_key_rejected"),
    errors.NoLlmConfigured: (404, "model_not_found"),
    errors.ModelNotFound: (404, "model_not_found"),
    errors.CredentialRevoked: (404, "model_not_found"),
    errors.TooManyProviderCalls: (429, "rate_limit_exceeded"),
    errors.ModelNotAllowed: (403, "model_not_allowed"),
    errors.BudgetExceeded: (429, "insufficient_quota"),
}
# OpenAI refuses a model outside a project's allowed models with a 403 whose type is
# invalid_request_error ("Project ... does not have access to model ..."), not permission_error.
# A spent quota: its type and code are both insufficient_quota (the SDKs stop retrying on it,
# unlike a rate limit).
_TYPE_BY_CODE = {
    "model_not_allowed": "invalid_request_error",
    "insufficient_quota": "insufficient_quota",
}
_TYPE_BY_STATUS = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "invalid_request_error",
    405: "invalid_request_error",
    409: "invalid_request_error",
    413: "invalid_request_error",
    415: "invalid_request_error",
    429: "rate_limit_error",
}


def openai_error_response(exc: Exception) -> Response[wire.ErrorOut]:
    status, body = error_body(exc)
    _count_token_refusal(exc)
    headers = {}
    retry_after = (
        exc.retry_after
        if isinstance(
            exc, errors.ProviderRateLimited | errors.TooManyProviderCalls | errors.BudgetExceeded
        )
        else None
    )
    if retry_after is not None:
        headers["retry-after"] = str(max(1, round(retry_after)))
    if isinstance(exc, errors.TokenRateLimited):
        headers.update(token_rate_headers(exc.use) | retry_headers(exc.use))
    if isinstance(exc, HTTPException) and exc.headers:
        headers.update(exc.headers)
        if "x-ratelimit-reset-requests" in headers:  # our own request rate (limits.py)
            headers.setdefault("retry-after", headers["x-ratelimit-reset-requests"])
    return Response(body, status_code=status, headers=headers or None)


def _count_token_refusal(exc: Exception) -> None:
    metrics = TokenLimitMetrics.for_registry()
    if isinstance(exc, errors.TokenRateLimited):
        metrics.refused(exc.kind)
    elif isinstance(exc, errors.ModelNotAllowedForToken):
        metrics.refused("model_not_allowed")
    elif isinstance(exc, errors.GatewayTokenExpired):
        metrics.refused("expired")


def error_body(exc: Exception) -> tuple[int, wire.ErrorOut]:
    status, message, code, param = _classify(exc)
    type_ = _TYPE_BY_CODE.get(code or "") or _TYPE_BY_STATUS.get(status, "api_error")
    return status, wire.ErrorOut(wire.ErrorBody(message, type_, param, code))


def _classify(exc: Exception) -> tuple[int, str, str | None, str | None]:
    if isinstance(exc, BadRequest):
        return exc.status, exc.message, exc.code, exc.param
    if isinstance(exc, DomainError):
        return _domain(exc)
    if isinstance(exc, ValidationException):
        return 400, *_validation(exc)
    if isinstance(exc, HTTPException):
        return _http(exc)
    if isinstance(exc, UnicodeDecodeError):
        logger.info("a request body that is not UTF-8 was refused")
        return 400, "the request body is not valid UTF-8", "invalid_json", None
    if isinstance(exc, RecursionError):
        # Client input nested too deep for a decoder (msgspec's raises this): no traceback.
        logger.info("a request nested too deep was refused")
        return 400, "the request body is nested too deep", "invalid_json", None
    if is_shared_store_error(exc):
        logger.warning("shared store unreachable: %s", type(exc).__name__)
        return 503, SHARED_STORE_DOWN, "service_unavailable", None
    logger.error("unhandled %s in the gateway", type(exc).__name__, exc_info=exc)
    return 500, "something went wrong on our side; it has been logged", "internal_error", None


def _domain(exc: DomainError) -> tuple[int, str, str | None, str | None]:
    for cls in type(exc).__mro__:
        if cls in _GATEWAY_STATUS:
            status, code = _GATEWAY_STATUS[cls]
            return status, exc.message, code, None
    if isinstance(exc, errors.UnsupportedFeature):
        return 400, exc.message, "unsupported_parameter", exc.field
    if isinstance(exc, errors.InvalidMessage):
        return 400, exc.message, "invalid_value", param_of(exc.message)
    problem = problem_for(exc)
    if problem.status >= 500:
        logger.warning("%s: %s", type(exc).__name__, exc.message)
    status = 400 if problem.status == 422 else problem.status
    return status, exc.message, problem.slug.replace("-", "_"), None


def _http(exc: HTTPException) -> tuple[int, str, str | None, str | None]:
    status = exc.status_code
    if status == 404:
        return (
            404,
            "unknown URL: the gateway serves /v1/chat/completions and /v1/models",
            ("unknown_url"),
            None,
        )
    if status == 413:
        return 413, "the request body is too large", "request_too_large", None
    if status == 429:
        return 429, "too many requests; retry after the time given", "rate_limit_exceeded", None
    detail = exc.detail if status < 500 else "the request failed"
    return status, detail, None, None


def _validation(exc: ValidationException) -> tuple[str, str | None, str | None]:
    extra = exc.extra if isinstance(exc.extra, list) else []
    first = next((e for e in extra if isinstance(e, dict)), None)
    if first is None:
        return "the request body is not valid JSON", "invalid_json", None
    param = first.get("key") or None
    return f"{param or 'body'}: {first.get('message', 'invalid value')}", "invalid_value", param


def route_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    """An unknown route (404) or method (405), raised before any controller runs: in OpenAI's
    shape under ``/v1``, a problem everywhere else."""
    path = request.url.path
    if path == "/v1" or path.startswith("/v1/"):
        return openai_error_response(exc)
    return from_http_exception(exc).to_response(request)


ROUTE_ERRORS: dict[int | type[Exception], ExceptionHandler[Any]] = {
    NotFoundException: route_error,
    MethodNotAllowedException: route_error,
}


def shared_store_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """Redis unreachable: a 503 in OpenAI's shape under ``/v1``, a problem everywhere else."""
    path = request.url.path
    if path == "/v1" or path.startswith("/v1/"):
        return openai_error_response(exc)
    return from_shared_store_down(exc).to_response(request)


def app_errors(shared_store: bool) -> dict[int | type[Exception], ExceptionHandler[Any]]:
    """The app's own handlers; Redis's error only when Redis is configured, so a worker
    without it never imports the client."""
    handlers = dict(ROUTE_ERRORS)
    if shared_store:
        from redis.exceptions import RedisError  # here: a worker without Redis never loads it

        handlers[RedisError] = shared_store_error
    return handlers
