"""A streamed response that stops when its client leaves, without a task group.

Litestar's ``Stream`` opens an anyio task group per response (the body in a child task, the
disconnect listener in the handler's task, a cancel scope around both): a fixed cost of a few
hundred microseconds of CPU per streamed call on top of the chunks. Here the body is sent from
the handler's own task, which is cancelled when the client goes away, as the task group did;
the generator's ``finally`` still runs (the usage of a cut stream is kept). ``byom serve``'s
protocol says when the client went (``CLIENT_GONE`` in the scope's extensions: no task at all);
under any other server a small listener task waits for ``http.disconnect``. A ``FinalChunk``
leaves with the end of the body in one write, where Litestar sends an empty last message of
its own (one more system call per response).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any

from litestar.background_tasks import BackgroundTask
from litestar.response import Stream
from litestar.response.base import ASGIResponse
from litestar.response.streaming import ASGIStreamingResponse
from litestar.types import Receive, Scope, Send


class FinalChunk(bytes):
    """The body's last piece: nothing the iterator yields after it is sent."""

    __slots__ = ()


# The scope's extension under which ``byom serve``'s protocol hands a request its ``ClientGone``
# (as {"watch": ClientGone}: an ASGI extension's value is a dict).
CLIENT_GONE = "byom.client_gone"


class ClientGone:
    """Told by the server when a request's client went away before its response was complete;
    calls back whoever ``watch``es (at once if it has gone already)."""

    __slots__ = ("_callback", "_gone")

    def __init__(self) -> None:
        self._callback: Callable[[], object] | None = None
        self._gone = False

    def watch(self, callback: Callable[[], object] | None) -> None:
        self._callback = callback
        if self._gone and callback is not None:
            callback()

    def went(self) -> None:
        self._gone = True
        if self._callback is not None:
            self._callback()


class _Watch:
    """One response's body being sent from ``task``: ``left()`` cancels it while it streams."""

    __slots__ = ("gone", "streaming", "task")

    def __init__(self, task: asyncio.Task[Any]) -> None:
        self.task = task
        self.streaming = True
        self.gone = False

    def left(self) -> None:
        if self.streaming:
            self.gone = True
            self.task.cancel()


class _LeanASGIStream(ASGIStreamingResponse):
    __slots__ = ()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        extension = (scope.get("extensions") or {}).get(CLIENT_GONE) or {}
        gone = extension.get("watch")
        task = asyncio.current_task()
        if not isinstance(gone, ClientGone) or task is None or self.is_head_response:
            await super().__call__(scope, receive, send)  # send_body: the listener's way
            return
        await self.start_response(send=send)
        watch = _Watch(task)
        gone.watch(watch.left)  # a client gone already cancels the body's first wait
        try:
            await self._watched(send, watch)
        finally:
            gone.watch(None)
        await self.after_response()

    async def _stream(self, send: Send, watch: _Watch | None = None) -> None:
        iterator = self.iterator
        async for chunk in iterator:
            body = chunk if isinstance(chunk, bytes) else chunk.encode(self.encoding)
            if type(chunk) is FinalChunk:
                if watch is not None:
                    watch.streaming = False  # the client may go now: nothing to cancel
                await send({"type": "http.response.body", "body": body, "more_body": False})
                # Ends the generator where it stopped (its ``finally`` runs now, not when the
                # event loop finalises it, in a task of its own).
                if isinstance(iterator, AsyncGenerator):
                    await iterator.aclose()
                return
            await send({"type": "http.response.body", "body": body, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def send_body(self, send: Send, receive: Receive) -> None:
        task = asyncio.current_task()
        if task is None:  # not run by an asyncio server: Litestar's own way
            await super().send_body(send, receive)
            return
        watch = _Watch(task)

        async def listen() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            watch.left()

        listener = asyncio.create_task(listen())
        try:
            await self._watched(send, watch)
        finally:
            listener.cancel()

    async def _watched(self, send: Send, watch: _Watch) -> None:
        try:
            await self._stream(send, watch)
        except asyncio.CancelledError:
            # The client left: the response is over, as it was with the task group.
            if watch.gone and watch.task.uncancel() == 0:
                return
            raise
        finally:
            watch.streaming = False


class LeanStream(Stream):
    """``Stream`` with the disconnect watch above; everything else is Litestar's."""

    def to_asgi_response(self, *args: Any, **kwargs: Any) -> ASGIResponse:
        response = super().to_asgi_response(*args, **kwargs)
        # Same slots, one method changed: rebuilding it would copy Litestar's header logic.
        response.__class__ = _LeanASGIStream
        return response


class AfterStream(BackgroundTask):
    """What runs once a stream's response is over, its client gone or not: a coroutine function
    of no arguments. Litestar's own ``BackgroundTask`` asks ``inspect`` whether its function is
    a coroutine function (some fifteen calls per response); this one is known to be. Litestar only
    calls a response's background task, so its own slots are left unset."""

    __slots__ = ("_then",)

    def __init__(self, fn: Callable[[], Awaitable[object]]) -> None:
        self._then = fn

    async def __call__(self) -> None:
        await self._then()
