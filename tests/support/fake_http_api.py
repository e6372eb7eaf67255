"""A scripted provider HTTP API for ``httpx.MockTransport``: each request gets the next reply
(the last one repeats), and helpers to make replies, broken streams and transport errors."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx

Handler = Callable[[httpx.Request], httpx.Response]


class FakeApi:
    """Answers each request with the next scripted reply (the last one repeats)."""

    def __init__(self, *replies: Handler) -> None:
        self.replies = list(replies)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        return reply(request)

    def body(self, index: int = -1) -> Any:
        return json.loads(self.requests[index].content)


class DroppedStream(httpx.AsyncByteStream):
    """Sends some bytes, then the connection dies."""

    def __init__(self, *chunks: bytes) -> None:
        self.chunks = chunks

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            yield chunk
        raise httpx.RemoteProtocolError(
            "peer closed connection without sending complete message body"
        )


class EndlessStream(httpx.AsyncByteStream):
    """Repeats one event, as a hostile server would forever (stopped at ``give_up`` bytes so a
    reader without a limit fails the test instead of hanging it)."""

    def __init__(self, event: bytes, give_up: int) -> None:
        self.event = event
        self.give_up = give_up
        self.sent = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while self.sent < self.give_up:
            self.sent += len(self.event)
            yield self.event


def reply(status: int, body: Any, headers: dict[str, str] | None = None) -> Handler:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    all_headers = {"content-type": "application/json", **(headers or {})}
    return lambda request: httpx.Response(
        status, content=content, headers=all_headers, request=request
    )


def sse_reply(body: bytes) -> Handler:
    return lambda request: httpx.Response(
        200, content=body, headers={"content-type": "text/event-stream"}, request=request
    )


def dropped_reply(body: bytes) -> Handler:
    return lambda request: httpx.Response(
        200,
        stream=DroppedStream(body),
        headers={"content-type": "text/event-stream"},
        request=request,
    )


def raises(exc_type: type[httpx.TransportError]) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc_type("simulated", request=request)

    return handler
