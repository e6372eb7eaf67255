"""httpx_aiohttp's transport, each body read through aiohttp's own iterator object.

httpx_aiohttp reads a body in an async generator, and httpx adds two more (its client's stream,
the response's ``aiter_raw``). A provider's stream is closed at its ``[DONE]``, before its body's
end, and an async generator dropped while suspended is closed by the event loop's finalizer
hook: a wake-up of the loop (two system calls) and a task, for each of the three, on every
streamed call. Here the body is aiohttp's iterator (an object: nothing to finalize), its errors
mapped as httpx_aiohttp maps them, and ``raw_chunks`` reads ``response.stream`` itself, whose one
generator (httpx's client's) the reader closes (``close_chunks``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
from httpx_aiohttp import AiohttpTransport
from httpx_aiohttp.transport import AiohttpResponseStream, map_aiohttp_exceptions


class _Chunks:
    __slots__ = ("_chunks",)

    def __init__(self, chunks: AsyncIterator[bytes]) -> None:
        self._chunks = chunks

    def __aiter__(self) -> _Chunks:
        return self

    async def __anext__(self) -> bytes:
        try:
            return await self._chunks.__anext__()
        except StopAsyncIteration:
            raise
        except Exception:
            with map_aiohttp_exceptions():  # only a failure pays for the mapping
                raise


class _IteratedBody(AiohttpResponseStream):
    def __aiter__(self) -> AsyncIterator[bytes]:
        return _Chunks(self._aiohttp_response.content.iter_chunked(self.CHUNK_SIZE))


class LeanAiohttpTransport(AiohttpTransport):
    """``AiohttpTransport`` whose responses' bodies are read by ``_IteratedBody``."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await super().handle_async_request(request)
        if type(response.stream) is AiohttpResponseStream:
            # The same object and state, one method changed (as ``LeanStream`` does): building
            # a new one would reach into the library's private attribute from outside.
            response.stream.__class__ = _IteratedBody
        return response
