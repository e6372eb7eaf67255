"""The floor's stream rounds (tests/bench/floor_relay.py), served by uvicorn with 2 workers as
BYOM's main configuration is, in alternated rounds as BYOM's are (tests/bench/alternation.py;
each floor's rounds alternate its own rows, after BYOM's): how much of a short stream's excess
over a JSON call and its chunks a relay has with no layer of BYOM's. Reported beside BYOM's
verdict, not judged."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.bench._common import bench_env, stop_tree, wait_until_ready
from tests.bench.alternation import Floor, alternate
from tests.bench.byom_server import Plan, openai_body, stream_slice
from tests.bench.load import Spec, run_load
from tests.support.live_server import REPO, free_port
from tests.support.standin_openai import LONG_STREAM_TAG, MEDIUM_STREAM_TAG

PATH = "/v1/chat/completions"
# Each floor: its name in the summary, how its streams are sent, and uvicorn's HTTP protocol.
FLOORS = (
    ("bare relay (Litestar's Stream, uvicorn's protocol)", "litestar", "httptools"),
    (
        "bare relay with BYOM's LeanStream and protocol",
        "lean",
        "entrypoints.cli._http_protocol:DrainingHttpToolsProtocol",
    ),
)
# A floor's calls cost a third of BYOM's or less: slices three times BYOM's, as steady a figure.
SLICE_FACTOR = 3


def floor_rounds(standin_port: int, plan: Plan) -> list[Floor]:
    """Each floor's alternated rounds; a floor that would not start or whose requests failed
    says so, and the benchmark goes on."""

    def spec(body: str) -> list[Spec]:
        return [("POST", PATH, "Bearer floor", body)]

    specs = (
        spec(openai_body()),
        spec(openai_body(stream=True)),
        spec(openai_body(stream=True, tag=MEDIUM_STREAM_TAG)),
        spec(openai_body(stream=True, tag=LONG_STREAM_TAG)),
    )
    out = []
    for name, stream, http in FLOORS:
        try:
            with tempfile.TemporaryDirectory(prefix="byom-bench-floor-") as tmp:
                workdir = Path(tmp)
                with floor_served(standin_port, stream, http, workdir) as (url, pid):
                    # Warms each worker's client pool and code, as BYOM's warm-up does.
                    mixed = [one for kind in specs for one in kind]
                    run_load(url, mixed, requests=600, concurrency=8, workdir=workdir)
                    rounds = alternate(url, specs, requests=SLICE_FACTOR * stream_slice(plan),
                                       server_pid=pid, workdir=workdir)  # fmt: skip
            out.append(Floor(name, rounds, None if rounds else "its requests failed"))
        except (RuntimeError, OSError, subprocess.SubprocessError) as error:
            out.append(Floor(name, failure=str(error) or type(error).__name__))
    return out


@contextmanager
def floor_served(
    standin_port: int, stream: str, http: str, workdir: Path
) -> Iterator[tuple[str, int]]:
    """The floor's URL and its supervisor's pid, once it answers a JSON call."""
    port = free_port()
    env = bench_env(FLOOR_UPSTREAM=f"http://127.0.0.1:{standin_port}{PATH}", FLOOR_STREAM=stream)
    command = [sys.executable, "-m", "uvicorn", "tests.bench.floor_relay:app", "--host",
               "127.0.0.1", "--port", str(port), "--workers", "2", "--http", http,
               "--no-access-log", "--log-level", "warning"]  # fmt: skip
    log = workdir / "floor.log"
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 (our own module)
            command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=REPO
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(
            process, lambda client: client.post(url + PATH, content=openai_body()).is_success,
            log=log, timeout_s=60, name="the floor",
        )  # fmt: skip
        yield url, process.pid
    finally:
        stop_tree(process)
