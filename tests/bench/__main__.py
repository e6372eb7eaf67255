"""``make bench``: every benchmark in turn, with its defaults. Each prints its table and writes
JSON to bench-results/ (machine, versions, figures).

    .venv/bin/python -m tests.bench
"""

from __future__ import annotations

import subprocess
import sys

BENCHMARKS = (
    "tests.bench.bench_vault",
    "tests.bench.bench_footprint",
    "tests.bench.bench_gateway",
    "tests.bench.llm_transports",
    "tests.bench.bench_change_feed",
)


def main() -> int:
    failed = 0
    for module in BENCHMARKS:
        print(f"\n=== {module}\n", flush=True)
        failed += subprocess.run([sys.executable, "-m", module], check=False).returncode != 0  # noqa: S603
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
