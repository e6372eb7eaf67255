"""The floor's stream rounds (tests/bench/floor_relay.py), served by uvicorn with 2 workers as
BYOM's main configuration is, in alternation as BYOM's are (tests/bench/alternation.py): how
much of a short stream's excess over a JSON call and its chunks the framework has before any of
BYOM's own layers. Reported beside BYOM's verdict, not judged."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.bench._common import bench_env
from tests.bench.alternation import Round, alternate
from tests.bench.byom_server import openai_body
from tests.bench.load import run_load
from tests.support.live_server import free_port
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


def floor_rounds(standin_port: int, requests: int) -> dict[str, list[Round]]:
    """Each floor's alternated rounds (none for a floor whose requests failed)."""
    specs = tuple(
        [("POST", PATH, "Bearer floor", body)]
        for body in (
            openai_body(),
            openai_body(stream=True),
            openai_body(stream=True, tag=MEDIUM_STREAM_TAG),
            openai_body(stream=True, tag=LONG_STREAM_TAG),
        )
    )
    json_specs, sse, medium, long = specs
    out = {}
    for name, stream, http in FLOORS:
        with (
            tempfile.TemporaryDirectory(prefix="byom-bench-floor-") as tmp,
            served(standin_port, stream, http, Path(tmp)) as (url, pid),
        ):
            run_load(url, [*json_specs, *sse, *long], requests=600, concurrency=8,
                     workdir=Path(tmp))  # fmt: skip
            out[name] = alternate(url, (json_specs, sse, medium, long), requests=requests,
                                  server_pid=pid, workdir=Path(tmp))  # fmt: skip
    return out


@contextmanager
def served(standin_port: int, stream: str, http: str, workdir: Path) -> Iterator[tuple[str, int]]:
    """The floor's URL and its supervisor's pid, once it answers a JSON call."""
    port = free_port()
    env = bench_env(
        FLOOR_UPSTREAM=f"http://127.0.0.1:{standin_port}{PATH}",
        FLOOR_STREAM=stream,
    )
    command = [sys.executable, "-m", "uvicorn", "tests.bench.floor_relay:app", "--port",
               str(port), "--workers", "2", "--http", http, "--no-access-log",
               "--log-level", "warning"]  # fmt: skip
    with (workdir / "floor.log").open("wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603 (our own module)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_answering(url, process, workdir / "floor.log")
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(15)


def _wait_until_answering(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"the floor exited: {log.read_text(errors='replace')[-400:]}")
            try:
                if client.post(url + PATH, content=openai_body()).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
    raise RuntimeError("the floor did not answer in 60 s")
