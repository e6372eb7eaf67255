"""BYOM's own cost on the hot path, next to the LiteLLM proxy's: a fast local stand-in OpenAI
upstream (its own process), ``byom serve`` as a real server process pointed at it, the LiteLLM
proxy (tests/bench/litellm_proxy.py, installed by the benchmark into bench-results/) pointed at
the same stand-in, and a load generator in a process of its own (tests/bench/loadgen.py).

Side by side in one run: (a) straight to the stand-in (the same load generator; and a raw httpx
client), (b) a chat message through BYOM (auth, session and history, credential lookup, decrypt,
provider call, store reply and usage), as JSON and as server-sent events, (c) the gateway's
``/v1/chat/completions`` (gateway token, routing, decrypt, call, usage), as JSON and streamed
(the stand-in's short stream, and a long one for the cost of one more chunk), (l) the LiteLLM
proxy, 1 worker, and (f) the floor: a bare Litestar + msgspec relay through aiohttp
(tests/bench/floor_relay.py), whose short stream is priced as BYOM's is. Sequential and at
concurrency 32. Configurations: PostgreSQL with 2 workers and SQLite with 1 (aiohttp
transport; ``--transports aiohttp,httpx`` adds httpx). CPU per request is the server's process
tree's CPU seconds over requests (steadier than latency on a shared machine). No rate limit of
BYOM's refuses the load (tests/bench/byom_server.py). The closing lines judge issue 15's
targets (printed, never asserted).

    .venv/bin/python -m tests.bench.bench_gateway [--sequential 400] [--concurrent 3000]
        [--transports aiohttp] [--only postgres,sqlite,litellm,floor]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import httpx

from entrypoints.settings import ProviderSettings
from tests.bench import litellm_proxy
from tests.bench._common import percentiles, scratch_postgres, table, write_results
from tests.bench.byom_server import (
    OPENAI_BODY,
    SESSIONS_PER_USER,
    USERS,
    Plan,
    openai_body,
    run_config,
    start_standin,
)
from tests.bench.floor_rows import floor_rounds
from tests.bench.load import run_load
from tests.bench.rows import Row, measure, render
from tests.bench.targets import DIRECT, summary


async def raw_httpx(port: int, requests: int) -> dict[str, float]:
    """A plain httpx client straight to the stand-in, one request at a time."""
    samples = []
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
        for _ in range(50):
            await client.post("/v1/chat/completions", content=OPENAI_BODY)
        for _ in range(requests):
            started = time.perf_counter()
            response = await client.post("/v1/chat/completions", content=OPENAI_BODY)
            samples.append(time.perf_counter() - started)
            assert response.status_code == 200
    return percentiles(samples)


def direct_rows(port: int, plan: Plan) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="byom-bench-direct-") as tmp:
        url, path = f"http://127.0.0.1:{port}", "/v1/chat/completions"
        spec = [("POST", path, "Bearer sk-direct", OPENAI_BODY)]
        sse = [("POST", path, "Bearer sk-direct", openai_body(stream=True))]
        run_load(url, spec + sse, requests=500, concurrency=8, workdir=Path(tmp))
        runs = [(DIRECT, spec, 1, plan.sequential), (DIRECT, spec, 32, plan.concurrent),
                (DIRECT + " SSE", sse, 1, plan.sequential)]  # fmt: skip
        rows = [
            measure("-", target, url, specs, requests=count, concurrency=concurrency,
                    workdir=Path(tmp), server_pid=None)
            for target, specs, concurrency, count in runs
        ]  # fmt: skip
    raw = asyncio.run(raw_httpx(port, plan.sequential))
    rows.append(
        Row("-", "a'. stand-in direct (httpx client)", "sequential", plan.sequential,
            0.0, raw["p50_ms"], raw["p95_ms"], raw["p99_ms"], None, 0)
    )  # fmt: skip
    return rows


def byom_rows(
    port: int, plan: Plan, transports: list[str], only: str
) -> tuple[list[Row], dict[str, Any]]:
    rows: list[Row] = []
    figures: dict[str, Any] = {}
    for transport in transports:
        if "postgres" in only:
            with scratch_postgres() as pg_url:
                if pg_url is None:
                    print(
                        "PostgreSQL skipped: set BYOM_BENCH_POSTGRES_URL or BYOM_TEST_POSTGRES_URL"
                    )
                else:
                    name = f"postgres 2w {transport}"
                    got, figures[name] = run_config(name, pg_url, 2, transport, port, plan)
                    rows += got
        if "sqlite" in only:
            with tempfile.TemporaryDirectory(prefix="byom-bench-sqlite-") as tmp:
                name = f"sqlite 1w {transport}"
                url = f"sqlite+aiosqlite:///{tmp}/byom.db"
                got, figures[name] = run_config(name, url, 1, transport, port, plan)
                rows += got
    return rows, figures


def litellm_rows(port: int, plan: Plan) -> tuple[list[Row], str]:
    """LiteLLM's rows, or none and the reason (the rest of the benchmark runs regardless)."""
    try:
        with tempfile.TemporaryDirectory(prefix="byom-bench-litellm-") as tmp:
            rows = litellm_proxy.run(port, plan.sequential, plan.concurrent, Path(tmp))
        return rows, f"litellm[proxy]=={litellm_proxy.VERSION}"
    except (RuntimeError, OSError, ValueError, TimeoutError) as error:
        return [], f"LiteLLM proxy not measured: {error}"


