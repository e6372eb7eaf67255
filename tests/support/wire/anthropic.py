"""Anthropic Messages: bodies and stream events as the API reference gives them."""

from __future__ import annotations

from typing import Any

from tests.support.wire import sse

ID = "msg_013Zva2CMHLNnXjNJJKqJ2EF"
MODEL = "claude-sonnet-4-5-20250929"


def message(
    pieces: list[str],
    *,
    tokens: tuple[int, int] = (12, 5),
    stop_reason: str = "end_turn",
    model: str = MODEL,
) -> dict[str, Any]:
    """A reply: one text block per piece (a reply may come in several)."""
    prompt, completion = tokens
    return {
        "id": ID,
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [{"type": "text", "text": p} for p in pieces],
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": {
            "input_tokens": prompt,
            "output_tokens": completion,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
            "service_tier": "standard",
        },
    }


def text_delta(text: str) -> str:
    return sse.named(
        "content_block_delta",
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": text}},
    )


def stream(
    pieces: list[str],
    *,
    tokens: tuple[int, int] = (12, 5),
    stop_reason: str = "end_turn",
    model: str = MODEL,
    complete: bool = True,
) -> list[str]:
    """message_start, a text block with a ping, one delta per piece, then (when ``complete``)
    the block's end, message_delta with the usage and message_stop."""
    prompt, completion = tokens
    start: dict[str, Any] = {
        "id": ID,
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": prompt, "output_tokens": 1},
    }
    events = [
        sse.named("message_start", {"type": "message_start", "message": start}),
        sse.named(
            "content_block_start",
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "text", "text": ""},
            },
        ),
        sse.named("ping", {"type": "ping"}),
        *(text_delta(p) for p in pieces),
    ]
    if not complete:
        return events
    return [
        *events,
        sse.named("content_block_stop", {"type": "content_block_stop", "index": 0}),
        sse.named(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": stop_reason, "stop_sequence": None},
                "usage": {"output_tokens": completion},
            },
        ),
        sse.named("message_stop", {"type": "message_stop"}),
    ]


def models() -> dict[str, Any]:
    return {
        "data": [
            {
                "type": "model",
                "id": "claude-sonnet-4-5-20250929",
                "display_name": "Claude Sonnet 4.5",
                "created_at": "2025-09-29T00:00:00Z",
            },
            {
                "type": "model",
                "id": "claude-3-5-haiku-20241022",
                "display_name": "Claude Haiku 3.5",
                "created_at": "2024-10-22T00:00:00Z",
            },
        ],
        "has_more": False,
        "first_id": "claude-sonnet-4-5-20250929",
        "last_id": "claude-3-5-haiku-20241022",
    }


def model_page(ids: list[str], *, has_more: bool = False) -> dict[str, Any]:
    """One page of ``GET /v1/models``: newest first, ``last_id`` the cursor for ``after_id``."""
    return {
        "data": [
            {"type": "model", "id": i, "display_name": i, "created_at": "2025-01-01T00:00:00Z"}
            for i in ids
        ],
        "has_more": has_more,
        "first_id": ids[0] if ids else None,
        "last_id": ids[-1] if ids else None,
    }


def error(type_: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": type_, "message": message}, "request_id": "req_1"}


def invalid_key(echo: str = "") -> dict[str, Any]:
    """401; ``echo`` is what a hostile server appends (the key itself, say)."""
    return error("authentication_error", f"invalid x-api-key {echo}".rstrip())


def rate_limited() -> dict[str, Any]:
    """429 with a ``retry-after`` header: retryable."""
    return error(
        "rate_limit_error",
        "This request would exceed the rate limit for your organization of 50 requests per minute.",
    )


def spend_limit() -> dict[str, Any]:
    """429 that no retry fixes."""
    return error(
        "rate_limit_error",
        "You have reached your specified workspace API usage limits (spend limit).",
    )


def server_error(status: int = 500) -> dict[str, Any]:
    """500 ``api_error``, or 529 ``overloaded_error``."""
    if status == 529:
        return error("overloaded_error", "Overloaded")
    return error("api_error", "Internal server error")


def unknown_model(model: str) -> dict[str, Any]:
    return error("not_found_error", f"model: {model}")


# --- tool use (docs.anthropic.com/en/docs/agents-and-tools/tool-use) --------------------------


def tool_use_block(id_: str, name: str, input_: dict[str, Any]) -> dict[str, Any]:
    return {"type": "tool_use", "id": id_, "name": name, "input": input_}


def tool_use_message(
    blocks: list[dict[str, Any]],
    *,
    text: str | None = None,
    tokens: tuple[int, int] = (40, 18),
    stop_reason: str = "tool_use",
) -> dict[str, Any]:
    """A reply ending in tool calls: an optional text block, then the ``tool_use`` blocks."""
    body = message([text] if text else [], tokens=tokens, stop_reason=stop_reason)
    body["content"] = [*body["content"], *blocks]
    return body


def block_start(index: int, block: dict[str, Any]) -> str:
    return sse.named(
        "content_block_start",
        {"type": "content_block_start", "index": index, "content_block": block},
    )


def json_delta(index: int, partial: str) -> str:
    return sse.named(
        "content_block_delta",
        {
            "type": "content_block_delta",
            "index": index,
            "delta": {"type": "input_json_delta", "partial_json": partial},
        },
    )


def block_stop(index: int) -> str:
    return sse.named("content_block_stop", {"type": "content_block_stop", "index": index})


def tool_use_stream(
    calls: list[tuple[str, str, list[str]]],
    *,
    text: list[str] | None = None,
    tokens: tuple[int, int] = (40, 18),
    stop_reason: str = "tool_use",
) -> list[str]:
    """A streamed reply: an optional text block (index 0), then per call (id, name, fragments
    of its input's JSON) a ``tool_use`` block started with ``input: {}`` whose input comes in
    ``input_json_delta`` fragments (the first one empty, as the API sends it)."""
    completion = tokens[1]
    events = stream(text or [], tokens=tokens, complete=False)
    if text is None:
        events = [events[0]]  # message_start only
    else:
        events.append(block_stop(0))
    first = 0 if text is None else 1
    for offset, (id_, name, fragments) in enumerate(calls):
        index = first + offset
        events += [
            block_start(index, tool_use_block(id_, name, {})),
            json_delta(index, ""),
            *(json_delta(index, f) for f in fragments),
            block_stop(index),
        ]
    return [
        *events,
        sse.named(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": stop_reason, "stop_sequence": None},
                "usage": {"output_tokens": completion},
            },
        ),
        sse.named("message_stop", {"type": "message_stop"}),
    ]
