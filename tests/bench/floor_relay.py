"""The floor issue 15 measures BYOM against: a bare Litestar + msgspec app that relays a chat
completion through aiohttp, as JSON and as server-sent events, and nothing else (no auth, no
database, no keys, no limits). The gateway benchmark serves it after BYOM's rows
(tests/bench/floor_rows.py) and prices its short stream as it prices BYOM's.

``FLOOR_STREAM=lean`` serves its streams with BYOM's ``LeanStream`` (and the benchmark serves it
with BYOM's HTTP protocol): what a stream costs the framework once BYOM's ways around Litestar's
task group and uvicorn's separate writes are in, before any of BYOM's own layers.

    FLOOR_UPSTREAM=http://127.0.0.1:PORT/v1/chat/completions \\
        .venv/bin/python -m uvicorn tests.bench.floor_relay:app --port 8001
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import msgspec
from litestar import Litestar, Request, post
from litestar.response import Response, Stream

from entrypoints.http.lean_stream import FinalChunk, LeanStream


class Message(msgspec.Struct, omit_defaults=True):
    role: str | None = None
    content: str | None = None


class Choice(msgspec.Struct, omit_defaults=True):
    index: int
    message: Message | None = None
    delta: Message | None = None
    finish_reason: str | None = None


class Usage(msgspec.Struct):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0


class Reply(msgspec.Struct):
    """A completion or one streamed chunk of it: what a relay decodes and encodes again."""

    id: str = ""
    object: str = ""
    created: int = 0
    model: str = ""
    choices: list[Choice] = []
    usage: Usage | None = None


class Asked(msgspec.Struct):
    model: str
    messages: list[dict[str, Any]]
    max_tokens: int | None = None
    stream: bool = False


_DONE = b"[DONE]"
_HEADERS = {"authorization": "Bearer sk-floor", "content-type": "application/json"}
_encode = msgspec.json.Encoder().encode
# An unknown value fails the floor's start rather than measure another floor than asked for.
_STREAM: type[Stream] = {"litestar": Stream, "lean": LeanStream}[
    os.environ.get("FLOOR_STREAM", "litestar")
]


@post("/v1/chat/completions", status_code=200)
async def chat_completions(request: Request[Any, Any, Any]) -> Response[bytes] | Stream:
    asked = msgspec.json.decode(await request.body(), type=Asked)
    client: aiohttp.ClientSession = request.app.state.client
    upstream = client.post(request.app.state.upstream, data=_encode(asked), headers=_HEADERS)
    if not asked.stream:
        async with upstream as answer:
            reply = msgspec.json.decode(await answer.read(), type=Reply)
        return Response(_encode(reply), media_type="application/json")
    return _STREAM(_events(await upstream), media_type="text/event-stream")


async def _events(answer: aiohttp.ClientResponse) -> AsyncIterator[bytes]:
    """The upstream's events, each decoded and encoded again, as they arrive. It stops at
    ``[DONE]``, as BYOM's adapter does: the connection goes back to aiohttp's pool when the
    body's end came in the same read (the stand-in sends a reply in one write), else it is
    closed. The end leaves as a ``FinalChunk``, as BYOM's does: with ``LeanStream`` the body's
    last piece, not one more empty message."""
    try:
        pending = b""
        async for data in answer.content.iter_any():
            *events, pending = (pending + data).split(b"\n\n")
            for event in events:
                payload = event.removeprefix(b"data: ")
                if payload == _DONE:
                    yield FinalChunk(b"data: [DONE]\n\n")
                    return
                yield b"data: " + _encode(msgspec.json.decode(payload, type=Reply)) + b"\n\n"
    finally:
        answer.release()


async def _open(app: Litestar) -> None:
    app.state.upstream = os.environ["FLOOR_UPSTREAM"]
    app.state.client = aiohttp.ClientSession()


async def _close(app: Litestar) -> None:
    await app.state.client.close()


app = Litestar([chat_completions], on_startup=[_open], on_shutdown=[_close])
