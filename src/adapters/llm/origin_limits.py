"""At most N requests in flight to any one origin, for transports whose pool only has a total.

httpx's ``Limits`` (and so the httpcore pool the guarded client uses) bound the connections of a
whole client, not per host; aiohttp's ``TCPConnector(limit_per_host=...)`` does, and the aiohttp
transport uses that instead. Without it, one slow origin (a user's own server that streams one
token a minute) could take every connection of the pool that all user-supplied base URLs share.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import httpx

Origin = tuple[str, str, int | None]


@dataclass(slots=True)
class _Gate:
    places: asyncio.Semaphore
    users: int = 0


@dataclass(slots=True)
class OriginLimitedTransport(httpx.AsyncBaseTransport):
    """Each request holds a place for its origin (scheme, host, port) from before it is sent
    until its response is closed. Waiting for a place counts against the request's pool
    timeout (``httpx.PoolTimeout`` past it), like waiting for a connection."""

    inner: httpx.AsyncBaseTransport
    per_origin: int
    _gates: dict[Origin, _Gate] = field(default_factory=dict)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        origin = (request.url.scheme, request.url.host, request.url.port)
        gate = self._gates.get(origin)
        if gate is None:
            gate = self._gates[origin] = _Gate(asyncio.Semaphore(self.per_origin))
        gate.users += 1
        holding = False

        def leave() -> None:
            if holding:
                gate.places.release()
            gate.users -= 1
            if gate.users == 0 and self._gates.get(origin) is gate:
                del self._gates[origin]  # origins nobody calls take no room

        release = _once(leave)
        try:
            pool_timeout = request.extensions.get("timeout", {}).get("pool")
            try:
                async with asyncio.timeout(pool_timeout):
                    await gate.places.acquire()
            except TimeoutError:
                raise httpx.PoolTimeout(
                    "no place for this origin was free in time", request=request
                ) from None
            holding = True
            response = await self.inner.handle_async_request(request)
        except BaseException:
            release()
            raise
        stream = response.stream
        if not isinstance(stream, httpx.AsyncByteStream):  # an async transport gives one
            release()
            raise TypeError("an async transport answered with a synchronous body")
        response.stream = _Releasing(stream, release)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


class _Releasing(httpx.AsyncByteStream):
    """The response's body; closing it gives its origin's place back."""

    def __init__(self, inner: httpx.AsyncByteStream, release: Callable[[], None]) -> None:
        self._inner = inner
        self._release = release

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._inner:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._inner.aclose()
        finally:
            self._release()


def _once(action: Callable[[], None]) -> Callable[[], None]:
    done = False

    def run() -> None:
        nonlocal done
        if not done:
            done = True
            action()

    return run
