"""How a provider's stream is read (``ProviderHttp.stream_events``): a timer per network read,
not per event, and the idle limit counted from when the caller comes back for an event.

Most tests script the body's reads on a fake clock that the reads and the caller move forward,
so none waits; the last runs a real server over both transports, where the timer itself fires.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from adapters.llm._errors import ProviderErrorMapper
from adapters.llm._http import ProviderHttp
from adapters.llm._policy import BodyLimits, CallSpec, RetryPolicy
from adapters.llm.clients import TransportName, build_http_client
from adapters.llm.openai import read_openai_error
from domain.api_key import ApiKey
from domain.errors import ProviderProtocolError, ProviderTimeout
from tests.support.llm_local_server import LocalServer, SeenRequest

KEY = ApiKey("sk-canary-stream-reads-0123456789")
URL = "https://api.example.test/v1/chat/completions"
IDLE = 0.5
CALL = CallSpec(
    "test", max_retries=0, read_timeout=5.0, deadline=600.0, names_model=False, event_idle=IDLE
)


def event(n: int) -> bytes:
    return b'data: {"n": %d}\n\n' % n


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class ScriptedBody(httpx.AsyncByteStream):
    """A body read as ``reads`` (each one network read); ``took(i)``: fake seconds read i takes."""

    def __init__(self, clock: FakeClock, reads: list[bytes], took: Callable[[int], float]) -> None:
        self.clock, self.reads, self.took = clock, reads, took
        self.pulled = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for i, chunk in enumerate(self.reads):
            self.clock.now += self.took(i)
            self.pulled += 1
            yield chunk


def http_over(
    clock: FakeClock, body: ScriptedBody, limits: BodyLimits | None = None
) -> ProviderHttp:
    def answer(request: httpx.Request) -> httpx.Response:
        headers = {"content-type": "text/event-stream"}
        return httpx.Response(200, headers=headers, stream=body, request=request)

    client = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    mapper = ProviderErrorMapper("openai", "OpenAI")
    retry = RetryPolicy(clock=clock)
    return ProviderHttp(client, mapper, read_openai_error, retry, limits or BodyLimits())


async def read_all(
    http: ProviderHttp,
    into: list[str],
    *,
    then: Callable[[], None] = lambda: None,
    url: str = URL,
    call: CallSpec = CALL,
) -> None:
    """Every event's data into ``into``; ``then()`` after each (a caller busy with it)."""
    async for sent in http.stream_events(url, {"stream": True}, key=KEY, headers={}, call=call):
        into.append(sent.data)
        then()


async def test_bytes_that_never_complete_an_event_do_not_hold_the_idle_limit_off() -> None:
    """After the first event the server dribbles the start of another, a byte every 0.2 s: each
    read returns something, yet no event comes, so the call ends 0.5 s after the caller asked."""
    clock = FakeClock()
    body = ScriptedBody(clock, [event(1)] + [b"d"] * 50, took=lambda i: 0.0 if i == 0 else 0.2)
    received: list[str] = []
    with pytest.raises(ProviderTimeout, match=r"sent nothing for 0\.5 s"):
        await read_all(http_over(clock, body), received)
    assert received == ['{"n": 1}']
    assert body.pulled == 4  # the event, then dribbles at +0.2, +0.4, +0.6 s: the last is late


async def test_the_idle_limit_counts_from_when_the_caller_asks_again() -> None:
    """The caller spends longer than the idle limit on each event; the second was in memory and
    the third arrived meanwhile: neither is late, as nothing was waited for."""
    clock = FakeClock()
    body = ScriptedBody(clock, [event(1) + event(2), event(3) + b"data: [DONE]\n\n"], lambda i: 0)
    received: list[str] = []

    def busy() -> None:
        clock.now += IDLE + 0.2

    await read_all(http_over(clock, body), received, then=busy)
    assert received == ['{"n": 1}', '{"n": 2}', '{"n": 3}', "[DONE]"]


async def test_events_that_arrive_in_one_read_are_all_handed_out_before_the_next_read() -> None:
    clock = FakeClock()
    body = ScriptedBody(clock, [event(1) + event(2) + event(3), event(4)], lambda i: 0)
    pulled_at_each: list[int] = []
    received: list[str] = []
    await read_all(
        http_over(clock, body), received, then=lambda: pulled_at_each.append(body.pulled)
    )
    assert received == ['{"n": 1}', '{"n": 2}', '{"n": 3}', '{"n": 4}']
    assert pulled_at_each == [1, 1, 1, 2]


async def test_the_first_event_may_take_longer_than_the_idle_limit() -> None:
    clock = FakeClock()
    body = ScriptedBody(clock, [b": thinking\n\n", b"", event(1)], lambda i: 2 * IDLE)
    received: list[str] = []
    await read_all(http_over(clock, body), received)
    assert received == ['{"n": 1}']


async def test_events_a_read_completed_before_an_oversized_one_are_handed_out_first() -> None:
    clock = FakeClock()
    body = ScriptedBody(clock, [event(1) + b"data: " + b"x" * 200 + b"\n\n"], lambda i: 0)
    received: list[str] = []
    with pytest.raises(ProviderProtocolError, match="a streamed event exceeded the size limit"):
        await read_all(http_over(clock, body, BodyLimits(max_event_bytes=100)), received)
    assert received == ['{"n": 1}']


async def test_a_stream_past_its_size_limit_ends_after_the_events_that_fit() -> None:
    clock = FakeClock()
    body = ScriptedBody(clock, [event(n) for n in range(10)], lambda i: 0)
    received: list[str] = []
    with pytest.raises(ProviderProtocolError, match="the stream exceeded the size limit"):
        await read_all(http_over(clock, body, BodyLimits(max_stream_bytes=40)), received)
    assert received == ['{"n": 0}', '{"n": 1}']  # 15 bytes each: the third read crosses 40


@pytest.mark.parametrize("transport", ["httpx", "aiohttp"])
async def test_a_server_dribbling_half_an_event_is_given_up_after_the_idle_limit(
    transport: TransportName,
) -> None:
    """Real time: a byte every 50 ms never completes an event. Had each read restarted the
    idle limit, the call would have run to its deadline (a different error, 4 s later)."""

    async def dribble(request: SeenRequest, writer: asyncio.StreamWriter) -> None:
        head = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\r\n"
        writer.write(head + event(1) + b"data: ")
        await writer.drain()
        for _ in range(100):
            await asyncio.sleep(0.05)
            writer.write(b"x")
            await writer.drain()

    call = CallSpec(
        "test", max_retries=0, read_timeout=5.0, deadline=4.0, names_model=False, event_idle=0.3
    )
    received: list[str] = []
    async with LocalServer(dribble) as server, build_http_client(transport) as client:
        http = ProviderHttp(client, ProviderErrorMapper("openai", "OpenAI"), read_openai_error)
        with pytest.raises(ProviderTimeout, match=r"sent nothing for 0\.3 s"):
            await read_all(http, received, url=f"{server.url}/v1/x", call=call)
    assert received == ['{"n": 1}']
