"""The client factory against a real server on 127.0.0.1, for both transports.

Redirects, timeouts (read, connect, total deadline), refused and dropped connections, proxy
variables and logger levels behave the same whichever transport the operator picks.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
import ssl
from collections.abc import AsyncIterator, Iterator

import aiohttp
import httpx
import pytest

from adapters.llm import OpenAiProvider, RetryPolicy
from adapters.llm._errors import ProviderErrorMapper
from adapters.llm._http import ProviderHttp
from adapters.llm._policy import CallSpec
from adapters.llm.clients import (
    TransportFault,
    TransportName,
    build_guarded_http_client,
    build_http_client,
    classify_transport_error,
)
from adapters.llm.openai import read_openai_error
from adapters.llm.openai_wire import ModelList
from adapters.llm.pinning import pin
from adapters.llm.sse import SseEvent
from domain.api_key import ApiKey
from domain.errors import ProviderProtocolError, ProviderTimeout, ProviderUnavailable
from domain.llm import ChatMessage, CompletionChunk, CompletionRequest, Role
from tests.support.llm_local_server import Handler, LocalServer, SeenRequest, answer, response_bytes

KEY = ApiKey("sk-canary-clients-0123456789abcdef")
MODELS = json.dumps({"object": "list", "data": [{"id": "gpt-4.1-mini", "object": "model"}]})
TRANSPORTS: list[TransportName] = ["httpx", "aiohttp"]


@pytest.fixture(params=TRANSPORTS)
async def client(request: pytest.FixtureRequest) -> AsyncIterator[httpx.AsyncClient]:
    async with build_http_client(request.param) as built:
        yield built


async def collect(stream: AsyncIterator[CompletionChunk], into: list[CompletionChunk]) -> None:
    async for piece in stream:
        into.append(piece)


def no_wait() -> tuple[RetryPolicy, list[float]]:
    sleeps: list[float] = []

    async def record(delay: float) -> None:
        sleeps.append(delay)

    return RetryPolicy(sleep=record), sleeps


def fast_http(client: httpx.AsyncClient) -> tuple[ProviderHttp, list[float]]:
    """The shared policy with retries recorded instead of waited for."""
    retry, sleeps = no_wait()
    mapper = ProviderErrorMapper("openai", "OpenAI")
    return ProviderHttp(client, mapper, read_openai_error, retry), sleeps


def spec(**overrides: float | int | bool | None) -> CallSpec:
    fields: dict[str, float | int | bool | None] = {
        "max_retries": 1,
        "read_timeout": 5.0,
        "deadline": 10.0,
        "names_model": False,
    }
    fields.update(overrides)
    return CallSpec("test", **fields)  # type: ignore[arg-type]


async def test_a_request_round_trips(client: httpx.AsyncClient) -> None:
    async with LocalServer(answer(200, MODELS.encode())) as server:
        provider = OpenAiProvider(client, f"{server.url}/v1")
        assert [m.id for m in await provider.list_models(KEY)] == ["gpt-4.1-mini"]
        seen = server.requests[0]
        assert seen.headers["authorization"] == f"Bearer {KEY.reveal()}"
        assert seen.target == "/v1/models"


async def test_redirects_are_not_followed(client: httpx.AsyncClient) -> None:
    async with LocalServer(answer(200, MODELS.encode())) as elsewhere:
        target = f"{elsewhere.url}/v1/models"
        async with LocalServer(answer(307, b"", {"location": target})) as server:
            retry, _ = no_wait()
            provider = OpenAiProvider(client, f"{server.url}/v1", retry=retry)
            with pytest.raises(ProviderProtocolError):
                await provider.list_models(KEY)
            assert len(server.requests) == 1
        assert elsewhere.requests == []


def _slow(delay: float) -> Handler:
    async def handler(request: SeenRequest, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(delay)
        writer.write(response_bytes(200, MODELS.encode()))
        await writer.drain()

    return handler


async def _trickle(request: SeenRequest, writer: asyncio.StreamWriter) -> None:
    body = MODELS.encode()
    writer.write(response_bytes(200, body)[: -len(body)])
    for byte in body:
        writer.write(bytes([byte]))
        await writer.drain()
        await asyncio.sleep(0.05)


async def test_a_read_timeout_is_provider_timeout_and_not_retried(
    client: httpx.AsyncClient,
) -> None:
    async with LocalServer(_slow(3.0)) as server:
        http, retries = fast_http(client)
        with pytest.raises(ProviderTimeout):
            await http.request_json(
                "GET",
                f"{server.url}/v1/models",
                ModelList,
                key=KEY,
                headers={},
                call=spec(read_timeout=0.3),
            )
        assert len(server.requests) == 1
        assert retries == []  # the request was sent: it may be billed, so it is not repeated


async def test_the_total_deadline_stops_a_slow_drip(client: httpx.AsyncClient) -> None:
    """Every byte comes well within the read timeout, so only the deadline can end the call
    before the whole body arrives (which would return the models instead of raising)."""
    async with LocalServer(_trickle) as server:
        http, retries = fast_http(client)
        with pytest.raises(ProviderTimeout):
            await http.request_json(
                "GET",
                f"{server.url}/v1/models",
                ModelList,
                key=KEY,
                headers={},
                call=spec(read_timeout=1.0, deadline=0.5),
            )
        assert len(server.requests) == 1
        assert retries == []  # the deadline is final


@contextlib.contextmanager
def unanswered_port() -> Iterator[int]:
    """A port whose listen backlog is full, so new connections hang in SYN (connect timeout)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    try:
        for _ in range(8):
            filler = socket.socket()
            filler.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                filler.connect(("127.0.0.1", port))
            fillers.append(filler)
        yield port
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


