"""What one compressed provider body costs: a 1 MiB gzip body that inflates to 1 GiB, sent by a
stand-in on 127.0.0.1 to the OpenAI adapter (a completion and a stream), on both transports.

Prints, per call: the outcome, the CPU seconds the process spent on it and how much its peak
RSS grew. Each case runs in a fresh process so the peaks do not hide each other.

    .venv/bin/python -m tests.bench.gzip_bomb
"""

from __future__ import annotations

import asyncio
import json
import resource
import subprocess
import sys
import time
import zlib

from adapters.llm import OpenAiProvider, RetryPolicy
from adapters.llm.clients import TransportName, build_http_client
from domain.api_key import ApiKey
from domain.errors import DomainError
from domain.llm import ChatMessage, CompletionRequest, Role
from tests.support.llm_local_server import LocalServer, SeenRequest, response_bytes

INFLATED = 1024 * 1024 * 1024
KEY = ApiKey("sk-proj-gzip-bomb-0123456789abcdef")
MODELS = b'{"object": "list", "data": [{"id": "gpt-4o-mini", "object": "model"}]}'
REQUEST = CompletionRequest("gpt-4o-mini", (ChatMessage(Role.USER, "hi"),))


def gzip_bomb(size: int = INFLATED) -> bytes:
    """``size`` zero bytes, gzip-compressed a MiB at a time (about 1 MiB out)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = bytes(1024 * 1024)
    parts = [packer.compress(zeros) for _ in range(size // len(zeros))]
    parts.append(packer.flush())
    return b"".join(parts)


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def one(transport: TransportName, kind: str, bomb: bytes) -> dict[str, object]:
    content_type = "text/event-stream" if kind == "stream" else "application/json"
    headers = {"content-encoding": "gzip", "content-type": content_type}

    async def handler(request: SeenRequest, writer: asyncio.StreamWriter) -> None:
        if request.method == "GET":  # the warm-up call: a small, plain model list
            writer.write(response_bytes(200, MODELS))
        else:
            writer.write(response_bytes(200, bomb, headers))
        await writer.drain()

    async with LocalServer(handler) as server, build_http_client(transport) as client:
        provider = OpenAiProvider(client, f"{server.url}/v1", retry=RetryPolicy())
        await provider.list_models(KEY)  # connection, TLS context and lazy imports: not counted
        rss_before, cpu_before = peak_rss_mib(), time.process_time()
        try:
            if kind == "stream":
                async for _ in provider.stream(KEY, REQUEST):
                    pass
            else:
                await provider.complete(KEY, REQUEST)
            outcome = "ok"
        except DomainError as exc:
            outcome = f"{type(exc).__name__}: {exc.message}"
        cpu = time.process_time() - cpu_before
        return {
            "transport": transport,
            "call": kind,
            "outcome": outcome,
            "cpu_s": round(cpu, 3),
            "peak_rss_growth_mib": round(peak_rss_mib() - rss_before, 1),
        }


def main() -> None:
    if len(sys.argv) == 3:
        bomb = gzip_bomb()
        result = asyncio.run(one(sys.argv[1], sys.argv[2], bomb))  # type: ignore[arg-type]
        print(json.dumps(result))
        return
    print(f"{'transport':9} {'call':8} {'CPU s':>6} {'peak RSS +MiB':>13}  outcome")
    for transport in ("aiohttp", "httpx"):
        for kind in ("complete", "stream"):
            run = subprocess.run(  # noqa: S603 (this module, in a fresh process)
                [sys.executable, "-m", "tests.bench.gzip_bomb", transport, kind],
                capture_output=True,
                text=True,
                check=True,
            )
            r = json.loads(run.stdout.strip().splitlines()[-1])
            print(
                f"{r['transport']:9} {r['call']:8} {r['cpu_s']:>6} "
                f"{r['peak_rss_growth_mib']:>13}  {r['outcome']}"
            )


if __name__ == "__main__":
    main()
