"""How the gateway's routes are described in OpenAPI: they take a gateway token, answer every
error in OpenAI's shape, and a chat completion is JSON or, with ``stream: true``, an event
stream."""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus

from litestar.openapi.datastructures import ResponseSpec

from entrypoints.http.gateway import wire
from entrypoints.http.openapi import json_or_event_stream

UNAUTHORIZED = "Gateway token missing, unknown, revoked or expired (`invalid_api_key`)"

# With ``stream: true``, a chat completion is an event stream instead of JSON.
ChatCompletionOperation = json_or_event_stream(
    "With `stream: true`: `data: <chat.completion.chunk>` lines, then `data: [DONE]`. A "
    'failure after the first byte is a `data: {"error": ...}` line and no `[DONE]`.'
)


def openai_errors(described: Mapping[int, str] | None = None) -> dict[int, ResponseSpec]:
    """Error responses of a gateway route, each ``{"error": {...}}``: 401 always, and the
    statuses given (an empty reason: the status's phrase)."""
    reasons = {401: UNAUTHORIZED, **(described or {})}
    return {
        status: ResponseSpec(wire.ErrorOut, description=reason or HTTPStatus(status).phrase)
        for status, reason in sorted(reasons.items())
    }


CHAT_COMPLETION_ERRORS = openai_errors(
    {
        400: "Not a valid request, or a parameter the gateway cannot relay",
        403: "A model the platform's key does not serve, or outside the token's "
        "allowed_models (`model_not_allowed`)",
        404: "A model the caller cannot reach (`model_not_found`)",
        413: "A body over the gateway's body limit",
        429: "Over the caller's request rate, the token's rpm or tpm, a budget "
        "(`insufficient_quota`), or calls in flight (Retry-After, x-ratelimit-*)",
        502: "The provider failed, refused the request or answered something unusable",
        503: "A store this gateway needs is unavailable; try again shortly",
        504: "The provider did not answer in time",
    }
)
MODELS_ERRORS = openai_errors()
MODEL_ERRORS = openai_errors(
    {400: "", 404: "No such model within the caller's reach (`model_not_found`)"}
)
