"""OpenAI Chat Completions (and compatible servers): bodies as the API reference gives them."""

from __future__ import annotations

from typing import Any

from tests.support.wire import sse

ID = "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT"
CREATED = 1741569952
MODEL = "gpt-4o-mini-2024-07-18"
FINGERPRINT = "fp_06737a9306"
DONE = "data: [DONE]"


def usage(prompt: int, completion: int) -> dict[str, Any]:
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0},
    }


def completion(
    text: str, *, tokens: tuple[int, int] = (12, 5), finish: str = "stop", model: str = MODEL
) -> dict[str, Any]:
    return {
        "id": ID,
        "object": "chat.completion",
        "created": CREATED,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": text,
                    "refusal": None,
                    "annotations": [],
                },
                "logprobs": None,
                "finish_reason": finish,
            }
        ],
        "usage": usage(*tokens),
        "service_tier": "default",
        "system_fingerprint": FINGERPRINT,
    }


def chunk(
    delta: dict[str, Any], finish: str | None = None, *, model: str = MODEL
) -> dict[str, Any]:
    return {
        "id": ID,
        "object": "chat.completion.chunk",
        "created": CREATED,
        "model": model,
        "service_tier": "default",
        "system_fingerprint": FINGERPRINT,
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        "usage": None,
    }


def usage_chunk(prompt: int, completion: int, *, model: str = MODEL) -> dict[str, Any]:
    """The last chunk when ``stream_options.include_usage`` is set: no choices, the usage."""
    return {
        "id": ID,
        "object": "chat.completion.chunk",
        "created": CREATED,
        "model": model,
        "choices": [],
        "usage": usage(prompt, completion),
    }


def text_delta(text: str) -> str:
    return sse.data(chunk({"content": text}))


def stream(
    pieces: list[str],
    *,
    tokens: tuple[int, int] = (12, 5),
    finish: str = "stop",
    model: str = MODEL,
    complete: bool = True,
) -> list[str]:
    """The events of a streamed reply: the role, one delta per piece, then (when ``complete``)
    the finish reason, the usage and ``[DONE]``."""
    events = [sse.data(chunk({"role": "assistant", "content": "", "refusal": None}, model=model))]
    events += [sse.data(chunk({"content": p}, model=model)) for p in pieces]
    if not complete:
        return events
    events.append(sse.data(chunk({}, finish, model=model)))
    events.append(sse.data(usage_chunk(*tokens, model=model)))
    events.append(DONE)
    return events


def models(*owned: tuple[str, str]) -> dict[str, Any]:
    """``GET /models``: ``owned`` is (id, owned_by) pairs."""
    return {
        "object": "list",
        "data": [
            {"id": name, "object": "model", "created": 1721172741, "owned_by": owner}
            for name, owner in owned
        ],
    }


def error(message: str, type_: str, code: str | None) -> dict[str, Any]:
    return {"error": {"message": message, "type": type_, "param": None, "code": code}}


def invalid_key(shown: str) -> dict[str, Any]:
    """401: OpenAI shows the key masked; a hostile compatible server may echo it whole."""
    return error(
        f"Incorrect API key provided: {shown}. You can find your API key at "
        "https://platform.openai.com/account/api-keys.",
        "invalid_request_error",
        "invalid_api_key",
    )


def rate_limited() -> dict[str, Any]:
    """429 with a ``retry-after`` header: retryable."""
    return error(
        "Rate limit reached for gpt-4o-mini in organization org-x on requests per min "
        "(RPM): Limit 3, Used 3, Requested 1. Please try again in 20s.",
        "requests",
        "rate_limit_exceeded",
    )


def quota_exhausted() -> dict[str, Any]:
    """429 that no retry fixes."""
    return error(
        "You exceeded your current quota, please check your plan and billing details.",
        "insufficient_quota",
        "insufficient_quota",
    )


def server_error(message: str = "The server is overloaded or not ready yet.") -> dict[str, Any]:
    return error(message, "server_error", None)


def unknown_model(model: str) -> dict[str, Any]:
    return error(
        f"The model `{model}` does not exist or you do not have access to it.",
        "invalid_request_error",
        "model_not_found",
    )


# --- tools, structured output and images (issue 12) -------------------------------------------

WEATHER_PARAMETERS: dict[str, Any] = {
    "type": "object",
    "properties": {
        "location": {"type": "string", "description": "City and country e.g. Bogotá, Colombia"},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
    },
    "required": ["location", "unit"],
    "additionalProperties": False,
}


def function_tool(
    name: str,
    parameters: dict[str, Any],
    description: str | None = None,
    strict: bool | None = None,
) -> dict[str, Any]:
    """A request's ``tools[]`` entry."""
    function: dict[str, Any] = {"name": name}
    if description is not None:
        function["description"] = description
    function["parameters"] = parameters
    if strict is not None:
        function["strict"] = strict
    return {"type": "function", "function": function}


def tool_call(call_id: str, name: str, arguments: str) -> dict[str, Any]:
    """A call as the model makes it (``message.tool_calls[]``) and as history sends it back."""
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def tool_calls_completion(
    *calls: dict[str, Any], tokens: tuple[int, int] = (82, 17), finish: str = "tool_calls"
) -> dict[str, Any]:
    """A reply that calls tools: ``content`` null, ``finish_reason`` ``tool_calls``."""
    body = completion("", tokens=tokens, finish=finish)
    body["choices"][0]["message"]["content"] = None
    body["choices"][0]["message"]["tool_calls"] = list(calls)
    return body


def refusal_completion(refusal: str) -> dict[str, Any]:
    """Structured outputs: the model refused, ``content`` null and ``refusal`` set."""
    body = completion("")
    body["choices"][0]["message"]["content"] = None
    body["choices"][0]["message"]["refusal"] = refusal
    return body


def tool_call_delta(
    index: int,
    *,
    call_id: str | None = None,
    name: str | None = None,
    arguments: str = "",
) -> dict[str, Any]:
    """One ``delta.tool_calls[]`` piece: the first of a call has id, type and name with empty
    arguments; the next ones only ``index`` and an arguments fragment."""
    piece: dict[str, Any] = {"index": index}
    if call_id is not None:
        piece["id"] = call_id
        piece["type"] = "function"
        piece["function"] = {"name": name, "arguments": arguments}
    else:
        piece["function"] = {"arguments": arguments}
    return piece


def tool_calls_stream(
    calls: list[tuple[str, str, list[str]]], *, tokens: tuple[int, int] = (82, 17)
) -> list[str]:
    """A streamed turn of calls: ``calls`` is (id, name, argument fragments) per call, the
    calls one after the other as OpenAI streams them, then ``finish_reason`` ``tool_calls``,
    the usage and ``[DONE]``."""
    events = [sse.data(chunk({"role": "assistant", "content": None, "refusal": None}))]
    for index, (call_id, name, fragments) in enumerate(calls):
        first = tool_call_delta(index, call_id=call_id, name=name)
        events.append(sse.data(chunk({"tool_calls": [first]})))
        events += [
            sse.data(chunk({"tool_calls": [tool_call_delta(index, arguments=f)]}))
            for f in fragments
        ]
    events.append(sse.data(chunk({}, "tool_calls")))
    events.append(sse.data(usage_chunk(*tokens)))
    events.append(DONE)
    return events
