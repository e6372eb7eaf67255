"""A hostile OpenAI stand-in whose streamed replies never end (raw asyncio HTTP/1.1 in a thread
of its own): every chat completion streams text deltas until the client hangs up.

It records the size of each request body it received, which is how a test sees how much
history BYOM sent upstream, and the key each chat request carried. With ``every_s`` it trickles
(a small piece that often, still without end); a request that does not ask to stream gets a
whole completion at once (the steady load of tests/integration/test_instances.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from typing import Any

from tests.support.wire import openai

PIECE = "x" * 16_384  # one delta's text
MODELS = json.dumps(openai.models(("gpt-4o-mini", "system"))).encode()
COMPLETION = json.dumps(openai.completion("Whole at once.", tokens=(5, 3))).encode()


def _chunked(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


class EndlessUpstream:
    def __init__(self, *, every_s: float = 0.0, piece: str = PIECE) -> None:
        self.port = 0
        self.every_s = every_s
        self.piece = piece
        self.bodies: list[int] = []
        """The size in bytes of each chat request's body, in order."""
        self.keys: list[str] = []
        """The bearer key of each chat request, in order."""
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def __enter__(self) -> EndlessUpstream:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self

    def __exit__(self, *_: object) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._connection, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length, key = 0, ""
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                    if name.strip().lower() == b"authorization":
                        key = value.decode().strip().removeprefix("Bearer ")
                body = await reader.readexactly(length) if length else b""
                if head.startswith(b"GET"):
                    writer.write(
                        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                        b"content-length: %d\r\n\r\n%s" % (len(MODELS), MODELS)
                    )
                    await writer.drain()
                    continue
                self.bodies.append(len(body))
                self.keys.append(key)
                if not json.loads(body).get("stream"):
                    writer.write(
                        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                        b"content-length: %d\r\n\r\n%s" % (len(COMPLETION), COMPLETION)
                    )
                    await writer.drain()
                    continue
                await self._endless(writer)
                return
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            return
        finally:
            self._tasks.discard(task)
            with contextlib.suppress(Exception):
                writer.close()

    async def _endless(self, writer: asyncio.StreamWriter) -> None:
        writer.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
            b"transfer-encoding: chunked\r\n\r\n"
        )
        event = (openai.text_delta(self.piece) + "\n\n").encode()
        while True:
            writer.write(_chunked(event))
            await writer.drain()
            # Let other connections (and BYOM's other requests) run between pieces.
            await asyncio.sleep(self.every_s)
