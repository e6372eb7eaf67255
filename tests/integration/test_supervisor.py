"""``byom serve --workers N``'s supervisor: its workers start from the app's module it imported
once (forked, not spawned to import everything again), and end on a stop the way spawned ones
did."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

from tests.support.live_server import REPO


def _probe() -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-m", "tests.support.supervisor_probe"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_workers_serve_the_module_the_supervisor_imported_and_end_by_the_stop_signal() -> None:
    result = _probe()

    answers = result["answers"]
    assert isinstance(answers, list)
    assert len(answers) == 20
    supervisor = result["supervisor"]
    # A spawned worker imports the module itself: its own pid would be the importer.
    assert {answer["module_imported_by"] for answer in answers} == {supervisor}
    assert supervisor not in {answer["worker"] for answer in answers}
    # Killed by the SIGTERM uvicorn raises again once it has shut down, as a spawned worker
    # is: the supervisor's own handlers, which came with the fork, would have swallowed it.
    assert result["exit_codes"] == [-signal.SIGTERM, -signal.SIGTERM]
