"""httpx's in-process transport on a Litestar app."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import httpx
from litestar import Litestar


def asgi_transport(app: Litestar) -> httpx.ASGITransport:
    """Requests run concurrently in the caller's loop (Litestar's test client would send them
    one at a time). httpx types an ASGI app with plain mappings, Litestar its ``__call__`` with
    TypedDicts; seen as a callable of any arguments, the app is what it is, an ASGI callable."""
    handler: Callable[..., Awaitable[None]] = app
    return httpx.ASGITransport(app=handler)


def post_scope(
    path: str,
    body: bytes,
    headers: Sequence[tuple[bytes, bytes]],
    *,
    host: str = "testserver.local",
) -> dict[str, Any]:
    """The ASGI scope of a JSON POST of ``body`` to ``path`` (host, type and length added), for a
    test that drives the app as a server would (a client leaving mid-reply)."""
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"host", host.encode()),
            *headers,
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": (host, 80),
        "state": {},
    }


def body_then_hang_up(body: bytes, hang_up: asyncio.Event) -> Callable[[], Awaitable[Any]]:
    """An ASGI ``receive``: the request's ``body`` once, then, when ``hang_up`` is set, the
    client's ``http.disconnect`` (the way a browser or SDK leaves mid-stream)."""
    requested = False

    async def receive() -> dict[str, Any]:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": body, "more_body": False}
        await hang_up.wait()
        return {"type": "http.disconnect"}

    return receive
