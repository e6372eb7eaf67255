"""``byom serve`` as a real server process on 127.0.0.1, the way an operator runs it.

Used by the slow multi-worker tests and by the benchmarks (tests/bench/). The caller owns the
process: ``stop()`` ends it (and its uvicorn workers) by pid, never by name.
"""

from __future__ import annotations

import os
import re
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.support.builders import JWT_SECRET, key_line

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def byom_command() -> list[str]:
    script = Path(sys.executable).parent / "byom"
    return [str(script)] if script.exists() else [sys.executable, "-m", "entrypoints.cli"]


def server_env(var_dir: Path, **extra: str) -> dict[str, str]:
    """A development-mode environment of its own: keyring, JWT secret, SQLite under var_dir."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BYOM_", "PROMETHEUS_"))}
    env.update(
        BYOM_VAR_DIR=str(var_dir),
        BYOM_ENCRYPTION_KEYS=key_line("k1"),
        BYOM_JWT_SECRET=JWT_SECRET,
        BYOM_LOG_LEVEL="WARNING",
    )
    env.update(extra)
    return env


@dataclass
class LiveServer:
    process: subprocess.Popen[bytes]
    port: int
    started_s: float
    log_path: Path
    pids: list[int] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, timeout: float = 15.0) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def start_server(
    env: Mapping[str, str],
    *,
    workers: int = 1,
    port: int | None = None,
    log_path: Path,
    ready_timeout_s: float = 60.0,
    extra_args: tuple[str, ...] = (),
) -> LiveServer:
    """Starts ``byom serve`` and returns once /health/ready answered 200 (``started_s`` is the
    time that took, from the fork)."""
    port = port or free_port()
    command = [*byom_command(), "serve", "--port", str(port), "--workers", str(workers)]
    started = time.perf_counter()
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 (our own command)
            [*command, *extra_args], env=dict(env), stdout=log, stderr=subprocess.STDOUT
        )
    server = LiveServer(process, port, 0.0, log_path)
    deadline = started + ready_timeout_s
    with httpx.Client(timeout=1.0) as client:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"byom serve exited with {process.returncode}:\n{server.log()}")
            try:
                if client.get(f"{server.url}/health/ready").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.perf_counter() > deadline:
                server.stop()
                raise RuntimeError(f"not ready in {ready_timeout_s}s:\n{server.log()}")
            time.sleep(0.01)
    server.started_s = time.perf_counter() - started
    return server


@contextmanager
def served(env: Mapping[str, str], **kwargs: object) -> Iterator[LiveServer]:
    server = start_server(env, **kwargs)  # type: ignore[arg-type]
    try:
        yield server
    finally:
        server.stop()


@dataclass
class StandIn:
    """The README's OpenAI stand-in (``python -m tests.support.standin``) as a process."""

    process: subprocess.Popen[str]
    ready_line: str
    base_url: str


@contextmanager
def standin_served(port: int = 0, ready_timeout_s: float = 30.0) -> Iterator[StandIn]:
    """Starts the stand-in (``port`` 0: a free one) and yields once it printed its ready line."""
    command = [sys.executable, "-m", "tests.support.standin", "--port", str(port)]
    process = subprocess.Popen(  # noqa: S603 (our own command)
        command, cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        readable, _, _ = select.select([process.stdout], [], [], ready_timeout_s)
        line = process.stdout.readline().strip() if readable else ""
        found = re.search(r"listening on (\S+);", line)
        if found is None:
            raise RuntimeError(
                f"the stand-in printed no ready line in {ready_timeout_s}s: {line!r}"
            )
        yield StandIn(process, line, found.group(1))
    finally:
        process.terminate()
        process.wait(10)
