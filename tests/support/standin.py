"""A local stand-in for the OpenAI API: try BYOM end to end without a real key or the internet.

    uv run python -m tests.support.standin --port 9100
    BYOM_OPENAI_BASE_URL=http://127.0.0.1:9100/v1 make run

Any key that starts with ``sk-`` and does not contain ``bad`` is accepted. Replies echo the last
user message; streaming follows OpenAI's SSE chunks with ``stream_options.include_usage``.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import uvicorn
from litestar import Litestar, Request, Response, get, post
from litestar.response import Stream

MODELS = ("gpt-4o-mini", "gpt-4o", "gpt-4.1-mini", "o3-mini")


def _authorised(request: Request[Any, Any, Any]) -> bool:
    key = request.headers.get("authorization", "").removeprefix("Bearer ")
    return key.startswith("sk-") and "bad" not in key


def _unauthorised() -> Response[dict[str, Any]]:
    error = {
        "message": "Incorrect API key provided.",
        "type": "invalid_request_error",
        "param": None,
        "code": "invalid_api_key",
    }
    return Response({"error": error}, status_code=401)


@get("/v1/models", sync_to_thread=False)
def models(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
    if not _authorised(request):
        return _unauthorised()
    data = [{"id": m, "object": "model", "created": 0, "owned_by": "standin"} for m in MODELS]
    return Response({"object": "list", "data": data})


@post("/v1/chat/completions", status_code=200)
async def chat(request: Request[Any, Any, Any]) -> Response[Any]:
    if not _authorised(request):
        return _unauthorised()
    body = await request.json()
    last = next((m["content"] for m in reversed(body["messages"]) if m["role"] == "user"), "")
    words = f"You said: {last}".split(" ")
    usage = {
        "prompt_tokens": sum(len(m["content"].split()) for m in body["messages"]),
        "completion_tokens": len(words),
    }
    usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
    base = {"id": "chatcmpl-standin", "created": int(time.time()), "model": body["model"]}
    if not body.get("stream"):
        choice = {
            "index": 0,
            "message": {"role": "assistant", "content": " ".join(words)},
            "finish_reason": "stop",
        }
        return Response({**base, "object": "chat.completion", "choices": [choice], "usage": usage})

    async def events() -> AsyncIterator[bytes]:
        for n, word in enumerate(words):
            delta = {"role": "assistant", "content": word} if n == 0 else {"content": " " + word}
            chunk = {"index": 0, "delta": delta, "finish_reason": None}
            yield _sse({**base, "object": "chat.completion.chunk", "choices": [chunk]})
        end = {"index": 0, "delta": {}, "finish_reason": "stop"}
        yield _sse({**base, "object": "chat.completion.chunk", "choices": [end]})
        yield _sse({**base, "object": "chat.completion.chunk", "choices": [], "usage": usage})
        yield b"data: [DONE]\n\n"

    return Stream(events(), media_type="text/event-stream")


def _sse(payload: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(payload)}\n\n".encode()


app = Litestar([models, chat], debug=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=9100)
    args = parser.parse_args()
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
