"""A provider's stream, read to its ``[DONE]`` and closed, leaves nothing for the event loop to
close later on the aiohttp transport (the one the operator's providers use); one stopped early
gives its connection back on either transport.

An async generator dropped while suspended is closed by the loop's finalizer hook: a wake-up of
the loop from "another thread" (two system calls) and a task, for each. The body used to be read
through three (httpx's ``aiter_raw``, its client's stream, httpx_aiohttp's stream), and a stream
is closed at its ``[DONE]``, before its body's end: three per streamed call.
"""

from __future__ import annotations

import asyncio
import gc
import sys
import time
from collections.abc import AsyncGenerator, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from adapters.llm.clients import TransportName, build_http_client
from adapters.llm.openai import OpenAiProvider
from application.llm._provider_stream import ProviderStream
from application.llm._stream_state import OpenedStream
from domain.api_key import ApiKey
from domain.errors import DomainError, ProviderError
from domain.llm import ChatMessage, CompletionChunk, CompletionRequest, Reply, Role, Usage
from tests.support.llm_local_server import LocalServer, SeenRequest

KEY = ApiKey("sk-canary-stream-close-0123456789")
REQUEST = CompletionRequest(model="gpt-4o-mini", messages=(ChatMessage(Role.USER, "hi"),))
HEAD = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
EVENTS = (
    b'data: {"choices":[{"index":0,"delta":{"content":"Hel"}}]}\n\n'
    b'data: {"choices":[{"index":0,"delta":{"content":"lo"},"finish_reason":"stop"}]}\n\n'
    b'data: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2}}\n\n'
    b"data: [DONE]\n\n"
)
BODY = b"%x\r\n%s\r\n" % (len(EVENTS), EVENTS)
END = b"0\r\n\r\n"


@contextmanager
def finalized_by_the_loop() -> Iterator[list[str]]:
    """The async generators the running loop's finalizer hook is handed (by name)."""
    firstiter, finalizer = sys.get_asyncgen_hooks()
    assert finalizer is not None
    seen: list[str] = []

    def counting(agen: AsyncGenerator[Any, Any]) -> None:
        seen.append(getattr(agen, "ag_code").co_qualname)  # noqa: B009 (typeshed lacks it)
        finalizer(agen)

    sys.set_asyncgen_hooks(firstiter, counting)
    try:
        yield seen
    finally:
        sys.set_asyncgen_hooks(firstiter, finalizer)


async def stream_through(server: LocalServer) -> list[CompletionChunk]:
    async with build_http_client("aiohttp") as client:
        provider = OpenAiProvider(client, f"{server.url}/v1")
        chunks = [chunk async for chunk in provider.stream(KEY, REQUEST)]
        gc.collect()
        await asyncio.sleep(0)  # what the finalizer scheduled would run now
    return chunks


async def test_a_stream_read_to_its_end_leaves_no_generator_to_the_loop() -> None:
    async def whole(request: SeenRequest, writer: asyncio.StreamWriter) -> None:
        writer.write(HEAD + BODY + END)
        await writer.drain()

    async with LocalServer(whole) as server:
        with finalized_by_the_loop() as finalized:
            chunks = await stream_through(server)
    assert [c.delta for c in chunks] == ["Hel", "lo", ""]
    assert chunks[-1].usage is not None
    assert finalized == []


async def test_a_stream_ends_at_its_done_event_without_waiting_for_the_body_to_end() -> None:
    """The body's end comes 5 s after ``[DONE]``: the reply is complete at ``[DONE]``."""
    release = asyncio.Event()

    async def late_end(request: SeenRequest, writer: asyncio.StreamWriter) -> None:
        writer.write(HEAD + BODY)
        await writer.drain()
        try:
            await asyncio.wait_for(release.wait(), 5.0)
        except TimeoutError:
            pytest.fail("the client waited for the body's end")
        writer.write(END)

    async with LocalServer(late_end) as server:
        started = time.monotonic()
        with finalized_by_the_loop() as finalized:
            chunks = await stream_through(server)
        release.set()
    assert time.monotonic() - started < 4.0
    assert [c.delta for c in chunks] == ["Hel", "lo", ""]
    assert finalized == []


@pytest.mark.parametrize("transport", ["httpx", "aiohttp"])
async def test_streams_stopped_early_give_their_connections_back(transport: TransportName) -> None:
    """Three consumers in a row stop after the first piece of a stream that is still coming,
    through a pool of two connections: each stream's close gives its connection back. (Keeping
    such a stream closes the provider's response, which on httpx enters httpcore's cancel
    scope: started in the consumer's turn and finished in a task, it left the connection busy
    in the pool, and the third stream waited for one in vain.)"""

    async def still_coming(request: SeenRequest, writer: asyncio.StreamWriter) -> None:
        first = b'data: {"choices":[{"index":0,"delta":{"content":"Hel"}}]}\n\n'
        writer.write(HEAD + b"%x\r\n%s\r\n" % (len(first), first))
        await writer.drain()
        await asyncio.sleep(30)

    async def keep(reply: Reply, usage: Usage | None) -> str:
        return reply.text

    async def translate(error: ProviderError) -> DomainError:
        return error

    limits = httpx.Limits(max_connections=2)
    async with (
        LocalServer(still_coming) as server,
        build_http_client(transport, limits=limits, timeout=httpx.Timeout(5.0, pool=1.0)) as client,
    ):
        provider = OpenAiProvider(client, f"{server.url}/v1")

        async def open_() -> OpenedStream[str]:
            return OpenedStream(provider.stream(KEY, REQUEST), translate, keep)

        kept = []
        for _ in range(3):
            stream = ProviderStream(open_, keep_alive=set(), eager_keep=True)
            async with stream:
                async for _piece in stream:
                    break
            kept.append(stream.result)
    assert kept == ["Hel", "Hel", "Hel"]
