"""What a gateway call costs outside the database: the real app, in this process, on the
in-memory stores (so no SQL at all), with the real OpenAI adapter and aiohttp calling the
stand-in upstream (its own process). Requests are handed to the app as ASGI calls (no server,
no HTTP parsing: those belong to uvicorn's floor, not to BYOM's code).

Prints the CPU per call (this process's CPU time over calls: the app, the provider client and
the in-memory stores), then, with ``--profile``, py-spy's samples of this process grouped by
component (a sample goes to the innermost frame on its stack that belongs to a component).

    .venv/bin/python -m tests.bench.profile_http_layer [--calls 3000] [--concurrency 8] [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import gc
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import uvloop

from adapters.auth.argon2_hasher import Argon2PasswordHasher
from adapters.persistence.memory.database import MemoryDatabase
from entrypoints.bootstrap import build
from entrypoints.http.app import create_app
from tests.bench.byom_server import OPENAI_BODY, seed_user, settings_for, start_standin
from tests.support.builders import memory_database

PY_SPY = str(Path(sys.executable).parent / "py-spy")
USERS = 16

# (component, substrings of a frame's file): the first component whose pattern a frame's file
# holds names it; a sample counts for the innermost named frame on its stack.
COMPONENTS: list[tuple[str, tuple[str, ...]]] = [
    ("memory stores (stand-in for the DB)", ("adapters/persistence/",)),
    ("rate limits (limits.py + Litestar)", ("http/limits.py", "middleware/rate_limit.py")),
    ("stores (rate-limit store)", ("litestar/stores/",)),
    ("metrics (request)", ("http/metrics.py", "plugins/prometheus", "prometheus_client")),
    ("metrics (provider)", ("adapters/metrics",)),
    ("request id, access log", ("http/middleware.py", "logging_setup.py", "logging/__init__")),
    ("token rate headers", ("rate_headers.py",)),
    ("gateway controller + wire", ("http/gateway/",)),
    ("JWT auth middleware", ("middleware/authentication.py", "security/jwt", "http/access_tokens")),
    ("call slots", ("call_slots.py",)),
    ("provider adapter", ("adapters/llm/",)),
    ("aiohttp client", ("aiohttp/", "yarl/", "multidict/")),
    ("application use cases", ("/application/",)),
    ("domain", ("/domain/",)),
    ("crypto", ("adapters/crypto", "cryptography/")),
    ("Litestar DI / kwargs", ("litestar/_kwargs", "litestar/di.py", "litestar/_signature")),
    ("Litestar request body / msgspec", ("litestar/serialization", "litestar/connection")),
    ("Litestar response", ("litestar/response", "litestar/datastructures")),
    ("Litestar routing / handler", ("litestar/",)),
    ("harness", ("profile_http_layer.py",)),
    ("asyncio event loop", ("asyncio/",)),
]


async def seed(container: Any) -> list[str]:
    tokens = []
    for n in range(USERS):
        user = await seed_user(container, n)
        tokens.append((await container.create_gateway_token.execute(user.id, "bench")).secret)
    return tokens


async def call(app: Any, token: str, body: bytes) -> int:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/chat/completions",
        "raw_path": b"/v1/chat/completions",
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"host", b"byom.test"),
            (b"authorization", f"Bearer {token}".encode()),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    sent = False
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def run(app: Any, tokens: Sequence[str], calls: int, concurrency: int) -> float:
    body = OPENAI_BODY.encode()
    statuses: collections.Counter[int] = collections.Counter()

    async def worker(k: int) -> None:
        for i in range(k, calls, concurrency):
            statuses[await call(app, tokens[i % len(tokens)], body)] += 1

    gc.collect()
    started = time.process_time()
    await asyncio.gather(*(worker(k) for k in range(concurrency)))
    cpu = time.process_time() - started
    if set(statuses) != {200}:
        raise SystemExit(f"not all 200: {dict(statuses)}")
    return cpu * 1e6 / calls


def group(collapsed: str) -> tuple[int, collections.Counter[str]]:
    by: collections.Counter[str] = collections.Counter()
    total = 0
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        n = int(count)
        total += n
        by[_component(stack.split(";"))] += n
    return total, by


def _component(frames: list[str]) -> str:
    for frame in reversed(frames):
        location = frame.rpartition("(")[2]
        for name, patterns in COMPONENTS:
            if any(p in location for p in patterns):
                return name
    return "other (interpreter, stdlib)"


async def main_async(args: argparse.Namespace, port: int, tmp: Path) -> None:
    settings = settings_for("sqlite+aiosqlite:///:memory:", port, tmp)
    # Every call admitted: the limits are counted all the same.
    settings = replace(settings, limits=replace(settings.limits, gateway_rate_per_minute=10**9))
    container = build(
        settings,
        database=memory_database(MemoryDatabase()),
        hasher=Argon2PasswordHasher.fast_for_tests(),
    )
    app = create_app(container=container)
    async with app.lifespan():
        tokens = await seed(container)
        await run(app, tokens, 500, args.concurrency)  # warm up pools, caches, specialisation
        spy = None
        if args.profile:
            out = tmp / "spy.txt"
            spy = await asyncio.create_subprocess_exec(
                PY_SPY, "record", "--pid", str(os.getpid()), "--format", "raw", "--gil",
                "--output", str(out), "--rate", "500", "--nonblocking",
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            await asyncio.sleep(1.0)
        per_call = [await run(app, tokens, args.calls, args.concurrency) for _ in range(args.runs)]
        print(f"CPU per call (µs), {args.runs} runs of {args.calls}, c{args.concurrency}: "
              + ", ".join(f"{c:.0f}" for c in per_call))  # fmt: skip
        if spy is not None:
            spy.send_signal(2)
            await spy.wait()
            total, by = group(out.read_text())
            best = min(per_call)
            print(f"\n{total} samples; µs per call at the best run's {best:.0f} µs:")
            for name, n in by.most_common():
                print(f"{best * n / total:7.0f}  {100 * n / total:5.1f}%  {name}")
            if args.keep:
                args.keep.write_text(out.read_text())
    await container.aclose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--keep", type=Path, help="copy the raw py-spy samples there")
    args = parser.parse_args()
    standin, port = start_standin()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            uvloop.run(main_async(args, port, Path(tmp)))
    finally:
        standin.terminate()


if __name__ == "__main__":
    main()
