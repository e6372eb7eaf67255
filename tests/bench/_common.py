"""What every benchmark shares: the machine, result files, tables, percentiles, process CPU,
a scratch PostgreSQL database (the load generator: load.py)."""

from __future__ import annotations

import asyncio
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Any

import httpx
import psutil

RESULTS = Path("bench-results")
PACKAGES = (
    "litestar",
    "httpx",
    "httpx-aiohttp",
    "aiohttp",
    "sqlalchemy",
    "asyncpg",
    "aiosqlite",
    "uvicorn",
    "msgspec",
    "cryptography",
    "prometheus-client",
)


def machine() -> dict[str, Any]:
    versions: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "versions": versions,
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def write_results(name: str, command: str, figures: dict[str, Any]) -> Path:
    RESULTS.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    document = {
        "benchmark": name,
        "command": command,
        "finished_at": stamp,
        "machine": machine(),
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        **figures,
    }
    path = RESULTS / f"{name}-{stamp}.json"
    text = json.dumps(document, indent=2, default=str)
    path.write_text(text)
    (RESULTS / f"{name}-latest.json").write_text(text)
    return path


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [
        max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)
    ]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    out = [line, "  ".join("-" * w for w in widths)]
    for row in cells:
        out.append(
            "  ".join(
                v.rjust(w) if _numeric(v) else v.ljust(w) for v, w in zip(row, widths, strict=True)
            )
        )
    return "\n".join(out)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    return str(value)


def _numeric(text: str) -> bool:
    return text.replace(",", "").replace(".", "").replace("-", "").isdigit()


def percentiles(samples_s: Sequence[float]) -> dict[str, float]:
    """p50/p95/p99 and mean, in milliseconds."""
    ordered = sorted(samples_s)

    def at(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000

    return {
        "p50_ms": at(0.50),
        "p95_ms": at(0.95),
        "p99_ms": at(0.99),
        "mean_ms": statistics.fmean(ordered) * 1000,
    }


# --- processes ----------------------------------------------------------------------------


def tree(pid: int) -> list[psutil.Process]:
    parent = psutil.Process(pid)
    return [parent, *parent.children(recursive=True)]


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and all its children (uvicorn workers)."""
    total = 0.0
    for process in tree(pid):
        try:
            times = process.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total


def wait_until_ready(
    process: subprocess.Popen[bytes],
    ready: Callable[[httpx.Client], bool],
    *,
    log: Path,
    timeout_s: float,
    name: str,
) -> None:
    """Returns once ``ready`` says so; else stops the process tree and raises RuntimeError (the
    process exited, or ``timeout_s`` passed)."""
    deadline = time.monotonic() + timeout_s
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                tail = log.read_text(errors="replace")[-400:]
                raise RuntimeError(f"{name} exited with {process.returncode}: {tail}")
            try:
                if ready(client):
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
    stop_tree(process)
    raise RuntimeError(f"{name} was not ready in {timeout_s:.0f} s")


def stop_tree(process: subprocess.Popen[bytes]) -> None:
    """Ends a server and every worker it started, by pid: one that outlives its supervisor
    would keep the port and the CPU."""
    try:
        children = tree(process.pid)[1:]
    except psutil.NoSuchProcess:
        children = []
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)
    for child in children:
        if child.is_running():
            os.kill(child.pid, signal.SIGKILL)


def worker_rss_mb(pid: int) -> list[float]:
    """Resident memory of each serving process: the workers (the supervisor's children, forked
    or spawned, but for multiprocessing's resource tracker), or the process itself if alone."""
    parent = psutil.Process(pid)
    workers = [p for p in parent.children() if "resource_tracker" not in " ".join(_cmdline(p))]
    return [round(p.memory_info().rss / 2**20, 1) for p in workers or [parent]]


def _cmdline(process: psutil.Process) -> list[str]:
    try:
        return [str(part) for part in process.cmdline()]
    except psutil.Error:
        return []


# --- processes we start ----------------------------------------------------------------------


def bench_env(**extra: str) -> dict[str, str]:
    """The environment for the processes a benchmark starts: no BYOM_* from the caller, and
    compiled bytecode kept between starts (outside the tree, in bench-results/.pycache), as any
    installed service has it. This machine sets PYTHONDONTWRITEBYTECODE, which would make every
    start compile every module again (3 s instead of 1.2 s of imports)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("BYOM_", "PROMETHEUS_")) and k != "PYTHONDONTWRITEBYTECODE"
    }
    env["PYTHONPYCACHEPREFIX"] = str((RESULTS / ".pycache").resolve())
    env.update(extra)
    return env


# --- PostgreSQL ---------------------------------------------------------------------------


def postgres_base_url() -> str | None:
    return os.environ.get("BYOM_BENCH_POSTGRES_URL") or os.environ.get("BYOM_TEST_POSTGRES_URL")


@contextmanager
def scratch_postgres() -> Iterator[str | None]:
    """A fresh database on the server of BYOM_BENCH_POSTGRES_URL (or BYOM_TEST_POSTGRES_URL),
    migrated, dropped afterwards. None when neither is set."""
    base = postgres_base_url()
    if base is None:
        yield None
        return
    from sqlalchemy.engine import make_url

    from adapters.persistence.sqlalchemy.migrate import upgrade

    name = f"byom_bench_{uuid.uuid4().hex[:12]}"
    _pg_admin(base, f'CREATE DATABASE "{name}"')
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    try:
        asyncio.run(upgrade(url))
        yield url
    finally:
        _pg_admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _pg_admin(url: str, statement: str) -> None:
    import asyncpg
    from sqlalchemy.engine import make_url

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)

    async def run() -> None:
        connection = await asyncpg.connect(dsn, timeout=10)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(run())
