"""Change feeds across processes: the delay from ``publish`` on one feed to the other feed's
listener (two feeds, each on its own connection, as two workers hold them; both in this one
process, so the receiving side shares the sender's event loop), the time ``publish`` itself
takes, alone and 32 at once (the PostgreSQL feed sends on its listening connection under a
lock), and the CPU of this process per notice (sending and receiving).

    .venv/bin/python -m tests.bench.bench_change_feed [--samples 200]

PostgreSQL from BYOM_BENCH_POSTGRES_URL or BYOM_TEST_POSTGRES_URL, Redis from
BYOM_BENCH_REDIS_URL or BYOM_TEST_REDIS_URL; a feed whose server is not given is skipped.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
import uuid
from collections.abc import Callable
from typing import Any
from uuid import UUID

from adapters.changes.postgres_notify import PostgresChangeFeed
from adapters.changes.redis_pubsub import RedisChangeFeed
from domain.ports import ChangeFeed
from tests.bench._common import percentiles, postgres_base_url, table, write_results

CONCURRENT = 32


async def measure(make: Callable[[str], ChangeFeed], samples: int) -> dict[str, Any]:
    sender, receiver = make("bench-sender"), make("bench-receiver")
    await sender.open()
    await receiver.open()
    arrived: dict[UUID, float] = {}
    waiting: dict[UUID, asyncio.Event] = {}

    def heard(user: UUID | None) -> None:
        if user in waiting:
            arrived[user] = time.perf_counter()
            waiting[user].set()

    receiver.subscribe(heard)
    delays, publishes = [], []
    try:
        cpu_before = time.process_time()
        for n in range(samples + 20):  # the first 20 warm up
            user = uuid.uuid4()
            waiting[user] = asyncio.Event()
            start = time.perf_counter()
            await sender.publish(user)
            sent = time.perf_counter()
            async with asyncio.timeout(10):
                await waiting[user].wait()
            if n >= 20:
                delays.append(arrived[user] - start)
                publishes.append(sent - start)
            if n == 19:
                cpu_before = time.process_time()
        cpu_ms = (time.process_time() - cpu_before) / samples * 1000
        together = await concurrent_publishes(sender)
    finally:
        await sender.aclose()
        await receiver.aclose()
    return {
        "delay": percentiles(delays),
        "publish": percentiles(publishes),
        "publish_32_at_once": percentiles(together),
        "cpu_ms_per_notice": cpu_ms,
    }


async def concurrent_publishes(feed: ChangeFeed) -> list[float]:
    async def one() -> float:
        start = time.perf_counter()
        await feed.publish(uuid.uuid4())
        return time.perf_counter() - start

    times: list[float] = []
    for _ in range(10):
        times.extend(await asyncio.gather(*(one() for _ in range(CONCURRENT))))
    return times


def feeds() -> dict[str, Callable[[str], ChangeFeed] | None]:
    tag = uuid.uuid4().hex[:8]
    postgres = postgres_base_url()
    redis = os.environ.get("BYOM_BENCH_REDIS_URL") or os.environ.get("BYOM_TEST_REDIS_URL")

    def on_postgres(url: str) -> Callable[[str], ChangeFeed]:
        return lambda name: PostgresChangeFeed(url, channel=f"bench_{tag}", name=name)

    def on_redis(url: str) -> Callable[[str], ChangeFeed]:
        return lambda name: RedisChangeFeed(url, channel=f"bench-{tag}", name=name)

    return {
        "PostgreSQL LISTEN/NOTIFY": on_postgres(postgres) if postgres else None,
        "Redis pub/sub": on_redis(redis) if redis else None,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    rows: list[list[Any]] = []
    figures: dict[str, Any] = {}
    for name, make in feeds().items():
        if make is None:
            rows.append([name, "skipped: no server", None, None, None, None, None])
            continue
        result = asyncio.run(measure(make, args.samples))
        figures[name] = result
        delay, alone, together = result["delay"], result["publish"], result["publish_32_at_once"]
        rows.append(
            [
                name,
                f"{delay['p50_ms']:.3f} / {delay['p99_ms']:.3f}",
                alone["p50_ms"],
                together["p50_ms"],
                together["p99_ms"],
                result["cpu_ms_per_notice"],
                args.samples,
            ]
        )
    headers = [
        "feed",
        "publish→other's listener p50 / p99 ms",
        "publish p50 ms",
        f"publish p50 ms ({CONCURRENT} at once)",
        "p99 ms",
        "CPU ms / notice",
        "samples",
    ]
    print(table(headers, rows))
    command = "python -m tests.bench.bench_change_feed"
    print(f"\n{write_results('change_feed', command, {'feeds': figures})}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
