"""Requests/s and client CPU per request of the two provider transports (httpx vs aiohttp).

Runs a tiny uvicorn app on 127.0.0.1 in a child process answering like OpenAI's chat
completions, then drives ``OpenAiProvider.complete`` through each transport at a fixed
concurrency. Bounded: a fixed number of requests per transport, loopback only.

    .venv/bin/python -m tests.bench.llm_transports [--requests 3000] [--concurrency 32]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import socket
import time
from typing import Any

import uvicorn

from adapters.llm import OpenAiProvider, build_http_client
from adapters.llm.clients import TransportName
from domain.api_key import ApiKey
from domain.llm import ChatMessage, CompletionRequest, Role
from tests.support.wire import openai

BODY = json.dumps(openai.completion("ok " * 50, tokens=(20, 50), model="gpt-4.1-mini")).encode()


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": BODY})


def serve(port: int) -> None:
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


async def drive(
    transport: TransportName, port: int, total: int, concurrency: int
) -> dict[str, float]:
    request = CompletionRequest(
        model="gpt-4.1-mini", messages=(ChatMessage(Role.USER, "hello " * 20),), max_tokens=64
    )
    key = ApiKey("sk-bench-0123456789abcdef")
    async with build_http_client(transport) as client:
        provider = OpenAiProvider(client, f"http://127.0.0.1:{port}/v1")
        for _ in range(50):  # warm the pool
            await provider.complete(key, request)
        queue: asyncio.Queue[int] = asyncio.Queue()
        for i in range(total):
            queue.put_nowait(i)

        async def worker() -> None:
            while not queue.empty():
                queue.get_nowait()
                await provider.complete(key, request)

        cpu0, wall0 = time.process_time(), time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    return {"rps": total / wall, "cpu_ms_per_request": cpu * 1000 / total}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = multiprocessing.Process(target=serve, args=(port,), daemon=True)
    server.start()
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        for round_ in range(args.rounds):
            for transport in ("httpx", "aiohttp"):
                result = asyncio.run(drive(transport, port, args.requests, args.concurrency))
                print(
                    f"round {round_ + 1} {transport:8s} {result['rps']:8.0f} req/s  "
                    f"{result['cpu_ms_per_request']:.3f} ms CPU/request (client process)"
                )
    finally:
        server.terminate()
        server.join(5)


if __name__ == "__main__":
    main()
