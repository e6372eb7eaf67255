"""What the gateway benchmark's load generator sends and counts: an Accept header when a spec
asks for a stream, and the stand-in's two stream lengths (the slope between them is the cost
of a chunk)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from tests.bench.byom_server import openai_body
from tests.bench.loadgen import load_specs
from tests.support.standin_openai import (
    LONG_STREAM_CHUNKS,
    LONG_STREAM_TAG,
    MEDIUM_STREAM_CHUNKS,
    MEDIUM_STREAM_TAG,
    STREAM_CHUNKS,
    StandInOpenAi,
)


def test_a_fifth_column_is_the_accept_header_and_four_columns_send_none(tmp_path: Path) -> None:
    specs = tmp_path / "specs.tsv"
    specs.write_text('POST\t/a\tBearer t\t{"x":1}\ttext/event-stream\nGET\t/b\t\t\n')

    [(_, _, streamed, body), (method, path, plain, empty)] = load_specs(specs)

    assert streamed["Accept"] == "text/event-stream"
    assert streamed["Authorization"] == "Bearer t"
    assert body == b'{"x":1}'
    assert (method, path, empty) == ("GET", "/b", None)
    assert "Accept" not in plain
    assert "Authorization" not in plain


def _events(standin: StandInOpenAi, body: str) -> list[str]:
    answer = httpx.post(f"{standin.base_url}/chat/completions", content=body)
    return [line for line in answer.text.splitlines() if line.startswith("data:")]


def test_the_stand_in_streams_a_longer_reply_only_when_the_request_carries_its_tag() -> None:
    with StandInOpenAi() as standin:
        short = _events(standin, openai_body(stream=True))
        medium = _events(standin, openai_body(stream=True, tag=MEDIUM_STREAM_TAG))
        long = _events(standin, openai_body(stream=True, tag=LONG_STREAM_TAG))

    assert len(short) == STREAM_CHUNKS
    assert len(medium) == MEDIUM_STREAM_CHUNKS
    assert len(long) == LONG_STREAM_CHUNKS
    assert STREAM_CHUNKS + 25 < MEDIUM_STREAM_CHUNKS < LONG_STREAM_CHUNKS - 100
    assert json.loads(long[-2].removeprefix("data: "))["usage"]["total_tokens"] == 32
