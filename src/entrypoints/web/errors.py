"""Errors on the pages: friendly messages built from the same problem table as the API."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    NotFoundException,
    PermissionDeniedException,
    TooManyRequestsException,
    ValidationException,
)
from litestar.plugins.problem_details import ProblemDetailsException
from litestar.response import Redirect, Template
from litestar.types import ExceptionHandlersMap

from domain.errors import DomainError
from entrypoints.http import problems
from entrypoints.http.deps import container_of
from entrypoints.web.session import LoginRequired, forget_session

logger = logging.getLogger("byom.web")


@dataclass(frozen=True, slots=True)
class Friendly:
    """What a person reads: the problem's title and detail, and the status the page carries."""

    status: int
    title: str
    detail: str


def friendly(exc: DomainError) -> Friendly:
    problem = problems.problem_for(exc)
    if problem.status >= 500:
        logger.warning("%s: %s", type(exc).__name__, exc.message)
    return Friendly(problem.status, problem.title, sentence(exc.message))


def sentence(text: str) -> str:
    """Problem details are lower-case fragments ("the API key is empty"); pages show sentences."""
    text = text.strip()
    if not text:
        return text
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")


CSRF_FAILED = Friendly(
    403,
    "This form could not be verified",
    "It was not sent from this site, or the page was open too long. "
    "Go back, reload the page and try again.",
)
TOO_MANY = Friendly(429, "Too many attempts", "Please wait a minute before you try again.")
BAD_FORM = Friendly(400, "The form was not filled in as expected", "Go back and try again.")
NOT_FOUND = Friendly(404, "Not found", "There is nothing here. It may have been deleted.")
UNEXPECTED = Friendly(
    500, "Something went wrong on our side", "It has been logged. Please try again later."
)


def error_page(request: Request[Any, Any, Any], error: Friendly) -> Response[Any]:
    if request.headers.get("hx-request"):
        return Template(
            template_name="_alert.html", context={"error": error}, status_code=error.status
        )
    return Template(template_name="error.html", context={"error": error}, status_code=error.status)


def _login_required(request: Request[Any, Any, Any], exc: LoginRequired) -> Response[Any]:
    query: dict[str, str] = {}
    if request.method == "GET" and request.url.path != "/":
        query["next"] = request.url.path
    if exc.expired:
        query["done"] = "expired"
    target = "/login" + (f"?{urlencode(query)}" if query else "")
    response: Response[Any]
    if request.headers.get("hx-request"):
        response = Response(content=b"", status_code=200, headers={"HX-Redirect": target})
    else:
        response = Redirect(target, status_code=303)
    forget_session(response, container_of(request.app.state).settings)
    return response


def _http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if isinstance(exc, PermissionDeniedException):
        return error_page(request, CSRF_FAILED)
    if isinstance(exc, TooManyRequestsException):
        response = error_page(request, TOO_MANY)
        response.headers["Retry-After"] = str((exc.headers or {}).get("RateLimit-Reset", 60))
        return response
    if isinstance(exc, ValidationException):
        return error_page(request, BAD_FORM)
    if isinstance(exc, NotFoundException):
        return error_page(request, NOT_FOUND)
    if exc.status_code >= 500:
        return _unexpected(request, exc)
    problem = problems.BY_STATUS.get(exc.status_code)
    title = problem.title if problem else "The request was refused"
    return error_page(request, Friendly(exc.status_code, title, exc.detail or title))


def _domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    return error_page(request, friendly(exc))


def _unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    logger.error("unhandled %s on a page", type(exc).__name__, exc_info=exc)
    return error_page(request, UNEXPECTED)


def _problem(request: Request[Any, Any, Any], exc: ProblemDetailsException) -> Response[Any]:
    return error_page(
        request, Friendly(exc.status_code, exc.title or "Request failed", exc.detail or "")
    )


def html_exception_handlers() -> ExceptionHandlersMap:
    """Override, for the pages only, every handler the problem-details plugin installs."""
    handlers: ExceptionHandlersMap = {
        LoginRequired: _login_required,
        DomainError: _domain_error,
        ProblemDetailsException: _problem,
        ValidationException: _http_error,
        HTTPException: _http_error,
        Exception: _unexpected,
    }
    return handlers
