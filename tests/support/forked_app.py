"""A tiny ASGI app for the supervisor probe: each request answers which process serves it and
which process imported this module."""

from __future__ import annotations

import json
import os
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

IMPORTED_BY = os.getpid()

Message = MutableMapping[str, Any]


def create_app() -> Callable[..., Awaitable[None]]:
    async def app(
        scope: Message,
        receive: Callable[[], Awaitable[Message]],
        send: Callable[[Message], Awaitable[None]],
    ) -> None:
        assert scope["type"] == "http"  # the probe runs uvicorn with lifespan="off"
        body = json.dumps({"worker": os.getpid(), "module_imported_by": IMPORTED_BY}).encode()
        headers = [(b"content-type", b"application/json"), (b"connection", b"close")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app
