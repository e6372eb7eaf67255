"""A provider call's objects are freed by reference counting when it ends, not left in a cycle
for the garbage collector: answered, streamed or refused, on either transport (why it matters:
``adapters/llm/_bodies.close_response``). A closed response's body is not read again."""

from __future__ import annotations

import asyncio
import gc
import json
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager

import httpx
import pytest

from adapters.llm._bodies import close_response, raw_chunks
from adapters.llm.clients import TransportName, build_http_client
from adapters.llm.openai import OpenAiProvider
from domain.api_key import ApiKey
from domain.errors import ProviderError
from domain.llm import ChatMessage, CompletionRequest, Role
from tests.support.llm_local_server import LocalServer, SeenRequest, response_bytes

KEY = ApiKey("sk-canary-garbage-0123456789")
REQUEST = CompletionRequest(model="gpt-4o-mini", messages=(ChatMessage(Role.USER, "hi"),))
COMPLETION = json.dumps(
    {
        "id": "c1",
        "model": "gpt-4o-mini",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello"}}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 1},
    }
).encode()
EVENTS = (
    b'data: {"choices":[{"index":0,"delta":{"content":"Hel"}}]}\n\n'
    b'data: {"choices":[{"index":0,"delta":{"content":"lo"},"finish_reason":"stop"}]}\n\n'
    b'data: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2}}\n\n'
    b"data: [DONE]\n\n"
)
STREAM = (
    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
    + b"%x\r\n%s\r\n0\r\n\r\n" % (len(EVENTS), EVENTS)
)
REFUSED = json.dumps({"error": {"message": "bad", "type": "invalid_request_error"}}).encode()


async def provider_side(request: SeenRequest, writer: asyncio.StreamWriter) -> None:
    if b'"stream":true' in request.body:
        writer.write(STREAM)
    elif b"refuse" in request.body:
        writer.write(response_bytes(400, REFUSED))
    else:
        writer.write(response_bytes(200, COMPLETION))
    await writer.drain()


@contextmanager
def collector_finds() -> Iterator[list[str]]:
    """The types (module and name) of what only the collector could free, made inside."""
    gc.collect()
    gc.disable()
    found: list[str] = []
    try:
        yield found
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        found += sorted({f"{type(o).__module__}.{type(o).__qualname__}" for o in gc.garbage})
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()


async def answered(provider: OpenAiProvider) -> None:
    assert (await provider.complete(KEY, REQUEST)).text == "Hello"


async def streamed(provider: OpenAiProvider) -> None:
    assert [c.delta async for c in provider.stream(KEY, REQUEST)] == ["Hel", "lo", ""]


async def refused(provider: OpenAiProvider) -> None:
    with pytest.raises(ProviderError):
        await provider.complete(KEY, CompletionRequest(model="refuse", messages=REQUEST.messages))


@pytest.mark.parametrize("call", [answered, streamed, refused])
@pytest.mark.parametrize("transport", ["aiohttp", "httpx"])
async def test_a_provider_call_leaves_nothing_to_the_garbage_collector(
    transport: TransportName, call: Callable[[OpenAiProvider], Awaitable[None]]
) -> None:
    async with LocalServer(provider_side) as server, build_http_client(transport) as client:
        provider = OpenAiProvider(client, f"{server.url}/v1")
        await call(provider)  # the pool's connection, opened once: not the call's own objects
        with collector_finds() as found:
            for _ in range(5):
                await call(provider)
    outbound = [
        name for name in found if name.startswith(("httpx", "httpcore", "aiohttp", "adapters"))
    ]
    assert outbound == []


async def test_a_closed_response_s_body_is_not_read_again() -> None:
    async with LocalServer(provider_side) as server, build_http_client("aiohttp") as client:
        response = await client.send(client.build_request("GET", server.url), stream=True)
        await close_response(response)
        with pytest.raises(httpx.StreamClosed):
            raw_chunks(response)
