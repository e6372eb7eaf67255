"""Issue 13 item 2: one slow origin cannot take a client's whole connection pool, and a user's
server that goes quiet mid-stream is given up sooner than a public provider.

Real sockets on 127.0.0.1, both transports and the guarded client of user-supplied base URLs;
a pool of four connections, at most two to one origin. Four requests to a server that stalls
leave two connections for another server (without the per-origin limit they took all four and
the other server's call failed with a pool timeout).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence

import httpx
import pytest

from adapters.llm import OpenAiCompatibleProvider, RetryPolicy, SsrfGuard
from adapters.llm.clients import build_guarded_http_client, build_http_client
from adapters.llm.pinning import pin
from domain.api_key import ApiKey
from domain.errors import ProviderTimeout
from domain.llm import ChatMessage, CompletionChunk, CompletionRequest, Role
from tests.support.llm_local_server import Handler, LocalServer, SeenRequest
from tests.support.slow_upstream import MODEL, OPENING, quick, stalling

POOL = httpx.Limits(max_connections=4, max_keepalive_connections=4)
KEY = ApiKey("sk-local-origin-limits-0123456789")
REQUEST = CompletionRequest(MODEL, (ChatMessage(Role.USER, "hi"),))


@pytest.fixture(params=["aiohttp", "httpx", "guarded"])
async def client(request: pytest.FixtureRequest) -> AsyncIterator[httpx.AsyncClient]:
    kind = request.param
    built = (
        build_guarded_http_client(limits=POOL, per_origin=2)
        if kind == "guarded"
        else build_http_client(kind, limits=POOL, per_origin=2)
    )
    async with built:
        yield built


def counted(handler: Handler, count: int, reached: asyncio.Event) -> Handler:
    """``handler``, setting ``reached`` once it has been called ``count`` times."""
    calls = 0

    async def wrapped(request: SeenRequest, writer: asyncio.StreamWriter) -> None:
        nonlocal calls
        calls += 1
        if calls >= count:
            reached.set()
        await handler(request, writer)

    return wrapped


async def collect(stream: AsyncIterator[CompletionChunk], into: list[str]) -> None:
    async for chunk in stream:
        into.append(chunk.delta)


async def test_a_stalled_origin_leaves_connections_for_another_origin(
    client: httpx.AsyncClient,
) -> None:
    two_stalled = asyncio.Event()
    async with (
        LocalServer(counted(stalling(), 2, two_stalled)) as slow,
        LocalServer(quick) as fast,
    ):
        pins = (
            pin("127.0.0.1", slow.port, ("127.0.0.1",)),
            pin("127.0.0.1", fast.port, ("127.0.0.1",)),
        )
        with pins[0], pins[1]:
            generous = httpx.Timeout(5.0, pool=60.0)
            hung = [
                asyncio.create_task(
                    client.send(
                        client.build_request(
                            "POST", f"{slow.url}/v1/chat/completions", timeout=generous
                        ),
                        stream=True,
                    )
                )
                for _ in range(4)
            ]
            # A safety net so a regression fails instead of hanging; not a timing assertion.
            await asyncio.wait_for(two_stalled.wait(), timeout=10)
            answered = await client.get(
                f"{fast.url}/v1/models", timeout=httpx.Timeout(5.0, pool=2.0)
            )
            assert answered.status_code == 200
            assert len(slow.requests) == 2, "the other two wait for a place at their origin"
            for task in hung:
                task.cancel()
            for done in await asyncio.gather(*hung, return_exceptions=True):
                if isinstance(done, httpx.Response):
                    await done.aclose()


async def test_a_place_comes_back_when_a_response_is_closed(client: httpx.AsyncClient) -> None:
    async with LocalServer(quick) as fast:
        with pin("127.0.0.1", fast.port, ("127.0.0.1",)):
            for _ in range(6):  # three times the origin's places, one after another
                response = await client.get(
                    f"{fast.url}/v1/models", timeout=httpx.Timeout(5.0, pool=2.0)
                )
                assert response.status_code == 200


async def _public(host: str, port: int) -> Sequence[str]:
    return ["127.0.0.1"]


async def no_sleep(_: float) -> None:
    return None


def compatible(idle: float) -> Callable[[httpx.AsyncClient], OpenAiCompatibleProvider]:
    def make(client: httpx.AsyncClient) -> OpenAiCompatibleProvider:
        guard = SsrfGuard(allow_private=True, resolver=_public)
        retry = RetryPolicy(sleep=no_sleep)
        return OpenAiCompatibleProvider(client, guard, retry=retry, stream_idle=idle)

    return make


async def test_a_user_server_silent_mid_stream_is_given_up_after_the_idle_limit() -> None:
    """It pings (SSE comments) so the socket never goes quiet: only the idle limit between
    events can end the call before the 10-minute stream deadline."""
    async with build_guarded_http_client() as client, LocalServer(stalling(0.02)) as server:
        provider = compatible(0.3)(client)
        received: list[str] = []
        stream = provider.stream(KEY, REQUEST, base_url=f"{server.url}/v1")
        with pytest.raises(ProviderTimeout, match=r"sent nothing for 0\.3 s"):
            await collect(stream, received)
        assert "".join(received) == "Thinking"


async def test_the_first_event_may_take_longer_than_the_idle_limit() -> None:
    """A model loading or thinking before its first token is not a stall."""

    async def slow_start(request: SeenRequest, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\r\n")
        await writer.drain()
        await asyncio.sleep(0.5)
        writer.write(OPENING.encode() + b"data: [DONE]\n\n")
        await writer.drain()
        writer.close()

    async with build_guarded_http_client() as client, LocalServer(slow_start) as server:
        provider = compatible(0.2)(client)
        pieces = [c.delta async for c in provider.stream(KEY, REQUEST, base_url=f"{server.url}/v1")]
        assert "".join(pieces) == "Thinking"
