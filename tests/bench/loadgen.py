"""A cheap load generator in a process of its own: aiohttp on uvloop, keep-alive, a bounded
number of requests at a fixed concurrency. Prints one JSON line: requests, seconds, latency
percentiles, errors and its own CPU time (so its cost is visible, not hidden in BYOM's).

    python -m tests.bench.loadgen URL SPECS.tsv --requests N --concurrency C

SPECS.tsv lines: method, path, Authorization header (may be empty), JSON body (may be empty)
and, optionally, an Accept header, tab-separated; requests go round robin over them. For each
server-sent event stream it counts the ``data:`` lines (the chunks the client received).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from pathlib import Path

import aiohttp
import uvloop


def load_specs(path: Path) -> list[tuple[str, str, dict[str, str], bytes | None]]:
    specs = []
    for line in path.read_text().splitlines():
        method, target, auth, body, *accept = line.split("\t")
        headers = {"Content-Type": "application/json"}
        if auth:
            headers["Authorization"] = auth
        if accept and accept[0]:
            headers["Accept"] = accept[0]
        specs.append((method, target, headers, body.encode() if body else None))
    return specs


async def run(url: str, specs_path: Path, total: int, concurrency: int) -> dict[str, object]:
    specs = load_specs(specs_path)
    latencies: list[float] = []
    errors = 0
    events = 0
    statuses: dict[str, int] = {}
    issued = 0
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(url, connector=connector, timeout=timeout) as session:

        async def worker() -> None:
            nonlocal issued, errors, events
            while issued < total:
                method, target, headers, body = specs[issued % len(specs)]
                issued += 1
                started = time.perf_counter()
                try:
                    async with session.request(method, target, headers=headers, data=body) as r:
                        answer = await r.read()
                        if r.content_type == "text/event-stream":
                            events += answer.count(b"data:")
                        if r.status >= 300:
                            errors += 1
                            statuses[str(r.status)] = statuses.get(str(r.status), 0) + 1
                except (aiohttp.ClientError, TimeoutError) as error:
                    errors += 1
                    name = type(error).__name__
                    statuses[name] = statuses.get(name, 0) + 1
                latencies.append(time.perf_counter() - started)

        cpu0, wall0 = time.process_time(), time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    latencies.sort()

    def at(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    return {
        "requests": len(latencies),
        "seconds": wall,
        "errors": errors,
        "events": events,
        "error_kinds": statuses,
        "p50_ms": at(0.50),
        "p95_ms": at(0.95),
        "p99_ms": at(0.99),
        "mean_ms": sum(latencies) / len(latencies) * 1000,
        "loadgen_cpu_ms_per_request": cpu * 1000 / len(latencies),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("specs", type=Path)
    parser.add_argument("--requests", type=int, required=True)
    parser.add_argument("--concurrency", type=int, required=True)
    args = parser.parse_args()
    result = uvloop.run(run(args.url, args.specs, args.requests, args.concurrency))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
