"""Where a worker's CPU goes on the hot path: py-spy samples one ``byom serve`` worker while the
load generator sends chat messages (or gateway calls), then prints the frames with the most
samples, by own time and by inclusive time. Needs ptrace (root, or CAP_SYS_PTRACE).

    .venv/bin/python -m tests.bench.profile_hot_path [chat|gateway|gateway-sse] [--seconds 20]
        [--sqlite] [--concurrency 8]

``gateway-sse``: the gateway call streamed (the benchmark's short stream of the stand-in).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from tests.bench._common import scratch_postgres
from tests.bench.byom_server import seed_targets, server_env, settings_for, start_standin
from tests.bench.load import Spec, run_load
from tests.support.live_server import start_server

PY_SPY = str(Path(sys.executable).parent / "py-spy")
# The profile's targets, by the name of their specs in ``Targets``.
TARGETS = {"chat": "chat", "gateway": "gateway", "gateway-sse": "gateway_sse"}


def summarise(collapsed: Path, top: int) -> str:
    own: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        n = int(count)
        total += n
        frames = stack.split(";")
        own[frames[-1]] += n
        for frame in set(frames):
            inclusive[frame] += n
    out = [f"{total} samples", "", "own time:"]
    out += [f"{100 * n / total:5.1f}%  {f}" for f, n in own.most_common(top)]
    out += ["", "inclusive, by package (a sample counts once per package on its stack):"]
    packages: collections.Counter[str] = collections.Counter()
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        seen = {_package(frame) for frame in stack.split(";")}
        for package in seen:
            packages[package] += int(count)
    out += [f"{100 * n / total:5.1f}%  {p}" for p, n in packages.most_common(top)]
    out += ["", "inclusive, by function:"]
    out += [f"{100 * n / total:5.1f}%  {f}" for f, n in inclusive.most_common(top)]
    return "\n".join(out)


def _package(frame: str) -> str:
    """``Function (package/module.py:12)`` -> ``package/module.py``."""
    location = frame.rpartition("(")[2].split(":")[0]
    return location or frame


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("target", nargs="?", default="chat", choices=[*TARGETS, "me"])
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--concurrency", type=int, default=8, help="1: where sequential calls go")
    parser.add_argument("--top", type=int, default=45)
    parser.add_argument("--keep", type=Path, help="copy the raw py-spy samples there")
    args = parser.parse_args()
    standin, port = start_standin()
    try:
        with tempfile.TemporaryDirectory() as tmp, scratch_postgres() as pg:
            workdir = Path(tmp)
            url = f"sqlite+aiosqlite:///{tmp}/byom.db" if args.sqlite or pg is None else pg
            if url.startswith("sqlite"):
                from adapters.persistence.sqlalchemy.migrate import upgrade

                asyncio.run(upgrade(url))
            seeded = asyncio.run(seed_targets(settings_for(url, port, workdir)))
            env = server_env(url, port, workdir)
            server = start_server(env, workers=1, log_path=workdir / "serve.log")
            me: list[Spec] = [("GET", "/api/v1/users/me", spec[2], "") for spec in seeded.chat]
            specs = me if args.target == "me" else getattr(seeded, TARGETS[args.target])
            try:
                run_load(server.url, specs, requests=300, concurrency=8, workdir=workdir)
                out = workdir / "profile.txt"
                # --gil: only the thread holding the GIL, i.e. where the CPU goes.
                spy = subprocess.Popen(  # noqa: S603
                    [PY_SPY, "record", "--pid", str(server.process.pid), "--format", "raw", "--gil",
                     "--output", str(out), "--duration", str(args.seconds), "--rate", "250"],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                )  # fmt: skip
                stop = threading.Event()

                def load() -> None:
                    while not stop.is_set():
                        run_load(server.url, specs, requests=400, concurrency=args.concurrency,
                                 workdir=workdir)  # fmt: skip

                thread = threading.Thread(target=load)
                thread.start()
                spy.wait()
                stop.set()
                thread.join()
                print(summarise(out, args.top))
                if args.keep:
                    args.keep.write_text(out.read_text())
            finally:
                server.stop()
    finally:
        standin.terminate()


if __name__ == "__main__":
    main()
