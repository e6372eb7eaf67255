"""Gemini generateContent and streamGenerateContent?alt=sse: bodies as the API reference
gives them."""

from __future__ import annotations

from typing import Any

from tests.support.wire import sse

MODEL = "gemini-2.5-flash"
RESPONSE_ID = "mOoKaPW9HIqnkdUP1Kyr2Ag"


def usage(prompt: int, completion: int | None = None) -> dict[str, Any]:
    """usageMetadata: a stream's pieces before the last count only the prompt."""
    if completion is None:
        return {"promptTokenCount": prompt, "totalTokenCount": prompt}
    return {
        "promptTokenCount": prompt,
        "candidatesTokenCount": completion,
        "totalTokenCount": prompt + completion,
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": prompt}],
    }


def response(
    pieces: list[str],
    *,
    tokens: tuple[int] | tuple[int, int] = (12, 5),
    finish: str | None = "STOP",
    model: str = MODEL,
) -> dict[str, Any]:
    """A GenerateContentResponse, one part per piece. ``tokens`` is (prompt,) for a stream's
    piece before the last; ``finish`` None leaves finishReason out (the reply goes on)."""
    candidate: dict[str, Any] = {
        "content": {"parts": [{"text": p} for p in pieces], "role": "model"},
        "index": 0,
    }
    if finish is not None:
        candidate["finishReason"] = finish
        candidate["avgLogprobs"] = -0.12
    return {
        "candidates": [candidate],
        "usageMetadata": usage(*tokens),
        "modelVersion": model,
        "responseId": RESPONSE_ID,
    }


def text_delta(text: str, prompt_tokens: int = 12) -> str:
    return sse.data(response([text], tokens=(prompt_tokens,), finish=None))


def stream(
    pieces: list[str],
    *,
    tokens: tuple[int, int] = (12, 5),
    finish: str = "STOP",
    model: str = MODEL,
    complete: bool = True,
) -> list[str]:
    """One response per piece; the last (when ``complete``) carries finishReason and the usage."""
    events = []
    for index, piece in enumerate(pieces):
        last = complete and index == len(pieces) - 1
        so_far: tuple[int] | tuple[int, int] = tokens if last else (tokens[0],)
        body = response([piece], tokens=so_far, finish=finish if last else None, model=model)
        events.append(sse.data(body))
    return events


def models() -> dict[str, Any]:
    """Two chat models and an embedding model (which a model list leaves out)."""
    return {
        "models": [
            {
                "name": "models/gemini-2.5-flash",
                "version": "001",
                "displayName": "Gemini 2.5 Flash",
                "inputTokenLimit": 1048576,
                "outputTokenLimit": 65536,
                "supportedGenerationMethods": ["generateContent", "countTokens"],
            },
            {
                "name": "models/text-embedding-004",
                "displayName": "Text Embedding 004",
                "supportedGenerationMethods": ["embedContent"],
            },
            {
                "name": "models/gemini-2.5-pro",
                "version": "2.5",
                "displayName": "Gemini 2.5 Pro",
                "supportedGenerationMethods": ["generateContent"],
            },
        ],
        "nextPageToken": "",
    }


def model_page(names: list[str], *, next_token: str | None = None) -> dict[str, Any]:
    """One page of ``models.list``; ``nextPageToken`` is absent on the last page."""
    page: dict[str, Any] = {
        "models": [
            {
                "name": f"models/{n}",
                "displayName": n,
                "supportedGenerationMethods": ["generateContent", "countTokens"],
            }
            for n in names
        ]
    }
    if next_token is not None:
        page["nextPageToken"] = next_token
    return page


def error(
    code: int, status: str, message: str, details: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message, "status": status}
    if details is not None:
        body["details"] = details
    return {"error": body}


def invalid_key(echo: str = "") -> dict[str, Any]:
    """400 INVALID_ARGUMENT with reason API_KEY_INVALID (Gemini has no 401 for a bad key)."""
    message = "API key not valid. Please pass a valid API key."
    return error(
        400,
        "INVALID_ARGUMENT",
        f"{message} ({echo})" if echo else message,
        [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "API_KEY_INVALID",
                "domain": "googleapis.com",
                "metadata": {"service": "generativelanguage.googleapis.com"},
            },
            {
                "@type": "type.googleapis.com/google.rpc.LocalizedMessage",
                "locale": "en-US",
                "message": message,
            },
        ],
    )


# What the Gemini API says on a 429 (google.rpc.Status): the same "exceeded your current quota
# ... billing details" message for a per-minute limit that lifts in seconds and for a quota that is
# spent; only the former carries RetryInfo.
QUOTA_MESSAGE = (
    "You exceeded your current quota, please check your plan and billing details. For more "
    "information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits."
)
QUOTA_HELP = {
    "@type": "type.googleapis.com/google.rpc.Help",
    "links": [
        {
            "description": "Learn more about Gemini API quotas",
            "url": "https://ai.google.dev/gemini-api/docs/rate-limits",
        }
    ],
}


