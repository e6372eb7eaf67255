"""``byom serve``'s supervisor (entrypoints/cli/_supervisor.py) running two workers of
tests/support/forked_app.py, run by ``python -m tests.support.supervisor_probe [--spawn]
[--app module:factory]`` in a fresh interpreter (the supervisor takes over the process's signals
and forks it): it prints, as one JSON line, its own pid, what the workers answered, each worker's
exit code once stopped, how many ends of the health pipes each held that are not its
own, and whether its collector was on while its workers served (``byom serve`` starts with
it off).
``--app`` names another app (one that cannot be imported, say)."""

from __future__ import annotations

import gc
import json
import os
import signal
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from uvicorn.config import Config

from entrypoints.cli._supervisor import Supervisor

REQUESTS = 20
APP = "tests.support.forked_app:create_app"


def _ask(url: str, answers: list[dict[str, int]], then: Callable[[], None]) -> None:
    deadline = time.monotonic() + 60
    try:
        while len(answers) < REQUESTS and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (ours)
                    answers.append(json.loads(response.read()))
            except OSError:
                time.sleep(0.05)  # no worker listening yet
        then()
    finally:
        os.kill(os.getpid(), signal.SIGTERM)  # what an orchestrator sends: the supervisor stops


def _pipe_ends_held(supervisor: Supervisor) -> list[int]:
    """For each worker, how many ends of the supervisor's health pipes (uvicorn's ping/pong
    socket pairs) it holds besides its own child end: other workers' ones, or its own parent
    end. Read from /proc/<pid>/fd while it serves."""
    ends = {
        os.fstat(conn.fileno()).st_ino: (worker, conn is worker.child_conn)
        for worker in supervisor.processes
        for conn in (worker.parent_conn, worker.child_conn)
    }
    held = []
    for worker in supervisor.processes:
        fds = Path(f"/proc/{worker.pid}/fd")
        links = {os.readlink(fd) for fd in fds.iterdir()}
        held.append(
            sum(
                f"socket:[{inode}]" in links and not (owner is worker and child_end)
                for inode, (owner, child_end) in ends.items()
            )
        )
    return held


def main() -> None:
    app = sys.argv[sys.argv.index("--app") + 1] if "--app" in sys.argv else APP
    config = Config(
        app,
        factory=True,
        host="127.0.0.1",
        port=0,
        workers=2,
        lifespan="off",
        log_config=None,
    )
    listening = config.bind_socket()
    url = f"http://127.0.0.1:{listening.getsockname()[1]}/"
    gc.disable()  # as ``byom serve`` starts (entrypoints/cli/serve.py)
    supervisor = Supervisor(config, sockets=[listening], fork="--spawn" not in sys.argv)
    answers: list[dict[str, int]] = []
    held: list[int] = []
    collector: list[bool] = []

    def inspect() -> None:
        held.extend(_pipe_ends_held(supervisor))
        collector.append(gc.isenabled())

    threading.Thread(target=_ask, args=(url, answers, inspect), daemon=True).start()
    supervisor.run()
    exits = [worker.exitcode for worker in supervisor.processes]
    result = {
        "answers": answers,
        "exit_codes": exits,
        "pipe_ends_held": held,
        "collector_on_while_supervising": collector,
    }
    print(json.dumps({"supervisor": os.getpid(), **result}))


if __name__ == "__main__":
    main()
