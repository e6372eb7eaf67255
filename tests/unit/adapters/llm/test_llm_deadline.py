"""What ``CallSpec.deadline`` bounds: the whole call, retries and waits included, the same for
the JSON calls and for a stream (one loop serves both).

Time is a fake clock that the fake provider and the fake sleep move forward, so no test waits
for the deadline to pass and none asserts how long anything took.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable

import httpx
import pytest

from adapters.llm._errors import ProviderErrorMapper
from adapters.llm._http import ProviderHttp
from adapters.llm._policy import CallSpec, RetryPolicy
from adapters.llm.openai import read_openai_error
from adapters.llm.openai_wire import ModelList
from domain.api_key import ApiKey
from domain.errors import ProviderRateLimited, ProviderTimeout, ProviderUnavailable

KEY = ApiKey("sk-canary-deadline-0123456789abcdef")
MODELS = {"object": "list", "data": [{"id": "gpt-4.1-mini", "object": "model"}]}
EVENTS = b'data: {"n": 1}\n\ndata: {"n": 2}\n\ndata: [DONE]\n\n'
URL = "https://api.example.test/v1/x"

Reply = Callable[[httpx.Request], Awaitable[httpx.Response]]
Call = Callable[[ProviderHttp, CallSpec], Awaitable[object]]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FakeProvider:
    """Answers every request with ``reply``; each answer takes ``takes`` fake seconds."""

    def __init__(self, clock: FakeClock, reply: Reply, takes: float = 0.0) -> None:
        self.clock = clock
        self.reply = reply
        self.takes = takes
        self.requests: list[httpx.Request] = []

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        self.clock.now += self.takes
        return await self.reply(request)


def status(code: int, headers: dict[str, str] | None = None) -> Reply:
    async def reply(request: httpx.Request) -> httpx.Response:
        return httpx.Response(code, json={}, headers=headers, request=request)

    return reply


def ok_for(call_kind: str) -> Reply:
    async def reply(request: httpx.Request) -> httpx.Response:
        if call_kind == "stream":
            headers = {"content-type": "text/event-stream"}
            return httpx.Response(200, content=EVENTS, headers=headers, request=request)
        return httpx.Response(200, content=json.dumps(MODELS).encode(), request=request)

    return reply


async def never(request: httpx.Request) -> httpx.Response:
    await asyncio.Event().wait()
    raise AssertionError("unreachable")


def executor(
    clock: FakeClock, provider: FakeProvider, sleeps: list[float]
) -> tuple[ProviderHttp, httpx.AsyncClient]:
    async def sleep(delay: float) -> None:
        sleeps.append(delay)
        clock.now += delay

    client = httpx.AsyncClient(transport=httpx.MockTransport(provider))
    retry = RetryPolicy(sleep=sleep, rand=lambda: 0.0, clock=clock)
    return ProviderHttp(
        client, ProviderErrorMapper("openai", "OpenAI"), read_openai_error, retry
    ), client


def spec(deadline: float, max_retries: int) -> CallSpec:
    return CallSpec(
        "test", max_retries=max_retries, read_timeout=5.0, deadline=deadline, names_model=False
    )


async def json_call(http: ProviderHttp, call: CallSpec) -> object:
    return await http.request_json("GET", URL, ModelList, key=KEY, headers={}, call=call)


async def stream_call(http: ProviderHttp, call: CallSpec) -> object:
    events = http.stream_events(URL, {"stream": True}, key=KEY, headers={}, call=call)
    return [event.data async for event in events]


CALLS: dict[str, Call] = {"json": json_call, "stream": stream_call}


@pytest.fixture(params=sorted(CALLS))
def call_kind(request: pytest.FixtureRequest) -> str:
    kind: str = request.param
    return kind


async def run(
    call_kind: str,
    provider: FakeProvider,
    clock: FakeClock,
    call: CallSpec,
    sleeps: list[float] | None = None,
) -> object:
    http, client = executor(clock, provider, [] if sleeps is None else sleeps)
    async with client:
        return await CALLS[call_kind](http, call)


async def test_time_spent_in_earlier_attempts_counts_against_the_deadline(call_kind: str) -> None:
    """Per attempt, three 6-second attempts would each fit in 10 seconds and the third 503
    would be reported; per call, the deadline passes inside the second attempt."""
    clock = FakeClock()
    provider = FakeProvider(clock, status(503), takes=6.0)
    with pytest.raises(ProviderTimeout):
        await run(call_kind, provider, clock, spec(deadline=10.0, max_retries=2))
    assert len(provider.requests) == 2


async def test_the_waits_between_attempts_count_against_the_deadline(call_kind: str) -> None:
    clock = FakeClock()
    provider = FakeProvider(clock, status(503, {"retry-after": "6"}))
    sleeps: list[float] = []
    with pytest.raises(ProviderUnavailable):
        await run(call_kind, provider, clock, spec(deadline=10.0, max_retries=3), sleeps)
    assert sleeps == [6.0]  # then 4 s were left: less than the next 6 s wait
    assert len(provider.requests) == 2


async def test_a_wait_that_would_outlast_the_deadline_is_reported_not_waited(
    call_kind: str,
) -> None:
    """Within the Retry-After cap (8 s) but past the call's deadline (3 s)."""
    clock = FakeClock()
    provider = FakeProvider(clock, status(429, {"retry-after": "5"}))
    with pytest.raises(ProviderRateLimited) as caught:
        await run(call_kind, provider, clock, spec(deadline=3.0, max_retries=1))
    assert caught.value.retry_after == 5.0
    assert len(provider.requests) == 1


