"""The benchmark's floor (tests/bench/floor_relay.py) relays what the stand-in answers, whole:
a floor that dropped or merged events would price a stream's chunks wrongly."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from litestar import Litestar
from litestar.response import Stream
from litestar.testing import AsyncTestClient

from entrypoints.http.lean_stream import LeanStream
from tests.bench import floor_relay
from tests.bench.byom_server import openai_body
from tests.support.standin_openai import (
    LONG_STREAM_CHUNKS,
    LONG_STREAM_TAG,
    REPLY,
    STREAM_CHUNKS,
    StandInOpenAi,
)

PATH = "/v1/chat/completions"


@pytest.fixture
async def floor(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[AsyncTestClient[Litestar]]:
    with StandInOpenAi() as standin:
        monkeypatch.setenv("FLOOR_UPSTREAM", f"{standin.base_url}/chat/completions")
        async with AsyncTestClient(floor_relay.app) as client:
            yield client


def _payloads(text: str) -> list[str]:
    return [line.removeprefix("data: ") for line in text.splitlines() if line.startswith("data:")]


async def test_a_json_call_comes_back_as_the_stand_in_answered(
    floor: AsyncTestClient[Litestar],
) -> None:
    answer = await floor.post(PATH, content=openai_body())

    assert answer.status_code == 200
    assert answer.json()["choices"][0]["message"]["content"] == REPLY
    assert answer.json()["usage"]["total_tokens"] == 32


@pytest.mark.parametrize("stream", [Stream, LeanStream])
@pytest.mark.parametrize(
    ("tag", "chunks"), [("", STREAM_CHUNKS), (LONG_STREAM_TAG, LONG_STREAM_CHUNKS)]
)
async def test_every_event_of_a_stream_is_relayed_once_in_order_then_done(
    floor: AsyncTestClient[Litestar],
    monkeypatch: pytest.MonkeyPatch,
    stream: type[Stream],
    tag: str,
    chunks: int,
) -> None:
    monkeypatch.setattr(floor_relay, "_STREAM", stream)

    answer = await floor.post(PATH, content=openai_body(stream=True, tag=tag))

    *events, done = _payloads(answer.text)
    assert answer.headers["content-type"].startswith("text/event-stream")
    assert len(events) + 1 == chunks
    assert done == "[DONE]"
    decoded = [json.loads(event) for event in events]
    text = "".join(c["delta"].get("content") or "" for e in decoded for c in e["choices"])
    assert text.startswith(REPLY.split(" ")[0])
    assert decoded[-1]["usage"]["total_tokens"] == 32
