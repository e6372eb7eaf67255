"""uvicorn's HTTP protocol, made to answer a request it accepted just before shutting down."""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from entrypoints.cli._joined_writes import JoinedWrites
from entrypoints.http.lean_stream import CLIENT_GONE, ClientGone

# How long a connection accepted just before the shutdown may take to send its request.
FIRST_REQUEST_S = 0.5


class DrainingHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's shutdown closes every connection that is not in the middle of a request, one
    accepted a moment earlier included, whose request is still unread in its socket: closed
    with unread data, the connection is reset, and a balancer answers 502 for a request the
    service never saw (seen behind nginx during a rolling restart). Such a connection, with no
    request yet, gets ``FIRST_REQUEST_S`` to send it; uvicorn waits for it like any other.

    It also tells each request when its client went away before the response was complete
    (``ClientGone``, in the scope's extensions): a streamed response stops then without a task
    of its own waiting for ``http.disconnect``."""

    _gone: ClientGone | None = None

    def shutdown(self) -> None:
        cycle: object = self.cycle  # None until a request arrives (uvicorn's type says otherwise)
        if cycle is None and not self.transport.is_closing():
            self.loop.call_later(FIRST_REQUEST_S, super().shutdown)
            return
        super().shutdown()

    def on_headers_complete(self) -> None:
        self._gone = ClientGone()
        self.scope["extensions"] = {CLIENT_GONE: {"watch": self._gone}}  # uvicorn's has none
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        cycle: Any = self.cycle
        if self._gone is not None and cycle is not None and cycle.disconnected:
            self._gone.went()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        joined: Any = JoinedWrites(transport, self.loop)
        super().connection_made(joined)
