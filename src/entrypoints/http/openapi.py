"""OpenAPI: the problem schema and per-route error responses."""

from __future__ import annotations

from http import HTTPStatus

import msgspec
from litestar.openapi.datastructures import ResponseSpec


class FieldError(msgspec.Struct):
    field: str
    message: str


class ProblemDetail(msgspec.Struct, omit_defaults=True):
    """RFC 9457 problem details (``application/problem+json``)."""

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = None


def problem_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """Error responses a route documents, all with the problem-details schema."""
    every = (401, 400, *statuses)
    return {
        status: ResponseSpec(
            data_container=ProblemDetail,
            description=HTTPStatus(status).phrase,
            media_type="application/problem+json",
        )
        for status in sorted(set(every))
    }
