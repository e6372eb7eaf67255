"""Reading a provider's reply body: as sent, capped, never decompressed.

Every request asks for ``Accept-Encoding: identity``; a reply in any other ``Content-Encoding``
is refused unread. Decompressing first and capping after let a 1 MiB gzip body that inflates
to 1 GiB cost 0.3 s of event-loop CPU and +128 MiB of peak memory per call on the httpx
transport (the one user-supplied base URLs use) before the cap applied: httpx inflates each
network chunk whole. Refused unread: 0.005 s, +0.1 MiB (tests/bench/gzip_bomb.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import cast

import httpx

from adapters.llm._errors import ProviderErrorMapper

_SPENT = httpx.ByteStream(b"")  # a closed response's stream: ``raw_chunks`` refuses to read it

COMPRESSED = (
    "the provider sent a compressed body (a Content-Encoding other than identity, which BYOM "
    "asks for); it was refused unread"
)


def is_compressed(response: httpx.Response) -> bool:
    encoding: str = response.headers.get("content-encoding", "")
    return encoding.strip().lower() not in ("", "identity")


def is_json(response: httpx.Response) -> bool:
    content_type: str = response.headers.get("content-type", "")
    return content_type.split(";")[0].strip().endswith("json")


def raw_chunks(response: httpx.Response) -> AsyncIterator[bytes]:
    """The body as sent (identity: nothing to decode), read from its stream itself: httpx's
    ``aiter_raw`` would add a generator of its own, which a reader stopping before the body's
    end leaves to the event loop to close (``lean_aiohttp``: on the aiohttp transport nothing
    is left then; httpx's own transport still leaves its generators, as it always did); close
    this with ``close_chunks``.
    A response built whole in memory (a test double, httpx reads ``content=`` at once) has no
    raw stream left: its content is it."""
    if response.is_stream_consumed:
        return _one(response.content)
    if response.is_closed:  # its stream is spent (``close_response``): nothing to read
        raise httpx.StreamClosed()
    return aiter(cast(httpx.AsyncByteStream, response.stream))  # an AsyncClient's: async


async def close_response(response: httpx.Response) -> None:
    """Closes ``response`` and unlinks it from its stream. httpx's client binds the two to each
    other (``BoundAsyncStream``): a cycle that only the garbage collector frees, with the
    request, both sides' headers and aiohttp's response hanging off it, about 30 objects a
    call. Left to the collector, they made it run every 200 or so calls (its passes cost a
    worker 40-100 us of CPU per call); unlinked, reference counting frees them at once."""
    try:
        await response.aclose()
    finally:
        response.stream = _SPENT


async def close_chunks(chunks: AsyncIterator[bytes]) -> None:
    """Closes what ``raw_chunks`` returned, here and now, if it is a generator."""
    aclose = getattr(chunks, "aclose", None)
    if aclose is not None:
        await aclose()


async def _one(content: bytes) -> AsyncIterator[bytes]:
    yield content


async def read_capped(response: httpx.Response, limit: int, errors: ProviderErrorMapper) -> bytes:
    """The body as it came off the wire, refused past ``limit`` bytes or when compressed."""
    if is_compressed(response):
        raise errors.protocol(COMPRESSED)
    declared = response.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise errors.protocol("the response body is larger than allowed")
    buf = bytearray()
    chunks = raw_chunks(response)
    try:
        async for chunk in chunks:
            buf += chunk
            if len(buf) > limit:
                raise errors.protocol("the response body is larger than allowed")
    finally:
        await close_chunks(chunks)
    return bytes(buf)
