"""CPU per provider stream spent reading its server-sent events (``ProviderHttp.stream_events``),
in process: the fixed per-event cost of our reader, without a gateway or a database around it.

Two upstreams answer the stand-in's short stream (``tests/support/standin_openai.py``: 11 events
ending in ``[DONE]``): ``mock``, an ``httpx.MockTransport`` whose body arrives in ``--reads``
network-like chunks (no sockets: the reader's own cost stands out), and ``standin``, the
stand-in itself over loopback through the default (aiohttp) client. The stream is read as the
OpenAI adapter reads it: to ``[DONE]``, then closed. CPU is this thread's (``thread_time``:
the stand-in answers from a thread of its own). Runs of each mode alternate, so an A/B against
another checkout (``PYTHONPATH=<its src>:<its root>``) is best run in the same minutes.

    .venv/bin/python -m tests.bench.bench_sse_read [--streams 2000] [--runs 3] [--reads 1]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import AsyncIterator

import httpx

from adapters.llm import build_http_client
from adapters.llm._errors import ProviderErrorMapper
from adapters.llm._http import ProviderHttp
from adapters.llm.openai import read_openai_error
from domain.api_key import ApiKey
from tests.bench._common import table
from tests.support.standin_openai import STREAM_CHUNKS, StandInOpenAi, stream_events

KEY = ApiKey("sk-bench-0123456789abcdef")
BODY = b"".join(stream_events())


class _Body(httpx.AsyncByteStream):
    def __init__(self, reads: int) -> None:
        step = -(-len(BODY) // reads)
        self.parts = [BODY[i : i + step] for i in range(0, len(BODY), step)]

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for part in self.parts:
            yield part


def _mock_client(reads: int) -> httpx.AsyncClient:
    headers = {"content-type": "text/event-stream"}

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers=headers, stream=_Body(reads), request=request)

    return httpx.AsyncClient(transport=httpx.MockTransport(answer))


async def _stream_once(http: ProviderHttp, url: str) -> int:
    events = http.stream_events(url, {"stream": True}, key=KEY, headers={})
    count = 0
    try:
        async for event in events:
            count += 1
            if event.is_done:
                break
    finally:
        await events.aclose()
    return count


async def _run(client: httpx.AsyncClient, url: str, streams: int) -> float:
    """CPU microseconds per stream."""
    http = ProviderHttp(client, ProviderErrorMapper("openai", "OpenAI"), read_openai_error)
    for _ in range(50):  # warm the pool and the caches
        assert await _stream_once(http, url) == STREAM_CHUNKS
    started = time.thread_time()
    for _ in range(streams):
        await _stream_once(http, url)
    return (time.thread_time() - started) / streams * 1e6


async def main_async(streams: int, runs: int, reads: int) -> None:
    results: dict[str, list[float]] = {"mock": [], "standin": []}
    with StandInOpenAi() as standin:
        for _ in range(runs):
            async with _mock_client(reads) as client:
                url = "http://provider.test/v1/chat/completions"
                results["mock"].append(await _run(client, url, streams))
            async with build_http_client() as client:
                url = f"{standin.base_url}/chat/completions"
                results["standin"].append(await _run(client, url, streams))
    rows = [
        (mode, f"{min(cpu):.1f}", " ".join(f"{c:.1f}" for c in cpu))
        for mode, cpu in results.items()
    ]
    print(f"{STREAM_CHUNKS} events a stream, {streams} streams a run, mock body in {reads} read(s)")
    print(table(("upstream", "CPU us/stream (best)", "each run"), rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--streams", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--reads", type=int, default=1)
    args = parser.parse_args()
    asyncio.run(main_async(args.streams, args.runs, args.reads))


if __name__ == "__main__":
    main()
