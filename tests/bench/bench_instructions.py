"""The stream target of issue 15 in instructions: what a gateway JSON call, the stand-in's short
stream and its long one execute, counted by callgrind (Valgrind), not timed.

A slice's CPU time on this machine moves by 15-30% from one minute to the next, more than the
whole margin of the stream target (tests/bench/alternation.py); instructions counted in a
process of their own do not (two runs of the same code: each kind within 0.1%, the short
stream's excess within 5 k instructions, a JSON call being 2.5 million). They leave out
what an instruction costs: a cache miss, a mispredicted branch. So they are printed beside the
CPU verdict, not instead of it: they say whether a change removed work, the CPU what the work
cost. Where the two disagree, the difference is the speed of the code, not its amount.

Each kind of call runs in a child process under callgrind: the real app on in-memory stores
(``profile_http_layer.in_process_app``), the real OpenAI adapter and aiohttp calling the
stand-in (its own process, not counted), one call at a time. A child warms every kind up, sets
the collector as a ``byom serve`` worker does (``garbage.settle_after_startup``) and then off,
and makes its calls; each kind runs at two lengths, so what a child costs once (start-up,
warm-up, shutdown) cancels: one call = (I(2n) - I(n)) / n. Valgrind comes from Debian
(``apt-get install valgrind``); without it this benchmark says so and measures nothing.

    .venv/bin/python -m tests.bench.bench_instructions [--calls 128]
"""

from __future__ import annotations

import argparse
import gc
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import uvloop

from entrypoints.http.garbage import settle_after_startup
from tests.bench._common import bench_env, table, write_results
from tests.bench.byom_server import openai_body, start_standin
from tests.bench.profile_http_layer import in_process_app, run
from tests.bench.rows import over_json_and_chunks
from tests.support.standin_openai import LONG_STREAM_TAG

# One call at a time: at 32, how calls interleave (which answers one pass of the event loop
# finds ready, how many usage rows one commit takes) follows timing, and a JSON call's count
# moved by 4% between runs; one at a time, by under 0.1%.
CONCURRENCY = 1
WARM_UP = 32  # calls of each kind before the counted ones
BODIES = {
    "json": openai_body(),
    "short": openai_body(stream=True),
    "long": openai_body(stream=True, tag=LONG_STREAM_TAG),
}


@dataclass(frozen=True)
class Counts:
    """Instructions per call of each kind, and the streams' chunks (``data:`` events) per call."""

    json: float
    short: float
    long: float
    short_chunks: float
    long_chunks: float

    @property
    def per_chunk(self) -> float:
        return (self.long - self.short) / (self.long_chunks - self.short_chunks)

    @property
    def excess(self) -> float:
        """The short stream's instructions over the JSON call's and its chunks' at the marginal
        count: the stream target's arithmetic, in instructions."""
        return over_json_and_chunks(self.json, self.short, self.short_chunks, self.per_chunk)


def callgrind_total(profile: str) -> int:
    """The instructions a callgrind profile counted (its ``totals:`` line)."""
    for line in reversed(profile.splitlines()):
        if line.startswith("totals:"):
            return int(line.split()[1])
    raise ValueError("not a callgrind profile: no totals line")


def per_call(kind: str, calls: int) -> tuple[int, int]:
    """``calls`` for the kind (a long stream costs many short ones: fewer) and twice as many."""
    n = calls if kind != "long" else max(calls // 4, 8)
    return n, 2 * n


def count(valgrind: str, port: int, calls: int) -> Counts:
    jobs = [(kind, n) for kind in BODIES for n in per_call(kind, calls)]
    with tempfile.TemporaryDirectory() as tmp, ThreadPoolExecutor(2) as pool:  # 2 cores
        counted = pool.map(lambda job: _child_total(valgrind, port, job, Path(tmp)), jobs)
        totals = dict(zip(jobs, counted, strict=True))
    per = {}
    for kind in BODIES:
        n, twice = per_call(kind, calls)
        per[kind] = (totals[(kind, twice)][0] - totals[(kind, n)][0]) / n
    chunks = {kind: totals[(kind, calls)][1] for kind, calls in jobs}
    return Counts(per["json"], per["short"], per["long"], chunks["short"], chunks["long"])


def _child_total(valgrind: str, port: int, job: tuple[str, int], tmp: Path) -> tuple[int, float]:
    """A child's instructions, and the ``data:`` events per call it received."""
    kind, calls = job
    out = tmp / f"{kind}-{calls}.callgrind"
    command = [
        valgrind, "--tool=callgrind", f"--callgrind-out-file={out}", "--trace-children=no",
        sys.executable, "-m", "tests.bench.bench_instructions",
        "--child", kind, "--calls", str(calls), "--port", str(port),
    ]  # fmt: skip
    # A fixed hash seed: the same dictionaries probe the same slots in every child.
    done = subprocess.run(  # noqa: S603
        command, env=bench_env(PYTHONHASHSEED="0"), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"{kind} x {calls} under callgrind failed:\n{done.stderr[-2000:]}")
    return callgrind_total(out.read_text()), float(done.stdout.split()[-1])


async def child(kind: str, calls: int, port: int) -> None:
    """Warms up, counts ``calls`` of ``kind``, and prints the ``data:`` events per call."""
    with tempfile.TemporaryDirectory() as tmp:
        async with in_process_app(port, Path(tmp)) as (app, tokens):
            for body in BODIES.values():
                await run(app, tokens, WARM_UP, CONCURRENCY, body.encode())
            settle_after_startup()
            # A pass of the collector comes every few thousand calls (garbage.py): one more
            # or less in a child would weigh more on its count than a call's own difference.
            gc.disable()
            ran = await run(app, tokens, calls, CONCURRENCY, BODIES[kind].encode())
    print(ran.events)


def report(counts: Counts) -> list[str]:
    rows = [
        ("JSON call", f"{counts.json / 1e6:.3f}", "-"),
        (f"short stream ({counts.short_chunks:.0f} chunks)", f"{counts.short / 1e6:.3f}", "-"),
        (f"long stream ({counts.long_chunks:.0f} chunks)", f"{counts.long / 1e6:.3f}", "-"),
        ("one more chunk", "-", f"{counts.per_chunk / 1e3:.1f}"),
        ("short stream over JSON + chunks", "-", f"{counts.excess / 1e3:+.1f}"),
    ]
    share = 100 * counts.excess / counts.json
    return [
        table(("gateway call", "M instructions", "k instructions"), rows),
        f"the short stream over the JSON call and its chunks at the marginal count: "
        f"{counts.excess / 1e3:+.1f} k instructions ({share:+.1f}% of a JSON call)",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=128)
    parser.add_argument("--child", choices=sorted(BODIES), help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        uvloop.run(child(args.child, args.calls, args.port))
        return
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        print("valgrind is not installed (apt-get install valgrind): no instruction counts")
        return
    standin, port = start_standin()
    try:
        counts = count(valgrind, port, args.calls)
    finally:
        standin.terminate()
    print("\n".join(report(counts)))
    path = write_results(
        "instructions",
        "python -m tests.bench.bench_instructions " + " ".join(sys.argv[1:]),
        {"calls": args.calls, "per_call": asdict(counts), "per_chunk": counts.per_chunk,
         "excess": counts.excess},
    )  # fmt: skip
    print(f"\nwritten to {path}")


if __name__ == "__main__":
    main()
