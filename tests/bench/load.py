"""Running tests/bench/loadgen.py in a process of its own and reading its figures."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tests.bench._common import bench_env

# (method, path, Authorization header or "", JSON body or "") and optionally an Accept header.
Spec = tuple[str, ...]


@dataclass
class LoadResult:
    requests: int
    seconds: float
    errors: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    loadgen_cpu_ms_per_request: float
    error_kinds: dict[str, int] = field(default_factory=dict)
    events: int = 0  # ``data:`` lines of the event streams received

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def run_load(
    url: str,
    specs: Sequence[Spec],
    *,
    requests: int,
    concurrency: int,
    workdir: Path,
) -> LoadResult:
    """``specs``: see ``Spec``; requests go round robin over them. Runs
    tests/bench/loadgen.py in a process of its own for exactly ``requests`` requests."""
    spec_file = workdir / f"specs-{uuid.uuid4().hex[:8]}.tsv"
    spec_file.write_text("\n".join("\t".join(s) for s in specs) + "\n")
    command = [
        sys.executable,
        "-m",
        "tests.bench.loadgen",
        url,
        str(spec_file),
        "--requests",
        str(requests),
        "--concurrency",
        str(concurrency),
    ]
    done = subprocess.run(  # noqa: S603
        command, capture_output=True, text=True, check=True, env=bench_env()
    )
    return LoadResult(**json.loads(done.stdout.strip().splitlines()[-1]))
