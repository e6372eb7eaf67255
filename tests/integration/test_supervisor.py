"""``byom serve --workers N``'s supervisor: its workers start from the app's module it imported
once (forked, not spawned to import everything again), and end on a stop the way spawned ones
did; a supervisor that has migrated spawns them (it holds Alembic, they must not); an app that
cannot be imported stops it as it stops uvicorn (logged, exit code 3)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from tests.support.live_server import REPO, LiveServer, served, server_env


def _probe(*args: str) -> dict[str, object]:
    done = subprocess.run(  # noqa: S603 (our own interpreter and module)
        [sys.executable, "-m", "tests.support.supervisor_probe", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _importers(result: dict[str, object]) -> set[int]:
    answers = result["answers"]
    assert isinstance(answers, list)
    assert len(answers) == 20
    assert result["supervisor"] not in {answer["worker"] for answer in answers}
    return {answer["module_imported_by"] for answer in answers}


def test_workers_serve_the_module_the_supervisor_imported_and_end_by_the_stop_signal() -> None:
    result = _probe()

    # A spawned worker imports the module itself: its own pid would be the importer.
    assert _importers(result) == {result["supervisor"]}
    # Killed by the SIGTERM uvicorn raises again once it has shut down, as a spawned worker
    # is: the supervisor's own handlers, which came with the fork, would have swallowed it.
    assert result["exit_codes"] == [-signal.SIGTERM, -signal.SIGTERM]


def test_a_forked_worker_holds_no_health_pipe_but_its_own_end() -> None:
    """uvicorn makes each worker's ping/pong pipe in the supervisor before starting it: a
    worker forked after another would keep that one's ends open for its whole life."""
    result = _probe()

    assert result["pipe_ends_held"] == [0, 0]


@pytest.mark.parametrize("how", [(), ("--spawn",)], ids=["forked", "spawned"])
def test_the_supervisor_collects_its_garbage_again_once_its_workers_started(
    how: tuple[str, ...],
) -> None:
    """``byom serve`` turns the collector off while it imports; the supervisor, which lives as
    long as the service, turns it back on."""
    assert _probe(*how)["collector_on_while_supervising"] == [True]


def test_without_fork_each_worker_imports_the_app_itself() -> None:
    result = _probe("--spawn")

    assert result["supervisor"] not in _importers(result)
    assert result["exit_codes"] == [-signal.SIGTERM, -signal.SIGTERM]


def _workers_spawned(server: LiveServer) -> list[bool]:
    """For each worker, whether it was spawned (multiprocessing's command line) or forked."""
    commands = [" ".join(c.cmdline()) for c in psutil.Process(server.process.pid).children()]
    workers = [command for command in commands if "resource_tracker" not in command]
    return sorted("spawn_main" in command for command in workers)


@pytest.mark.slow
def test_byom_serve_forks_its_workers_unless_it_has_just_migrated(tmp_path: Path) -> None:
    env = server_env(tmp_path, BYOM_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'byom.db'}")

    with served(env, workers=2, log_path=tmp_path / "first.log") as first:  # migrates
        assert _workers_spawned(first) == [True, True]
    with served(env, workers=2, log_path=tmp_path / "second.log") as second:  # at head
        assert _workers_spawned(second) == [False, False]


BROKEN = {
    "broken_syntax": "def create_app(:\n",
    "missing_dependency": "import byom_no_such_dependency\n\ndef create_app(): ...\n",
    "raising_on_import": "raise RuntimeError('settings read at import')\n",
}


@pytest.mark.parametrize(
    ("app", "logged"),
    [
        ("no_such_module:create_app", 'Could not import module "no_such_module"'),
        ("broken_syntax:create_app", "SyntaxError"),
        ("missing_dependency:create_app", "No module named 'byom_no_such_dependency'"),
        ("raising_on_import:create_app", "RuntimeError: settings read at import"),
        ("missing_dependency_free:no_factory", 'Attribute "no_factory" not found'),
    ],
)
def test_an_app_that_cannot_be_imported_stops_the_supervisor_as_it_stops_uvicorn(
    tmp_path: Path, app: str, logged: str
) -> None:
    for name, source in BROKEN.items():
        (tmp_path / f"{name}.py").write_text(source)
    (tmp_path / "missing_dependency_free.py").write_text("def create_app(): ...\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO / "src")])}

    done = subprocess.run(  # noqa: S603 (our own interpreter and module)
        [sys.executable, "-m", "tests.support.supervisor_probe", "--app", app],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 3, done.stderr  # uvicorn's STARTUP_FAILURE
    assert "Error loading ASGI app" in done.stderr
    assert logged in done.stderr
