"""A connection's writes of one pass of the event loop leave in one system call: a response's
head with its body, a stream's events that arrived together."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.unit.entrypoints.cli.test_http_protocol import REQUEST, Transport, connection

from entrypoints.cli._http_protocol import DrainingHttpToolsProtocol
from entrypoints.cli._joined_writes import JoinedWrites


class Recording(Transport):
    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.aborted = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        super().write(data)
        self.writes.append(bytes(data))

    def abort(self) -> None:
        self.aborted = self.closed = True


def joined() -> tuple[JoinedWrites, Recording]:
    transport = Recording()
    return JoinedWrites(transport, asyncio.get_running_loop()), transport


async def next_pass() -> None:
    await asyncio.sleep(0)


async def test_writes_of_one_pass_leave_together_at_the_next() -> None:
    writes, transport = joined()
    writes.write(b"HTTP/1.1 200 OK\r\n\r\n")
    writes.write(b"body")
    assert transport.writes == []
    await next_pass()
    assert transport.writes == [b"HTTP/1.1 200 OK\r\n\r\nbody"]
    writes.write(b"later")
    await next_pass()
    assert transport.writes[1:] == [b"later"]


async def test_a_response_of_known_length_leaves_once_its_body_is_written() -> None:
    writes, transport = joined()
    writes.write(b"HTTP/1.1 200 OK\r\ncontent-length: 7\r\n\r\n")
    writes.write(b"{")
    assert transport.writes == []
    writes.write(b'"a":1}')
    assert transport.writes == [b'HTTP/1.1 200 OK\r\ncontent-length: 7\r\n\r\n{"a":1}']
    await next_pass()
    assert len(transport.writes) == 1


async def test_a_chunked_body_leaves_at_its_last_chunk_with_what_came_before() -> None:
    writes, transport = joined()
    writes.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
    writes.write(b"2\r\nab\r\n")
    writes.write(b"2\r\ncd\r\n")
    assert transport.writes == []
    writes.write(b"2\r\nef\r\n0\r\n\r\n")
    (only,) = transport.writes
    assert only.endswith(b"\r\n\r\n2\r\nab\r\n2\r\ncd\r\n2\r\nef\r\n0\r\n\r\n")


async def test_a_close_sends_what_is_held_first() -> None:
    writes, transport = joined()
    writes.write(b"last words")
    writes.close()
    assert transport.writes == [b"last words"]
    assert transport.closed
    await next_pass()
    assert transport.writes == [b"last words"]  # not sent twice


async def test_an_abort_drops_what_is_held() -> None:
    writes, transport = joined()
    writes.write(b"never sent")
    writes.abort()
    await next_pass()
    assert transport.aborted
    assert transport.writes == []


async def test_what_is_held_when_the_connection_went_is_dropped() -> None:
    writes, transport = joined()
    writes.write(b"too late")
    transport.closed = True  # lost meanwhile
    await next_pass()
    assert transport.writes == []
    assert writes.is_closing()


async def test_the_served_connection_sends_a_response_in_one_write() -> None:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"o", "more_body": True})
        await send({"type": "http.response.body", "body": b"k"})

    served, transport = connection(DrainingHttpToolsProtocol, app, Recording)
    served.data_received(REQUEST)
    for _ in range(50):
        await asyncio.sleep(0.01)
        if transport.written:
            break
    assert isinstance(transport, Recording)
    (only,) = transport.writes
    assert only.startswith(b"HTTP/1.1 200 OK\r\n")
    assert only.endswith(b"\r\n\r\n1\r\no\r\n1\r\nk\r\n0\r\n\r\n")


async def test_writelines_and_write_eof_keep_the_order_of_what_is_held() -> None:
    writes, transport = joined()
    eofs: list[int] = []
    transport.write_eof = lambda: eofs.append(len(transport.writes))  # type: ignore[method-assign]
    buffer = bytearray(b"one")
    writes.write(buffer)
    buffer[:] = b"two"  # its writer reuses it: what was written stays
    writes.writelines([b", ", memoryview(b"three")])
    writes.write_eof()
    assert transport.writes == [b"one, three"]
    assert eofs == [1]  # after what was held
