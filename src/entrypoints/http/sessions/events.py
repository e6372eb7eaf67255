"""A streamed reply as server-sent events: ``delta`` events, then ``error``, ``tool_call``
events and ``done``."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import msgspec

from application.sessions.send_message import ReplyStream
from domain.errors import DomainError
from entrypoints.http.draining import Draining
from entrypoints.http.errors import from_domain_error
from entrypoints.http.lean_stream import AfterStream, LeanStream
from entrypoints.http.sessions.wire import DeltaEvent, DoneEvent
from entrypoints.http.sessions.wire_tools import ToolCallOut

EVENT_STREAM = "text/event-stream"


async def event_stream(stream: ReplyStream, path: str, draining: Draining) -> LeanStream:
    # Failures before the first byte answer with their own status, not an SSE error.
    await stream.start()
    return LeanStream(
        server_sent_events(stream, path, draining),
        # Set as a header: the route's JSON media type would win over ``media_type``.
        headers={
            "content-type": EVENT_STREAM,
            "cache-control": "no-store",
            "x-accel-buffering": "no",
        },
        # Runs after the response even when the client left mid-reply.
        background=AfterStream(stream.aclose),
    )


async def server_sent_events(
    stream: ReplyStream, path: str, draining: Draining
) -> AsyncIterator[bytes]:
    """``delta`` events, then ``error`` if the provider failed mid-reply (or the instance's
    shutdown grace ran out: ``ServiceStopping``), then one ``tool_call`` per call of the
    stored reply, then one ``done``."""
    try:
        failure: DomainError | None = None
        try:
            async for text in draining.until_over(stream):
                yield sse("delta", DeltaEvent(text))
        except DomainError as exc:
            failure = exc
        try:
            reply = await stream.finish()
        except DomainError as exc:
            # Storing the reply failed (database down) after the headers were sent: say so in
            # the stream, the only place left to say it.
            failure, reply = failure or exc, None
        if failure is not None:
            yield sse("error", problem_body(failure, path))
        if reply is not None:
            # The calls whole, as stored (a reply cut short keeps none), then ``done``.
            for call in reply.message.tool_calls:
                yield sse("tool_call", ToolCallOut.of(call))
            yield sse("done", DoneEvent.of(reply))
    finally:
        # The client went away mid-reply: what arrived is stored, marked incomplete.
        with contextlib.suppress(DomainError):
            await stream.finish()


def sse(event: str, data: object) -> bytes:
    return b"event: " + event.encode() + b"\ndata: " + msgspec.json.encode(data) + b"\n\n"


def problem_body(error: DomainError, path: str) -> dict[str, Any]:
    problem = from_domain_error(error)
    body: dict[str, Any] = {
        "type": problem.type_,
        "title": problem.title,
        "status": problem.status_code,
        "detail": problem.detail,
        "instance": path,
    }
    if isinstance(problem.extra, dict):
        body.update(problem.extra)
    return body
