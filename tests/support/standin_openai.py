"""A small, fast stand-in for OpenAI's HTTP API on 127.0.0.1 (raw asyncio HTTP/1.1 with
keep-alive), with faults on demand: 429, quota exhausted, 500/503, a hang, a dropped stream.

Used by the fault tests (tests/reliability/) and the gateway benchmark (tests/bench/). It runs
its own event loop in a thread, so it keeps answering while a test's loop is busy, and counts
the attempts it receives per request tag (the last user message), which is how a test sees how
many times BYOM retried one of its requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import json
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

from tests.support.wire import openai

REPLY = "Carry is positive; watch the ECB on Thursday."
TOKENS = (20, 12)
MODEL = "gpt-4o-mini"


class Fault(enum.Enum):
    NONE = "none"
    RATE_LIMITED = "rate_limited"  # 429 with Retry-After: 1 (retryable)
    QUOTA = "quota"  # 429 insufficient_quota (never retried)
    SERVER_ERROR = "server_error"  # 500, its body echoing the key it was sent
    UNAVAILABLE = "unavailable"  # 503
    HANG = "hang"  # reads the request, never answers
    DROP = "drop"  # the connection dies mid-reply (a stream: after two events)


def _json(body: Any) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()


# A streamed request whose body holds one of these tags gets that many text deltas instead of
# the reply's words: the benchmark's stream lengths give the cost of one more chunk, near a short
# reply's length (medium) and over a long one's.
LONG_STREAM_TAG = "[long stream]"
LONG_STREAM_PIECES = 200
MEDIUM_STREAM_TAG = "[medium stream]"
MEDIUM_STREAM_PIECES = 40


def stream_events(pieces: int = 0) -> list[bytes]:
    """The events the stand-in streams: the reply's words, or ``pieces`` of them (a tag's)."""
    words = [w if i == 0 else f" {w}" for i, w in enumerate(REPLY.split(" "))]
    chosen = [words[i % len(words)] for i in range(pieces)] if pieces else words
    return [(e + "\n\n").encode() for e in openai.stream(chosen, tokens=TOKENS, model=MODEL)]


# Chunks (``data:`` events, ``[DONE]`` included) of a streamed reply: short, medium and long.
STREAM_CHUNKS = len(stream_events())
LONG_STREAM_CHUNKS = len(stream_events(LONG_STREAM_PIECES))
MEDIUM_STREAM_CHUNKS = len(stream_events(MEDIUM_STREAM_PIECES))


MODELS = _json(openai.models(*((m, "system") for m in ("gpt-4o-mini", "gpt-4.1-mini", "gpt-4.1"))))


def _response(status: int, body: bytes, *, extra: bytes = b"", ctype: bytes = b"") -> bytes:
    reason = {200: b"OK", 429: b"Too Many Requests", 500: b"Internal Server Error"}.get(
        status, b"Service Unavailable"
    )
    return (
        b"HTTP/1.1 %d %s\r\ncontent-type: %s\r\ncontent-length: %d\r\n%s\r\n"
        % (status, reason, ctype or b"application/json", len(body), extra)
        + body
    )


class StandInOpenAi:
    """``faults(tag)`` decides each attempt's fate from its tag (the last user message)."""

    def __init__(self, faults: Callable[[str], Fault] | None = None) -> None:
        self.faults = faults
        self.port = 0
        self.attempts: Counter[str] = Counter()
        self.requests = 0
        self.in_flight = 0
        self.peak_in_flight = 0
        self._completion = _json(openai.completion(REPLY, tokens=TOKENS, model=MODEL))
        self._ok = _response(200, self._completion)
        self._stream = _chunked(b"".join(stream_events()))
        self._tagged_streams = {
            tag.encode(): _chunked(b"".join(stream_events(pieces)))
            for tag, pieces in ((LONG_STREAM_TAG, LONG_STREAM_PIECES),
                                (MEDIUM_STREAM_TAG, MEDIUM_STREAM_PIECES))
        }  # fmt: skip
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> StandInOpenAi:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def __enter__(self) -> StandInOpenAi:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._connection, "127.0.0.1", 0, backlog=1024)
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
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                body = await reader.readexactly(length) if length else b""
                self.requests += 1
                self.in_flight += 1
                self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
                try:
                    if not await self._answer(head, body, writer):
                        return
                finally:
                    self.in_flight -= 1
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            return
        finally:
            self._tasks.discard(task)
            with contextlib.suppress(Exception):
                writer.close()

    async def _answer(self, head: bytes, body: bytes, writer: asyncio.StreamWriter) -> bool:
        """Writes the answer; False when the connection must end."""
        if head.startswith(b"GET"):
            writer.write(_response(200, MODELS))
            await writer.drain()
            return True
        streaming = b'"stream":true' in body
        fault = Fault.NONE
        if self.faults is not None:
            request = json.loads(body)
            tag = str(request["messages"][-1]["content"])
            self.attempts[tag] += 1
            fault = self.faults(tag)
            key = _authorization(head)
        if fault is Fault.NONE:
            if streaming:
                tagged = (s for tag, s in self._tagged_streams.items() if tag in body)
                writer.write(next(tagged, self._stream))
            else:
                writer.write(self._ok)
        elif fault is Fault.RATE_LIMITED:
            error = _json(openai.rate_limited())
            writer.write(_response(429, error, extra=b"retry-after: 1\r\n"))
        elif fault is Fault.QUOTA:
            writer.write(_response(429, _json(openai.quota_exhausted())))
        elif fault is Fault.SERVER_ERROR:
            # A misbehaving upstream that echoes the key: BYOM must scrub it.
            message = f"The server had an error processing your request (key {key})."
            writer.write(_response(500, _json(openai.server_error(message))))
        elif fault is Fault.UNAVAILABLE:
            writer.write(_response(503, _json(openai.server_error())))
        elif fault is Fault.HANG:
            await asyncio.sleep(3600)
        elif fault is Fault.DROP:
            if streaming:
                events = stream_events()[:2]
                writer.write(
                    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
                    b"transfer-encoding: chunked\r\n\r\n"
                    + b"".join(b"%x\r\n%s\r\n" % (len(e), e) for e in events)
                )
            else:
                writer.write(_response(200, self._completion)[:-20])
            await writer.drain()
            writer.transport.abort()
            return False
        await writer.drain()
        return True


def _chunked(events: bytes) -> bytes:
    return (
        b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
        b"transfer-encoding: chunked\r\n\r\n" + b"%x\r\n%s\r\n0\r\n\r\n" % (len(events), events)
    )


def _authorization(head: bytes) -> str:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"authorization":
            return value.strip().decode().removeprefix("Bearer ")
    return ""
