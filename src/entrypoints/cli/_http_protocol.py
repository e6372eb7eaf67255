"""uvicorn's HTTP protocol, made to answer a request it accepted just before shutting down."""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from entrypoints.cli._joined_writes import JoinedWrites

# How long a connection accepted just before the shutdown may take to send its request.
FIRST_REQUEST_S = 0.5


class DrainingHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's shutdown closes every connection that is not in the middle of a request, one
    accepted a moment earlier included, whose request is still unread in its socket: closed
    with unread data, the connection is reset, and a balancer answers 502 for a request the
    service never saw (seen behind nginx during a rolling restart). Such a connection, with no
    request yet, gets ``FIRST_REQUEST_S`` to send it; uvicorn waits for it like any other."""

    def shutdown(self) -> None:
        cycle: object = self.cycle  # None until a request arrives (uvicorn's type says otherwise)
        if cycle is None and not self.transport.is_closing():
            self.loop.call_later(FIRST_REQUEST_S, super().shutdown)
            return
        super().shutdown()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        joined: Any = JoinedWrites(transport, self.loop)
        super().connection_made(joined)