async def test_a_reply_that_arrives_after_the_deadline_is_not_read(call_kind: str) -> None:
    """The 200 itself came too late: neither its body nor its events are used."""
    clock = FakeClock()
    provider = FakeProvider(clock, ok_for(call_kind), takes=11.0)
    with pytest.raises(ProviderTimeout):
        await run(call_kind, provider, clock, spec(deadline=10.0, max_retries=1))
    assert len(provider.requests) == 1  # the deadline is final: never retried


async def test_within_the_deadline_retries_go_on_as_the_policy_allows(call_kind: str) -> None:
    clock = FakeClock()
    replies = [status(503), ok_for(call_kind)]

    async def flaky(request: httpx.Request) -> httpx.Response:
        return await replies.pop(0)(request)

    provider = FakeProvider(clock, flaky, takes=4.0)
    sleeps: list[float] = []
    result = await run(call_kind, provider, clock, spec(deadline=10.0, max_retries=1), sleeps)
    if call_kind == "stream":
        assert result == ['{"n": 1}', '{"n": 2}', "[DONE]"]
    else:
        assert isinstance(result, ModelList)
        assert [m.id for m in result.data] == ["gpt-4.1-mini"]
    assert len(provider.requests) == 2
    assert sleeps == [0.0]


async def test_a_streams_deadline_bounds_every_event_not_only_its_start() -> None:
    clock = FakeClock()
    provider = FakeProvider(clock, ok_for("stream"))
    http, client = executor(clock, provider, [])
    received: list[str] = []

    async def read_slowly() -> None:
        async for event in http.stream_events(URL, {}, key=KEY, headers={}, call=spec(10.0, 1)):
            received.append(event.data)
            clock.now += 11.0  # the reader held the first event past the deadline

    async with client:
        with pytest.raises(ProviderTimeout):
            await read_slowly()
    assert received == ['{"n": 1}']
    assert len(provider.requests) == 1


async def test_a_provider_that_never_answers_ends_at_the_deadline(call_kind: str) -> None:
    """No hang: the one real-time wait here, and nothing is asserted about its length."""
    clock = FakeClock()
    provider = FakeProvider(clock, never)
    with pytest.raises(ProviderTimeout):
        await run(call_kind, provider, clock, spec(deadline=0.01, max_retries=2))
    assert len(provider.requests) == 1
