"""Issue 13 item 3: a provider's compressed body is refused unread, never inflated.

A gzip body of about 64 KiB that inflates to 64 MiB (the red team used 1 MiB → 1 GiB:
0.5 s of event-loop CPU and +130 MB per call before the size cap applied;
``tests/bench/gzip_bomb.py`` measures it) comes back from a stand-in on 127.0.0.1, on both
transports and through the guarded client of user-supplied base URLs. Every call asks for
``Accept-Encoding: identity`` and gets a protocol error saying why; nothing is decompressed.
"""

from __future__ import annotations

import asyncio
import json
import zlib
from collections.abc import AsyncIterator, Sequence
from typing import Any

import httpx
import pytest
from tests.support.llm_local_server import LocalServer, SeenRequest, response_bytes

from adapters.llm import OpenAiCompatibleProvider, OpenAiProvider, RetryPolicy, SsrfGuard
from adapters.llm.clients import build_guarded_http_client, build_http_client
from domain.api_key import ApiKey
from domain.errors import ProviderProtocolError, ProviderRateLimited
from domain.llm import ChatMessage, CompletionRequest, Role
from domain.ports import LlmProvider

KEY = ApiKey("sk-proj-compressed-0123456789abcdef")
REQUEST = CompletionRequest("gpt-4o-mini", (ChatMessage(Role.USER, "hi"),))
INFLATED = 64 * 1024 * 1024


def bomb(size: int = INFLATED) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip framing
    zeros = bytes(1024 * 1024)
    return b"".join([*(packer.compress(zeros) for _ in range(size // len(zeros))), packer.flush()])


BOMB = bomb()


def compressed(status: int, content_type: str, body: bytes = BOMB, **headers: str) -> Any:
    async def handler(request: SeenRequest, writer: asyncio.StreamWriter) -> None:
        extra = {"content-encoding": "gzip", "content-type": content_type, **headers}
        writer.write(response_bytes(status, body, extra))
        await writer.drain()

    return handler


async def _public(host: str, port: int) -> Sequence[str]:
    return ["127.0.0.1"]


async def no_sleep(_: float) -> None:
    return None


@pytest.fixture(params=["aiohttp", "httpx", "guarded"])
async def provider(request: pytest.FixtureRequest) -> AsyncIterator[tuple[str, Any]]:
    """(kind, make(server url) -> provider) for each client BYOM builds."""
    kind = request.param
    retry = RetryPolicy(sleep=no_sleep)
    client = build_guarded_http_client() if kind == "guarded" else build_http_client(kind)
    async with client:

        def make(url: str) -> LlmProvider:
            if kind == "guarded":
                guard = SsrfGuard(allow_private=True, resolver=_public)
                return OpenAiCompatibleProvider(client, guard, retry=retry)
            return OpenAiProvider(client, f"{url}/v1", retry=retry)

        yield kind, make


def base_url(kind: str, server: LocalServer) -> str | None:
    return f"{server.url}/v1" if kind == "guarded" else None


async def test_a_compressed_completion_is_refused_unread(provider: tuple[str, Any]) -> None:
    kind, make = provider
    async with LocalServer(compressed(200, "application/json")) as server:
        with pytest.raises(ProviderProtocolError, match="compressed body"):
            await make(server.url).complete(KEY, REQUEST, base_url=base_url(kind, server))
        assert server.requests[0].headers["accept-encoding"] == "identity"


async def test_a_compressed_stream_is_refused_unread(provider: tuple[str, Any]) -> None:
    kind, make = provider
    async with LocalServer(compressed(200, "text/event-stream")) as server:
        with pytest.raises(ProviderProtocolError, match="compressed body"):
            async for _ in make(server.url).stream(KEY, REQUEST, base_url=base_url(kind, server)):
                pass
        assert server.requests[0].headers["accept-encoding"] == "identity"


async def test_a_compressed_model_list_is_refused_unread(provider: tuple[str, Any]) -> None:
    kind, make = provider
    async with LocalServer(compressed(200, "application/json")) as server:
        with pytest.raises(ProviderProtocolError, match="compressed body"):
            await make(server.url).list_models(KEY, base_url=base_url(kind, server))


async def test_a_compressed_error_body_is_not_read_and_the_status_decides(
    provider: tuple[str, Any],
) -> None:
    kind, make = provider
    error = json.dumps({"error": {"message": "slow down", "type": "rate_limit"}}).encode()
    handler = compressed(429, "application/json", zlib.compress(error), **{"retry-after": "30"})
    async with LocalServer(handler) as server:
        with pytest.raises(ProviderRateLimited) as raised:
            await make(server.url).complete(KEY, REQUEST, base_url=base_url(kind, server))
        assert "slow down" not in raised.value.message


async def test_an_identity_encoding_is_read_as_usual(provider: tuple[str, Any]) -> None:
    kind, make = provider
    body = json.dumps({"object": "list", "data": [{"id": "gpt-4o-mini", "object": "model"}]})

    async def handler(request: SeenRequest, writer: asyncio.StreamWriter) -> None:
        writer.write(response_bytes(200, body.encode(), {"content-encoding": "identity"}))
        await writer.drain()

    async with LocalServer(handler) as server:
        models = await make(server.url).list_models(KEY, base_url=base_url(kind, server))
        assert [m.id for m in models] == ["gpt-4o-mini"]


def test_httpx_would_inflate_the_body_the_adapters_refuse() -> None:
    """The reproduction's premise: httpx decodes gzip on ``aiter_bytes``, a network chunk at a
    time, whole (what cost the CPU and memory before the adapters read raw bytes)."""
    size = 4 * 1024 * 1024
    decoded = httpx.Response(200, content=bomb(size), headers={"content-encoding": "gzip"})
    assert len(decoded.read()) == size
