"""``AfterStream``: what a streamed response runs once it is over (a stream's outcome kept), as
Litestar's ``BackgroundTask`` would: once, after the body's last piece, and after the body's
generator has ended when the client hung up mid-stream, however the server said so."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar import Litestar, post
from litestar.testing import AsyncTestClient

from entrypoints.http.lean_stream import CLIENT_GONE, AfterStream, ClientGone, LeanStream
from tests.support.asgi import body_then_hang_up, post_scope


def app(events: list[str], *, endless: bool = False) -> Litestar:
    async def pieces() -> AsyncIterator[bytes]:
        try:
            for piece in (b"one ", b"two"):
                events.append(f"sent {piece.decode().strip()}")
                yield piece
            if endless:
                await asyncio.Event().wait()  # a provider gone quiet
        finally:
            events.append("body ended")

    async def kept() -> None:
        events.append("kept")

    @post("/stream", sync_to_thread=False)
    def stream() -> LeanStream:
        return LeanStream(pieces(), background=AfterStream(kept))

    return Litestar([stream])


async def test_it_runs_once_after_the_body() -> None:
    events: list[str] = []
    async with AsyncTestClient(app(events)) as client:
        response = await client.post("/stream")
    assert response.text == "one two"
    assert events == ["sent one", "sent two", "body ended", "kept"]


@pytest.mark.parametrize("told_by", ["http.disconnect", "ClientGone"])
async def test_it_runs_once_after_a_client_hung_up_mid_stream(told_by: str) -> None:
    """Told as any ASGI server tells it (a listener waits for ``http.disconnect``), or by
    ``byom serve``'s protocol (``ClientGone`` in the scope)."""
    events: list[str] = []
    hang_up, gone = asyncio.Event(), ClientGone()
    receive = body_then_hang_up(b"{}", hang_up if told_by == "http.disconnect" else asyncio.Event())

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body" and b"two" in message.get("body", b""):
            hang_up.set()
            asyncio.get_running_loop().call_soon(gone.went)  # as connection_lost does

    scope = post_scope("/stream", b"{}", [])
    if told_by == "ClientGone":
        scope["extensions"] = {CLIENT_GONE: {"watch": gone}}
    served: Any = app(events, endless=True)  # driven as a server would: an ASGI callable
    # A safety net so a regression fails instead of hanging the suite; not a timing assertion.
    await asyncio.wait_for(served(scope, receive, send), timeout=10)
    assert events == ["sent one", "sent two", "body ended", "kept"]
