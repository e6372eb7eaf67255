"""The benchmark's floor (tests/bench/floor_relay.py) relays each of the upstream's events once,
in order, decoded and encoded again, however the upstream's writes split them: a floor that
dropped, repeated or merged events would price a stream's chunks wrongly. It also keeps its
upstream connection between calls, as BYOM's client does."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.response import Stream
from litestar.testing import AsyncTestClient

from entrypoints.http.lean_stream import LeanStream
from tests.bench import floor_relay
from tests.bench.byom_server import openai_body
from tests.support.standin_openai import (
    LONG_STREAM_PIECES,
    REPLY,
    TOKENS,
    StandInOpenAi,
    stream_events,
)

PATH = "/v1/chat/completions"
SHORT = b"".join(stream_events())
LONG = b"".join(stream_events(LONG_STREAM_PIECES))
HEAD = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"


class PiecewiseUpstream:
    """Answers every request with ``body`` as a chunked reply, ``piece`` bytes to a write (the
    whole reply in one write when None), on a loop of its own (the test client holds the
    test's); counts the connections it was sent requests on."""

    def __init__(self, body: bytes, piece: int | None) -> None:
        self.body, self.piece = body, piece
        self.connections = 0
        self.url = ""
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def __enter__(self) -> PiecewiseUpstream:
        self._thread.start()
        server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._serve, "127.0.0.1", 0), self._loop
        ).result(5)
        self.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}{PATH}"
        return self

    def __exit__(self, *_: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    int(line.split(b":")[1]) for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                )  # fmt: skip
                await reader.readexactly(length)
                if self.piece is None:
                    writer.write(HEAD + _chunk(self.body) + b"0\r\n\r\n")
                    continue
                writer.write(HEAD)
                for start in range(0, len(self.body), self.piece):
                    writer.write(_chunk(self.body[start : start + self.piece]))
                    await writer.drain()
                    await asyncio.sleep(0.0002)  # a read of its own on the relay's side
                writer.write(b"0\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()


def _chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


def _kept(event: bytes) -> object:
    """What a relay must keep of an event: each choice's text and finish, the usage's total."""
    payload = event.strip().removeprefix(b"data: ")
    if payload == b"[DONE]":
        return "[DONE]"
    body: dict[str, Any] = json.loads(payload)
    choices = [
        (c["index"], c["delta"].get("content"), c.get("finish_reason")) for c in body["choices"]
    ]
    return choices, (body.get("usage") or {}).get("total_tokens")


def _events(body: bytes) -> list[bytes]:
    return [event for event in body.split(b"\n\n") if event]


@pytest.fixture
def upstream(request: pytest.FixtureRequest) -> Iterator[PiecewiseUpstream]:
    body, piece = request.param
    with PiecewiseUpstream(body, piece) as served:
        yield served


@pytest.fixture
async def floor(
    upstream: PiecewiseUpstream, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[AsyncTestClient[Litestar]]:
    monkeypatch.setenv("FLOOR_UPSTREAM", upstream.url)
    async with AsyncTestClient(floor_relay.app) as client:
        yield client


# Both ways a floor sends its stream. Under the test client ``LeanStream`` watches for a client
# that left with a listener task, not with ``byom serve``'s ``ClientGone``: the body is the same.
@pytest.mark.parametrize("stream", [Stream, LeanStream])
@pytest.mark.parametrize(
    "upstream", [(SHORT, 7), (SHORT, None), (LONG, 4096), (LONG, None)], indirect=True
)
async def test_each_event_is_relayed_once_in_order_however_the_upstream_split_it(
    floor: AsyncTestClient[Litestar],
    monkeypatch: pytest.MonkeyPatch,
    stream: type[Stream],
    upstream: PiecewiseUpstream,
) -> None:
    monkeypatch.setattr(floor_relay, "_STREAM", stream)

    answer = await floor.post(PATH, content=openai_body(stream=True))

    assert answer.headers["content-type"].startswith("text/event-stream")
    assert [_kept(e) for e in _events(answer.content)] == [_kept(e) for e in _events(upstream.body)]


@pytest.mark.parametrize("upstream", [(SHORT, None)], indirect=True)
async def test_streamed_calls_keep_one_upstream_connection(
    floor: AsyncTestClient[Litestar], upstream: PiecewiseUpstream
) -> None:
    for _ in range(3):
        answer = await floor.post(PATH, content=openai_body(stream=True))
        assert _events(answer.content)[-1] == b"data: [DONE]"

    assert upstream.connections == 1


async def test_a_json_call_comes_back_as_the_stand_in_answered(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with StandInOpenAi() as standin:
        monkeypatch.setenv("FLOOR_UPSTREAM", f"{standin.base_url}/chat/completions")
        async with AsyncTestClient(floor_relay.app) as client:
            answer = await client.post(PATH, content=openai_body())

    assert answer.status_code == 200
    assert answer.json()["choices"][0]["message"]["content"] == REPLY
    assert answer.json()["usage"]["total_tokens"] == sum(TOKENS)
