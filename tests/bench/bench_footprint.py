"""Footprint of ``byom serve``: start-up time to the first 200 on /health/ready (from the fork of
the ``byom`` process: imports, settings, migrations check, keyring, database), and resident
memory per worker idle and after load.

    .venv/bin/python -m tests.bench.bench_footprint [--starts 3] [--load 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

from adapters.persistence.sqlalchemy.migrate import upgrade
from tests.bench._common import (
    bench_env,
    scratch_postgres,
    table,
    worker_rss_mb,
    write_results,
)
from tests.bench.byom_server import KEYS, seed, settings_for, start_standin
from tests.bench.load import run_load
from tests.support.builders import JWT_SECRET
from tests.support.live_server import start_server


def env_for(url: str, var_dir: str, standin_port: int, **extra: str) -> dict[str, str]:
    return bench_env(
        BYOM_VAR_DIR=var_dir,
        BYOM_DATABASE_URL=url,
        BYOM_ENCRYPTION_KEYS=KEYS,
        BYOM_JWT_SECRET=JWT_SECRET,
        BYOM_OPENAI_BASE_URL=f"http://127.0.0.1:{standin_port}/v1",
        **extra,
    )


def start_times(
    url: str, workers: int, starts: int, port: int, **extra: str
) -> tuple[float, list[float]]:
    """One cold start (it compiles the bytecode cache), then ``starts`` warm ones."""
    times = []
    with tempfile.TemporaryDirectory(prefix="byom-footprint-") as tmp:
        for _ in range(starts + 1):
            server = start_server(
                env_for(url, tmp, port, **extra), workers=workers, log_path=Path(tmp) / "s.log"
            )
            times.append(server.started_s)
            server.stop()
    return times[0], times[1:]


def memory(url: str, workers: int, load: int, port: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="byom-footprint-") as tmp:
        chat, gateway = asyncio.run(seed(settings_for(url, port, Path(tmp))))
        server = start_server(
            env_for(url, tmp, port), workers=workers, log_path=Path(tmp) / "s.log"
        )
        try:
            # Every worker up and past its first requests, then quiet: that is idle.
            health = [("GET", "/health/ready", "", "")]
            run_load(server.url, health, requests=200, concurrency=8, workdir=Path(tmp))
            time.sleep(2)
            idle = worker_rss_mb(server.process.pid)
            supervisor = round(psutil.Process(server.process.pid).memory_info().rss / 2**20, 1)
            mixed = [s for pair in zip(chat, gateway, strict=False) for s in pair]
            result = run_load(server.url, mixed, requests=load, concurrency=32, workdir=Path(tmp))
            loaded = worker_rss_mb(server.process.pid)
        finally:
            server.stop()
    return {
        "idle_mb": idle,
        "after_load_mb": loaded,
        "supervisor_mb": supervisor if workers > 1 else None,
        "load_requests": load,
        "errors": result.errors,
    }


def targets(startup: dict[str, tuple[float, list[float]]], rss: dict[str, Any]) -> str:
    """Issue 15's two footprint targets, each on one line: idle RSS per worker (PostgreSQL,
    2 workers) and the time to ready on PostgreSQL (warm median)."""
    lines = []
    if "PostgreSQL, 2 workers" in rss:
        idle = rss["PostgreSQL, 2 workers"]["idle_mb"]
        lines.append(f"idle RSS per worker, PostgreSQL, 2 workers: {max(idle)} MB (target <= 110)")
    for name, (_, warm) in startup.items():
        if "PostgreSQL" in name:
            median = statistics.median(warm)
            lines.append(f"ready, {name}: {median:.3f} s warm median (target <= 1.5)")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--starts", type=int, default=3)
    parser.add_argument("--load", type=int, default=2000)
    args = parser.parse_args()
    command = ".venv/bin/python -m tests.bench.bench_footprint " + " ".join(sys.argv[1:])
    standin, port = start_standin()
    startup: dict[str, tuple[float, list[float]]] = {}
    rss: dict[str, Any] = {}
    production = {"BYOM_ENV": "production", "BYOM_METRICS_TOKEN": "bench-" + "m" * 26}
    try:
        with tempfile.TemporaryDirectory(prefix="byom-footprint-db-") as tmp:
            sqlite = f"sqlite+aiosqlite:///{tmp}/byom.db"
            asyncio.run(upgrade(sqlite))
            startup["development, SQLite, 1 worker"] = start_times(sqlite, 1, args.starts, port)
            rss["SQLite, 1 worker"] = memory(sqlite, 1, args.load, port)
        with scratch_postgres() as pg:
            if pg is None:
                print("PostgreSQL skipped: set BYOM_BENCH_POSTGRES_URL or BYOM_TEST_POSTGRES_URL")
            else:
                startup["development, PostgreSQL, 1 worker"] = start_times(pg, 1, args.starts, port)
                startup["production, PostgreSQL, 1 worker"] = start_times(
                    pg, 1, args.starts, port, **production
                )
                startup["production, PostgreSQL, 2 workers"] = start_times(
                    pg, 2, args.starts, port, **production
                )
                rss["PostgreSQL, 2 workers"] = memory(pg, 2, args.load, port)
    finally:
        standin.terminate()
        standin.wait(10)
    print(table(
        ["byom serve (development applies migrations first)", "warm median s", "warm min s",
         "warm max s", "cold s"],
        [[k, statistics.median(warm), min(warm), max(warm), cold]
         for k, (cold, warm) in startup.items()],
    ))  # fmt: skip
    print()
    print(table(
        ["byom serve", "RSS idle MB per worker", f"RSS after {args.load} requests MB",
         "supervisor MB", "errors"],
        [[k, " / ".join(map(str, v["idle_mb"])), " / ".join(map(str, v["after_load_mb"])),
          v["supervisor_mb"], v["errors"]] for k, v in rss.items()],
    ))  # fmt: skip
    print()
    print(targets(startup, rss))
    path = write_results(
        "footprint",
        command,
        {
            "startup_seconds": {k: {"cold": c, "warm": w} for k, (c, w) in startup.items()},
            "rss": rss,
        },
    )
    print(f"\nwritten to {path}")


if __name__ == "__main__":
    main()