def added_latency(rows: list[Row]) -> list[list[Any]]:
    baseline = {(r.mode, "SSE" in r.target): r for r in rows if r.target.startswith(DIRECT)}
    added = []
    for r in rows:
        a = baseline.get((r.mode, "SSE" in r.target))
        if r.config != "-" and a is not None and "long" not in r.target:
            added.append([r.config, r.target, r.mode, r.p50_ms - a.p50_ms, r.p99_ms - a.p99_ms])
    return added


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--sequential", type=int, default=400)
    parser.add_argument("--concurrent", type=int, default=3000)
    parser.add_argument("--transports", default="aiohttp")
    parser.add_argument("--only", default="postgres,sqlite,litellm,floor")
    args = parser.parse_args()
    command = ".venv/bin/python -m tests.bench.bench_gateway " + " ".join(sys.argv[1:])
    plan = Plan(args.sequential, args.concurrent)
    transports = args.transports.split(",")
    started = time.monotonic()
    standin, port = start_standin()
    try:
        rows = direct_rows(port, plan)
        got, figures = byom_rows(port, plan, transports, args.only)
        rows += got
        note = "not asked for (--only)"
        if "litellm" in args.only:
            got, note = litellm_rows(port, plan)
            rows += got
        floors = floor_rounds(port, plan) if "floor" in args.only else []
    finally:
        standin.terminate()
        standin.wait(10)

    print()
    print(render(rows))
    added = added_latency(rows)
    print()
    print("BYOM's and LiteLLM's added latency over the stand-in direct, same load generator:")
    print(table(["config", "target", "mode", "added p50 ms", "added p99 ms"], added))
    print()
    print("Resident memory per worker (MB) and start-up:", json.dumps(figures))
    main_config = next(iter(figures), "-")
    lines = summary(rows, figures, main_config, note, floors)
    print()
    print("\n".join(lines))
    path = write_results(
        "gateway",
        command,
        {
            "rows": [asdict(r) for r in rows],
            "added_latency_ms": [
                dict(zip(["config", "target", "mode", "p50", "p99"], a, strict=True)) for a in added
            ],
            "servers": figures,
            "floors": [asdict(floor) for floor in floors],
            "summary": lines,
            "litellm": note,
            "shipped_transport": ProviderSettings().http_transport,
            "users": USERS,
            "sessions": USERS * SESSIONS_PER_USER,
        },
    )
    print(f"\nwritten to {path} in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
