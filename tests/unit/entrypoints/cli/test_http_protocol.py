"""A connection accepted just before shutdown, its request not read yet, is answered, not reset
(behind a balancer a reset is a 502 for a request the service never saw)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from entrypoints.cli._http_protocol import DrainingHttpToolsProtocol
from entrypoints.http.lean_stream import CLIENT_GONE

REQUEST = b"POST /v1/chat/completions HTTP/1.1\r\nHost: byom\r\nContent-Length: 2\r\n\r\n{}"


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    await receive()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


class Transport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.written = b""
        self.closed = False

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 50000), "sockname": ("127.0.0.1", 8000)}.get(name)

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written += bytes(data)

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def pause_reading(self) -> None: ...

    def resume_reading(self) -> None: ...


def connection(
    protocol: type[HttpToolsProtocol],
    served: Any = app,
    transport_class: type[Transport] = Transport,
) -> tuple[HttpToolsProtocol, Transport]:
    config = Config(app=served, http=protocol, lifespan="off", log_config=None)
    config.load()
    made = protocol(config=config, server_state=ServerState(), app_state={})
    transport = transport_class()
    made.connection_made(transport)
    return made, transport


@pytest.mark.parametrize(
    ("protocol", "answered"), [(HttpToolsProtocol, False), (DrainingHttpToolsProtocol, True)]
)
async def test_a_request_that_arrives_as_shutdown_begins_is_answered(
    protocol: type[HttpToolsProtocol], answered: bool
) -> None:
    served, transport = connection(protocol)
    served.shutdown()  # the server stops: this connection has sent nothing yet
    if not transport.closed:
        served.data_received(REQUEST)  # its request, already in the socket, is read next
    for _ in range(50):
        await asyncio.sleep(0.01)
        if transport.written:
            break
    assert transport.written.startswith(b"HTTP/1.1 200") is answered
    if answered:
        await asyncio.sleep(0.6)
        assert transport.closed, "closed once answered and the wait is over: the server stops"


async def test_a_connection_that_sends_nothing_is_closed_after_the_wait() -> None:
    served, transport = connection(DrainingHttpToolsProtocol)
    served.shutdown()
    assert not transport.closed
    await asyncio.sleep(0.7)
    assert transport.closed


async def served_until(done: asyncio.Event) -> None:
    # A safety net so a regression fails instead of hanging the suite; not a timing assertion.
    await asyncio.wait_for(done.wait(), timeout=5)


@pytest.mark.parametrize("completed", [False, True])
async def test_a_request_is_told_when_its_client_goes_before_its_response_is_complete(
    completed: bool,
) -> None:
    """``ClientGone`` in the scope: called back when the connection is lost mid-response (a
    streamed gateway answer then stops without a task waiting for ``http.disconnect``), not
    when it is lost after the response, as a keep-alive connection is."""
    told: list[str] = []
    answered = asyncio.Event()

    async def streaming(scope: dict[str, Any], receive: Any, send: Any) -> None:
        scope["extensions"][CLIENT_GONE]["watch"].watch(lambda: told.append("gone"))
        await receive()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"a", "more_body": not completed})
        answered.set()

    served, _ = connection(DrainingHttpToolsProtocol, streaming)
    served.data_received(REQUEST)
    await served_until(answered)
    served.connection_lost(None)
    assert told == ([] if completed else ["gone"])
