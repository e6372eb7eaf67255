"""A stream that breaks, stops short, reports an error or never ends: what arrived is kept,
the end is an error."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from adapters.llm import BodyLimits
from domain.errors import (
    ProviderProtocolError,
    ProviderUnavailable,
)
from domain.llm import CompletionChunk
from tests.support.fake_http_api import EndlessStream, dropped_reply, sse_reply
from tests.support.llm_contract import (
    ANTHROPIC_STREAM_EVENTS,
    CASE,
    OPENAI_STREAM_EVENTS,
    Case,
    Harness,
    make_harness,
)
from tests.support.wire import openai, sse


async def test_a_dropped_stream_yields_what_arrived_then_unavailable(
    harness: Callable[..., Harness], case: Case
) -> None:
    h = harness(dropped_reply(case.partial_stream))
    received: list[CompletionChunk] = []
    with pytest.raises(ProviderUnavailable):
        await h.stream(into=received)
    assert [c.delta for c in received] == ["Hel", "lo"]
    assert not any(c.is_final for c in received)
    assert len(h.api.requests) == 1  # never retried after the first event


async def test_a_stream_that_ends_without_its_terminal_event_is_unavailable(
    harness: Callable[..., Harness], case: Case
) -> None:
    h = harness(sse_reply(case.partial_stream))
    received: list[CompletionChunk] = []
    with pytest.raises(ProviderUnavailable):
        await h.stream(into=received)
    assert [c.delta for c in received] == ["Hel", "lo"]


async def test_an_endless_stream_is_cut_at_the_stream_limit_after_what_arrived(
    harness: Callable[..., Harness], case: Case
) -> None:
    """docs/security-tests.md, F14: a (user's own) server streaming without end costs at most
    8 MiB."""
    limit = BodyLimits().max_stream_bytes
    endless = EndlessStream(sse.encode([case.delta_event("x" * 65_536)]), give_up=4 * limit)
    h = harness(
        lambda request: httpx.Response(
            200, stream=endless, headers={"content-type": "text/event-stream"}, request=request
        )
    )
    received: list[CompletionChunk] = []
    with pytest.raises(ProviderProtocolError, match="size limit"):
        await h.stream(into=received)
    assert received
    assert not any(c.is_final for c in received)
    assert sum(len(c.delta) for c in received) <= limit
    assert endless.sent <= limit + len(endless.event)  # stopped reading at the limit
    assert len(h.api.requests) == 1


async def test_a_stream_of_only_comments_is_cut_at_the_stream_limit(
    harness: Callable[..., Harness], case: Case
) -> None:
    limit = BodyLimits().max_stream_bytes
    endless = EndlessStream(b": keep-alive" + b" " * 4096 + b"\n\n", give_up=4 * limit)
    h = harness(
        lambda request: httpx.Response(
            200, stream=endless, headers={"content-type": "text/event-stream"}, request=request
        )
    )
    with pytest.raises(ProviderProtocolError, match="size limit"):
        await h.stream()
    assert endless.sent <= limit + len(endless.event)


async def test_an_anthropic_error_event_mid_stream_ends_it_after_the_deltas() -> None:
    case = CASE["anthropic"]
    overloaded = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    body = sse.encode([*ANTHROPIC_STREAM_EVENTS[:5], sse.named("error", overloaded)])
    h = make_harness(case, sse_reply(body))
    received: list[CompletionChunk] = []
    with pytest.raises(ProviderUnavailable):
        await h.stream(into=received)
    assert [c.delta for c in received] == ["Hel", "lo"]
    assert len(h.api.requests) == 1


async def test_an_openai_error_object_mid_stream_ends_it_after_the_deltas() -> None:
    case = CASE["openai"]
    error = openai.error("The server had an error while processing", "server_error", None)
    body = sse.encode([*OPENAI_STREAM_EVENTS[:3], "data: " + json.dumps(error)])
    h = make_harness(case, sse_reply(body))
    received: list[CompletionChunk] = []
    with pytest.raises(ProviderUnavailable):
        await h.stream(into=received)
    assert [c.delta for c in received] == ["Hel", "lo"]