def rate_limited(retry_delay: str = "17s") -> dict[str, Any]:
    """429 RESOURCE_EXHAUSTED for a per-minute limit: QuotaFailure names it, RetryInfo says when
    to retry (in the body, not a header)."""
    return error(
        429,
        "RESOURCE_EXHAUSTED",
        QUOTA_MESSAGE,
        [
            {
                "@type": "type.googleapis.com/google.rpc.QuotaFailure",
                "violations": [
                    {
                        "quotaMetric": "generativelanguage.googleapis.com/"
                        "generate_content_free_tier_requests",
                        "quotaId": "GenerateRequestsPerMinutePerProjectPerModel-FreeTier",
                        "quotaDimensions": {"location": "global", "model": "gemini-2.0-flash"},
                        "quotaValue": "15",
                    }
                ],
            },
            QUOTA_HELP,
            {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": retry_delay},
        ],
    )


def quota_exhausted() -> dict[str, Any]:
    """429 RESOURCE_EXHAUSTED with no RetryInfo: the quota is spent, retrying will not help."""
    return error(429, "RESOURCE_EXHAUSTED", QUOTA_MESSAGE, [QUOTA_HELP])


def server_error(status: int = 503) -> dict[str, Any]:
    return error(
        status,
        "UNAVAILABLE" if status == 503 else "INTERNAL",
        "The model is overloaded. Please try again later.",
    )


def unknown_model(model: str) -> dict[str, Any]:
    return error(
        404,
        "NOT_FOUND",
        f"models/{model} is not found for API version v1beta, or is not supported for "
        "generateContent.",
    )


def function_calls(
    calls: list[tuple[str, dict[str, Any]]],
    *,
    text: str | None = None,
    tokens: tuple[int] | tuple[int, int] = (40, 18),
    finish: str | None = "STOP",
    response_id: str = RESPONSE_ID,
) -> dict[str, Any]:
    """A GenerateContentResponse whose model turn calls functions (``functionCall`` parts with
    no id; Gemini ends such a turn with STOP), after an optional text part."""
    parts: list[dict[str, Any]] = [{"text": text}] if text else []
    parts += [{"functionCall": {"name": name, "args": args}} for name, args in calls]
    candidate: dict[str, Any] = {"content": {"parts": parts, "role": "model"}, "index": 0}
    if finish is not None:
        candidate["finishReason"] = finish
    return {
        "candidates": [candidate],
        "usageMetadata": usage(*tokens),
        "modelVersion": MODEL,
        "responseId": response_id,
    }


def function_call_stream(
    calls: list[tuple[str, dict[str, Any]]], *, tokens: tuple[int, int] = (40, 18)
) -> list[str]:
    """streamGenerateContent?alt=sse: Gemini sends each call whole, one chunk per call; the
    last carries finishReason STOP and the usage."""
    events = []
    for index, call in enumerate(calls):
        last = index == len(calls) - 1
        body = function_calls(
            [call], tokens=tokens if last else (tokens[0],), finish="STOP" if last else None
        )
        events.append(sse.data(body))
    return events


def signed_function_calls(
    calls: list[tuple[str, dict[str, Any], str | None]],
    *,
    finish: str | None = "STOP",
    tokens: tuple[int] | tuple[int, int] = (40, 18),
    response_id: str | None = RESPONSE_ID,
) -> dict[str, Any]:
    """A thinking model's (Gemini 3) reply calling functions: a ``functionCall`` part carries
    its ``thoughtSignature`` as a sibling (parallel calls: only the first one is signed);
    ``response_id`` None leaves responseId out."""
    parts: list[dict[str, Any]] = []
    for name, args, signature in calls:
        part: dict[str, Any] = {"functionCall": {"name": name, "args": args}}
        if signature is not None:
            part["thoughtSignature"] = signature
        parts.append(part)
    candidate: dict[str, Any] = {"content": {"parts": parts, "role": "model"}, "index": 0}
    if finish is not None:
        candidate["finishReason"] = finish
    body: dict[str, Any] = {
        "candidates": [candidate],
        "usageMetadata": usage(*tokens),
        "modelVersion": "gemini-3-pro-preview",
    }
    if response_id is not None:
        body["responseId"] = response_id
    return body


def signed_function_call_stream(
    calls: list[tuple[str, dict[str, Any], str | None]], *, tokens: tuple[int, int] = (40, 18)
) -> list[str]:
    """The streamed form: one chunk per call, each part with its own signature."""
    events = []
    for index, call in enumerate(calls):
        last = index == len(calls) - 1
        body = signed_function_calls(
            [call], tokens=tokens if last else (tokens[0],), finish="STOP" if last else None
        )
        events.append(sse.data(body))
    return events


def failed_function_call(finish: str = "MALFORMED_FUNCTION_CALL") -> dict[str, Any]:
    """The model tried to call a function and failed: no content, a finishReason saying why
    (MALFORMED_FUNCTION_CALL or UNEXPECTED_TOOL_CALL) and a finishMessage."""
    return {
        "candidates": [
            {
                "finishReason": finish,
                "finishMessage": "Malformed function call: print(default_api.get_weather(",
                "index": 0,
            }
        ],
        "usageMetadata": usage(40, 0),
        "modelVersion": MODEL,
        "responseId": RESPONSE_ID,
    }
