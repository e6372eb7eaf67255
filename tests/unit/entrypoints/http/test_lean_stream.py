"""``LeanStream`` sends the pieces that were ready together as one body message, and a body
whose pieces never wait still leaves in messages of about 64 KiB, not held whole."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from litestar import Litestar, get

from entrypoints.http.lean_stream import FinalChunk, LeanStream
from tests.support.asgi import body_then_hang_up

PIECE = b"x" * 4096


async def _bodies(pieces: AsyncIterator[bytes]) -> list[dict[str, Any]]:
    @get("/stream")
    async def stream() -> LeanStream:
        return LeanStream(pieces)

    app = Litestar([stream])
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": "/stream", "raw_path": b"/stream", "root_path": "",
        "query_string": b"", "headers": [(b"host", b"lean.test")],
        "client": ("127.0.0.1", 1), "server": ("lean.test", 80),
    }  # fmt: skip
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, body_then_hang_up(b"", asyncio.Event()), send)  # type: ignore[arg-type]
    return [m for m in sent if m["type"] == "http.response.body"]


async def test_pieces_ready_together_leave_together_and_a_wait_sends_what_is_held() -> None:
    async def pieces() -> AsyncIterator[bytes]:
        yield b"a"
        yield b"b"
        await asyncio.sleep(0)  # the next piece has to be waited for
        yield b"c"
        yield FinalChunk(b"d")

    bodies = await _bodies(pieces())
    assert [(m["body"], m["more_body"]) for m in bodies] == [(b"ab", True), (b"cd", False)]


async def test_a_body_that_never_waits_leaves_in_bounded_messages() -> None:
    async def pieces() -> AsyncIterator[bytes]:
        for _ in range(100):  # 400 KiB, all ready at once
            yield PIECE

    bodies = await _bodies(pieces())
    assert b"".join(m["body"] for m in bodies) == PIECE * 100
    assert len(bodies) >= 6
    assert max(len(m["body"]) for m in bodies) <= 64 * 1024
    assert [m["more_body"] for m in bodies] == [True] * (len(bodies) - 1) + [False]
