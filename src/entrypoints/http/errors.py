"""Every error becomes an RFC 9457 problem, through Litestar's problem-details plugin."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.plugins.problem_details import (
    ProblemDetailsConfig,
    ProblemDetailsException,
    ProblemDetailsPlugin,
)

from domain.errors import (
    BudgetExceeded,
    DomainError,
    DuplicateActiveCredential,
    ProviderRateLimited,
    TooManyLoginAttempts,
    TooManyProviderCalls,
)
from entrypoints.http import problems
from entrypoints.http.problems import ProblemType

logger = logging.getLogger("byom.http")

# What a client learns when the shared store (Redis: login counters, revocation stamps, request
# rates) does not answer: nothing about it but that it is ours and passing.
SHARED_STORE_DOWN = "a shared service is not reachable; try again shortly"


class Problem(ProblemDetailsException):
    """A problem response; ``instance`` is the request path unless given."""

    def __init__(
        self,
        problem: ProblemType,
        detail: str,
        *,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(
            detail=detail,
            status_code=problem.status,
            type_=problem.type_uri,
            title=problem.title,
            headers=headers,
            extra=extra,
        )

    def to_response(self, request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
        if self.instance is None:
            self.instance = request.url.path
        return super().to_response(request)


def from_domain_error(exc: DomainError) -> Problem:
    problem = problems.problem_for(exc)
    headers: dict[str, str] = {}
    extra: dict[str, Any] = {}
    if isinstance(exc, ProviderRateLimited | TooManyLoginAttempts) and exc.retry_after:
        headers["Retry-After"] = str(max(1, round(exc.retry_after)))
    if isinstance(exc, TooManyProviderCalls | BudgetExceeded):
        headers["Retry-After"] = str(max(1, round(exc.retry_after)))
    if isinstance(exc, BudgetExceeded):
        extra["cap"] = exc.cap
    if isinstance(exc, DuplicateActiveCredential) and exc.existing_id is not None:
        extra["existing_id"] = str(exc.existing_id)
    if problem.status >= 500:
        logger.warning("%s: %s", type(exc).__name__, exc.message)
    return Problem(problem, exc.message, headers=headers or None, extra=extra or None)


def from_validation(exc: ValidationException) -> Problem:
    details = exc.extra if isinstance(exc.extra, list) else []
    field_errors = [_field_error(item) for item in details if isinstance(item, Mapping)]
    if _is_malformed_body(exc, field_errors):
        return Problem(problems.MALFORMED, "the request body is not valid JSON")
    message = "; ".join(f"{e['field']}: {e['message']}" for e in field_errors) or "invalid input"
    return Problem(problems.VALIDATION, message, extra={"errors": field_errors})


def from_http_exception(exc: HTTPException) -> Problem:
    problem = problems.BY_STATUS.get(exc.status_code) or ProblemType(
        exc.status_code, "http-error", "Request failed"
    )
    headers = dict(exc.headers or {})
    if exc.status_code == 429 and "RateLimit-Reset" in headers:
        headers["Retry-After"] = headers["RateLimit-Reset"]
    detail = exc.detail if exc.status_code < 500 else problem.title
    return Problem(problem, detail or problem.title, headers=headers or None)


def from_recursion(exc: RecursionError) -> Problem:
    # Client input nested deeper than a decoder recurses (msgspec raises it): the client's
    # fault, so a 400 and no traceback in the log.
    logger.info("a request nested too deep was refused")
    return Problem(problems.MALFORMED, "the request body is nested too deep")


def from_bad_encoding(exc: UnicodeDecodeError) -> Problem:
    # A body that is not UTF-8 fails while Litestar decodes it, before any validation.
    logger.info("a request body that is not UTF-8 was refused")
    return Problem(problems.MALFORMED, "the request body is not valid UTF-8")


def from_shared_store_down(exc: Exception) -> Problem:
    # Redis's own text names its host and port: logged for operators, never sent.
    logger.warning("shared store unreachable: %s", type(exc).__name__)
    return Problem(problems.UNAVAILABLE, SHARED_STORE_DOWN, headers={"Retry-After": "5"})


def from_unexpected(exc: Exception) -> Problem:
    # The traceback is logged for operators; the client learns nothing about internals.
    logger.error("unhandled %s", type(exc).__name__, exc_info=exc)
    return Problem(problems.INTERNAL, "something went wrong on our side; it has been logged")


def problem_details_plugin() -> ProblemDetailsPlugin:
    mapping: dict[type[Exception], Callable[[Any], ProblemDetailsException]] = {
        DomainError: from_domain_error,
        ValidationException: from_validation,
        HTTPException: from_http_exception,
        RecursionError: from_recursion,
        UnicodeDecodeError: from_bad_encoding,
        Exception: from_unexpected,
    }
    return ProblemDetailsPlugin(ProblemDetailsConfig(exception_to_problem_detail_map=mapping))


def _field_error(item: Mapping[str, Any]) -> dict[str, str]:
    field = str(item.get("key") or item.get("source") or "body")
    return {"field": field, "message": str(item.get("message", "invalid value"))}


def _is_malformed_body(exc: ValidationException, field_errors: list[dict[str, str]]) -> bool:
    text = " ".join([str(exc.detail)] + [e["message"] for e in field_errors]).lower()
    return "malformed" in text or "json is malformed" in text or "invalid json" in text
