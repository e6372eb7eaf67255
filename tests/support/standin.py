"""A local stand-in for the OpenAI API: try BYOM end to end without a real key or the internet.

    make standin      # .venv/bin/python -m tests.support.standin --port 9100
    BYOM_OPENAI_BASE_URL=http://127.0.0.1:9100/v1 make run

Once it accepts connections it prints one line: where it listens and how to point BYOM at it
(``--port 0`` takes a free port, which that line names).

Any key that starts with ``sk-`` and does not contain ``bad`` is accepted. Replies echo the last
user message; streaming follows OpenAI's SSE chunks with ``stream_options.include_usage``.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import AsyncIterator
from typing import Any

import uvicorn
from litestar import Litestar, Request, Response, get, post
from litestar.response import Stream

from tests.support.wire import openai

MODELS = ("gpt-4o-mini", "gpt-4o", "gpt-4.1-mini", "o3-mini")


def _authorised(request: Request[Any, Any, Any]) -> bool:
    key = request.headers.get("authorization", "").removeprefix("Bearer ")
    return key.startswith("sk-") and "bad" not in key


def _unauthorised() -> Response[dict[str, Any]]:
    error = openai.error("Incorrect API key provided.", "invalid_request_error", "invalid_api_key")
    return Response(error, status_code=401)


@get("/v1/models", sync_to_thread=False)
def models(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
    if not _authorised(request):
        return _unauthorised()
    return Response(openai.models(*((m, "standin") for m in MODELS)))


@post("/v1/chat/completions", status_code=200)
async def chat(request: Request[Any, Any, Any]) -> Response[Any]:
    if not _authorised(request):
        return _unauthorised()
    body = await request.json()
    last = next((m["content"] for m in reversed(body["messages"]) if m["role"] == "user"), "")
    words = f"You said: {last}".split(" ")
    prompt = sum(len(m["content"].split()) for m in body["messages"])
    tokens = (prompt, len(words))
    if not body.get("stream"):
        return Response(openai.completion(" ".join(words), tokens=tokens, model=body["model"]))
    pieces = [w if n == 0 else " " + w for n, w in enumerate(words)]
    events = openai.stream(pieces, tokens=tokens, model=body["model"])

    async def replay() -> AsyncIterator[bytes]:
        for event in events:
            yield (event + "\n\n").encode()

    return Stream(replay(), media_type="text/event-stream")


app = Litestar([models, chat], debug=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=9100)
    args = parser.parse_args()
    asyncio.run(_serve(args.port))


async def _serve(port: int) -> None:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    serving = asyncio.create_task(server.serve())
    while not server.started:  # set once the socket listens and the app has started
        if serving.done():
            await serving  # it failed to start (e.g. the port is taken): uvicorn said why
            return
        await asyncio.sleep(0.01)
    bound = server.servers[0].sockets[0].getsockname()[1]
    base_url = f"http://127.0.0.1:{bound}/v1"
    how = f"point BYOM at it: BYOM_OPENAI_BASE_URL={base_url}"
    print(f"OpenAI stand-in listening on {base_url}; {how}", flush=True)
    await serving


if __name__ == "__main__":
    main()
