"""httpx's in-process transport on a Litestar app."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx
from litestar import Litestar


def asgi_transport(app: Litestar) -> httpx.ASGITransport:
    """Requests run concurrently in the caller's loop (Litestar's test client would send them
    one at a time). httpx types an ASGI app with plain mappings, Litestar its ``__call__`` with
    TypedDicts; seen as a callable of any arguments, the app is what it is, an ASGI callable."""
    handler: Callable[..., Awaitable[None]] = app
    return httpx.ASGITransport(app=handler)