async def test_a_connect_timeout_is_retried_then_provider_timeout(
    client: httpx.AsyncClient,
) -> None:
    with unanswered_port() as port:
        call = spec(read_timeout=1.0, deadline=5.0, connect_timeout=0.3, pool_timeout=0.3)
        http, retries = fast_http(client)
        with pytest.raises(ProviderTimeout):
            await http.request_json(
                "GET",
                f"http://127.0.0.1:{port}/v1/models",
                ModelList,
                key=KEY,
                headers={},
                call=call,
            )
        assert len(retries) == call.max_retries  # nothing was sent: retried, then reported


async def test_a_refused_connection_is_retried_then_unavailable(client: httpx.AsyncClient) -> None:
    retry, sleeps = no_wait()
    provider = OpenAiProvider(client, "http://127.0.0.1:1/v1", retry=retry)
    with pytest.raises(ProviderUnavailable):
        await provider.list_models(KEY)
    assert len(sleeps) == 2  # list_models: at most 2 retries


async def test_a_connection_dropped_mid_stream_yields_what_arrived(
    client: httpx.AsyncClient,
) -> None:
    def chunk(text: str) -> str:
        return "data: " + json.dumps({"choices": [{"index": 0, "delta": {"content": text}}]})

    async def handler(request: SeenRequest, writer: asyncio.StreamWriter) -> None:
        events = f"{chunk('Hel')}\n\n{chunk('lo')}\n\n".encode()
        head = (
            "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
            "transfer-encoding: chunked\r\n\r\n"
        )
        writer.write(head.encode() + f"{len(events):x}\r\n".encode() + events + b"\r\n")
        await writer.drain()
        await asyncio.sleep(0.05)
        writer.transport.abort()

    async with LocalServer(handler) as server:
        retry, _ = no_wait()
        provider = OpenAiProvider(client, f"{server.url}/v1", retry=retry)
        request = CompletionRequest(model="gpt-4.1-mini", messages=(ChatMessage(Role.USER, "hi"),))
        received: list[CompletionChunk] = []
        with pytest.raises(ProviderUnavailable):
            await collect(provider.stream(KEY, request), received)
        assert [c.delta for c in received] == ["Hel", "lo"]
        assert len(server.requests) == 1


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_proxy_variables_are_ignored(
    transport: TransportName, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in (
        "HTTPS_PROXY",
        "HTTP_PROXY",
        "ALL_PROXY",
        "https_proxy",
        "http_proxy",
        "all_proxy",
    ):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    async with LocalServer(answer(200, MODELS.encode())) as server:
        async with build_http_client(transport) as client:
            provider = OpenAiProvider(client, f"{server.url}/v1")
            assert [m.id for m in await provider.list_models(KEY)] == ["gpt-4.1-mini"]
        assert server.requests[0].target == "/v1/models"


def test_the_factory_keeps_httpx_loggers_at_warning() -> None:
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    build_http_client("httpx")
    assert logging.getLogger("httpx").level == logging.WARNING
    assert logging.getLogger("httpcore").level == logging.WARNING


def test_the_factory_refuses_an_unknown_transport() -> None:
    with pytest.raises(ValueError, match="transport"):
        build_http_client("curl")  # type: ignore[arg-type]


async def test_a_stalled_stream_times_out_after_what_arrived(client: httpx.AsyncClient) -> None:
    async def handler(request: SeenRequest, writer: asyncio.StreamWriter) -> None:
        event = b'data: {"choices": [{"index": 0, "delta": {"content": "Hel"}}]}\n\n'
        head = (
            "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
            "transfer-encoding: chunked\r\n\r\n"
        )
        writer.write(head.encode() + f"{len(event):x}\r\n".encode() + event + b"\r\n")
        await writer.drain()
        await asyncio.sleep(5)

    async with LocalServer(handler) as server:
        http, retries = fast_http(client)
        events = http.stream_events(
            f"{server.url}/v1/chat/completions",
            {"stream": True},
            key=KEY,
            headers={},
            call=spec(read_timeout=0.3, deadline=10.0),
        )
        received: list[SseEvent] = []
        with pytest.raises(ProviderTimeout):
            await collect_events(events, received)
        assert [e.data for e in received] == [
            '{"choices": [{"index": 0, "delta": {"content": "Hel"}}]}'
        ]
        assert len(server.requests) == 1
        assert retries == []  # never retried after the first event


async def collect_events(events: AsyncIterator[SseEvent], into: list[SseEvent]) -> None:
    async for event in events:
        into.append(event)


def _caused_by(cause: BaseException) -> httpx.ConnectTimeout:
    """What the aiohttp transport raises for most connection errors: the real one underneath."""
    wrapper = httpx.ConnectTimeout("wrapped")
    wrapper.__cause__ = cause
    return wrapper


@pytest.mark.parametrize(
    ("exc", "kind", "sent"),
    [
        (ssl.SSLError("bad certificate"), "tls", False),
        (_caused_by(ssl.SSLError("bad certificate")), "tls", False),
        (_caused_by(aiohttp.ConnectionTimeoutError()), "timeout", False),
        (_caused_by(aiohttp.ServerTimeoutError()), "timeout", True),
        (_caused_by(aiohttp.ServerDisconnectedError()), "lost", True),
        (httpx.ConnectTimeout("x"), "timeout", False),
        (httpx.PoolTimeout("x"), "timeout", False),
        (httpx.ReadTimeout("x"), "timeout", True),
        (TimeoutError(), "timeout", True),
        (httpx.ConnectError("x"), "connect", False),
        (httpx.RemoteProtocolError("x"), "lost", True),
    ],
)
def test_each_transports_failures_are_classified_by_what_happened_underneath(
    exc: BaseException, kind: TransportFault, sent: bool
) -> None:
    """Only a failure before a byte was sent (``sent`` False) may be retried."""
    assert classify_transport_error(exc) == (kind, sent)


@pytest.mark.parametrize("guarded", [False, True])
async def test_a_cookie_a_provider_set_is_never_sent_again(guarded: bool) -> None:
    """One client serves every user: what one call was told to keep must not reach the next."""
    models = MODELS.encode()
    set_cookie = {"set-cookie": "__cf_bm=user-a-session; Path=/; HttpOnly"}
    async with LocalServer(answer(200, models, set_cookie)) as server:
        built = build_guarded_http_client() if guarded else build_http_client("aiohttp")
        async with built as client:
            for _ in range(2):
                with pin("127.0.0.1", server.port, ("127.0.0.1",)):
                    response = await client.get(f"{server.url}/v1/models")
                assert response.status_code == 200
            assert not client.cookies
    assert [seen.headers.get("cookie") for seen in server.requests] == [None, None]


async def test_a_cookie_a_provider_set_by_host_name_is_never_sent_again() -> None:
    """aiohttp's own jar ignores cookies from an IP address (the test above), not from
    a host name, which every provider's base URL is: its session must keep none either."""
    models = MODELS.encode()
    set_cookie = {"set-cookie": "__cf_bm=user-a-session; Path=/; HttpOnly"}
    async with (
        LocalServer(answer(200, models, set_cookie)) as server,
        build_http_client("aiohttp") as client,
    ):
        for _ in range(2):
            response = await client.get(f"http://localhost:{server.port}/v1/models")
            assert response.status_code == 200
    assert [seen.headers.get("cookie") for seen in server.requests] == [None, None]


async def test_streams_read_to_their_last_event_give_their_connection_back() -> None:
    """The adapter stops reading at ``[DONE]``; closing the response must still hand the
    connection back to httpcore's pool (the client of a user's own base URL). An attempt to
    read the body's arrived end under ``asyncio.timeout(0)`` left each connection busy: the
    third stream through a pool of two timed out."""
    events = (
        "".join(
            "data: " + json.dumps({"choices": [{"index": 0, "delta": {"content": text}}]}) + "\n\n"
            for text in ("Hel", "lo")
        ).encode()
        + b"data: [DONE]\n\n"
    )

    async def handler(request: SeenRequest, writer: asyncio.StreamWriter) -> None:
        head = (
            "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
            "transfer-encoding: chunked\r\n\r\n"
        )
        writer.write(head.encode() + f"{len(events):x}\r\n".encode() + events + b"\r\n0\r\n\r\n")
        await writer.drain()

    request = CompletionRequest(model="gpt-4.1-mini", messages=(ChatMessage(Role.USER, "hi"),))
    pool = httpx.Limits(max_connections=2)
    async with (
        LocalServer(handler) as server,
        httpx.AsyncClient(limits=pool, timeout=httpx.Timeout(5.0, pool=1.0)) as client,
    ):
        provider = OpenAiProvider(client, f"{server.url}/v1")
        for _ in range(6):
            received: list[CompletionChunk] = []
            await collect(provider.stream(KEY, request), received)
            assert "".join(c.delta for c in received) == "Hello"
