"""One row of the gateway benchmark's table: a target measured in one mode, with the CPU the
server's process tree spent on it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tests.bench._common import cpu_seconds, table
from tests.bench.load import LoadResult, Spec, run_load

HEADERS = (
    "config", "target", "mode", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms",
    "CPU ms/req", "chunks/req", "CPU us/chunk", "errors",
)  # fmt: skip


@dataclass
class Row:
    config: str
    target: str
    mode: str
    requests: int
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    cpu_ms_per_request: float | None
    errors: int
    loadgen_cpu_ms_per_request: float = 0.0
    error_kinds: dict[str, int] = field(default_factory=dict)
    chunks_per_request: float | None = None  # streamed rows: ``data:`` events received

    @property
    def cpu_us_per_chunk(self) -> float | None:
        """The whole request's CPU spread over its chunks (the marginal cost is in targets.py)."""
        if self.cpu_ms_per_request is None or not self.chunks_per_request:
            return None
        return self.cpu_ms_per_request * 1000 / self.chunks_per_request


def slope_us(
    short_ms: float, short_chunks: float, long_ms: float, long_chunks: float
) -> float | None:
    """The CPU one more streamed chunk costs (µs): the slope between a short and a long stream
    (None when the second is not longer)."""
    extra = long_chunks - short_chunks
    return (long_ms - short_ms) * 1000 / extra if extra > 0 else None


def mode_name(concurrency: int) -> str:
    return "sequential" if concurrency == 1 else f"c{concurrency}"


def measure(
    config: str,
    target: str,
    url: str,
    specs: Sequence[Spec],
    *,
    requests: int,
    concurrency: int,
    workdir: Path,
    server_pid: int | None,
) -> Row:
    """Runs the load; the CPU is the server's process tree's (workers included) over it."""
    before = cpu_seconds(server_pid) if server_pid else 0.0
    result: LoadResult = run_load(
        url, specs, requests=requests, concurrency=concurrency, workdir=workdir
    )
    cpu = None
    if server_pid is not None:
        cpu = (cpu_seconds(server_pid) - before) * 1000 / max(result.requests, 1)
    streamed = any(len(s) > 4 and s[4] for s in specs) or '"stream":true' in specs[0][3]
    return Row(
        config,
        target,
        mode_name(concurrency),
        result.requests,
        result.rps,
        result.p50_ms,
        result.p95_ms,
        result.p99_ms,
        cpu,
        result.errors,
        result.loadgen_cpu_ms_per_request,
        result.error_kinds,
        result.events / max(result.requests, 1) if streamed else None,
    )


def errors_cell(row: Row) -> str:
    kinds = ", ".join(f"{n}x{k}" for k, n in sorted(row.error_kinds.items()))
    return f"{row.errors} ({kinds})" if kinds else str(row.errors)


def render(rows: Sequence[Row]) -> str:
    return table(
        HEADERS,
        [
            [r.config, r.target, r.mode, r.requests, r.rps, r.p50_ms, r.p95_ms, r.p99_ms,
             r.cpu_ms_per_request, r.chunks_per_request, r.cpu_us_per_chunk, errors_cell(r)]
            for r in rows
        ],
    )  # fmt: skip
