"""``byom serve``'s log, as an operator's collector reads it: one format for every line of the
process (uvicorn's, Alembic's, ours), the request id on each line a request produced, no query
strings (they may carry tokens)."""

from __future__ import annotations

import json
import re
import subprocess
import uuid
from collections.abc import Mapping
from pathlib import Path

import httpx
import pytest

from tests.support.databases import database_named, pg_admin, postgres_url_or_skip, run_blocking
from tests.support.live_server import LiveServer, byom_command, served, server_env

REQUEST_ID = "logs-check-0001"
CANARY = "sk-canary-in-a-query-string-0123456789"
# Nested deeper than the JSON decoder recurses: refused with 400, and the app logs a line.
TOO_DEEP = b"[" * 20_000 + b"]" * 20_000
CONSOLE_LINE = re.compile(
    r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR|CRITICAL) +"
    r"[\w.]+( \[[\w.:-]+\])?: "
)


def _serve_and_call(
    tmp_path: Path, workers: int = 1, **settings: str
) -> tuple[LiveServer, list[str]]:
    env = server_env(tmp_path, BYOM_LOG_LEVEL="INFO", **settings)
    return _serve_with_env(env, tmp_path, workers)


def _serve_with_env(
    env: Mapping[str, str], tmp_path: Path, workers: int = 1
) -> tuple[LiveServer, list[str]]:
    with served(env, log_path=tmp_path / "serve.log", workers=workers) as server:
        refused = httpx.post(
            f"{server.url}/api/v1/auth/login?api_key={CANARY}",
            content=TOO_DEEP,
            headers={"content-type": "application/json", "x-request-id": REQUEST_ID},
        )
        assert refused.status_code == 400
        assert refused.headers["x-request-id"] == REQUEST_ID
    # After stop(): the server's shutdown lines are in the file too.
    return server, server.log().splitlines()


@pytest.mark.slow
def test_json_mode_every_line_is_json_and_the_request_s_lines_carry_its_id(
    tmp_path: Path,
) -> None:
    # Two workers: processes of their own (forked by the supervisor), each must log in our format.
    server, lines = _serve_and_call(tmp_path, workers=2, BYOM_LOG_FORMAT="json")
    records = _json_records(lines)
    loggers = {r["logger"] for r in records}
    assert {"uvicorn.error", "byom.migrate", "byom.access"} <= loggers, loggers
    started = [r for r in records if r["message"].startswith("Started server process")]
    assert len(started) == 2, "both workers' start-up lines, in JSON"
    _assert_the_request_s_lines_carry_its_id(records)
    assert CANARY not in server.log()


def _json_records(lines: list[str]) -> list[dict[str, str]]:
    assert lines, "something was logged"
    return [json.loads(line) for line in lines]  # fails on any line that is not JSON


def _assert_the_request_s_lines_carry_its_id(records: list[dict[str, str]]) -> None:
    assert any(r["message"].startswith("Started server process") for r in records)
    produced = [
        r for r in records if "nested too deep" in r["message"] or "/auth/login" in r["message"]
    ]
    assert len(produced) == 2, produced  # the app's line and the access line
    assert {r["request_id"] for r in produced} == {REQUEST_ID}
    assert all(r["request_id"] == "-" for r in records if r["logger"] == "uvicorn.error")


@pytest.mark.slow
def test_development_mode_logs_for_people_with_the_request_id_on_the_request_s_lines(
    tmp_path: Path,
) -> None:
    server, lines = _serve_and_call(tmp_path)
    assert lines, "the server logged"
    assert [line for line in lines if not CONSOLE_LINE.match(line)] == []
    produced = [line for line in lines if "nested too deep" in line or "/auth/login" in line]
    assert len(produced) == 2, produced
    assert all(f" [{REQUEST_ID}]: " in line for line in produced)
    assert any("uvicorn.error: Started server process" in line for line in lines)
    assert CANARY not in server.log()


@pytest.mark.slow
@pytest.mark.postgres
def test_production_logs_json_by_default_migrations_and_serving_alike(tmp_path: Path) -> None:
    base = postgres_url_or_skip()
    name = f"byom_logs_{uuid.uuid4().hex[:12]}"
    run_blocking(pg_admin(base, f'CREATE DATABASE "{name}"'))
    try:
        env = server_env(
            tmp_path,
            BYOM_ENV="production",
            BYOM_DATABASE_URL=database_named(base, name),
            BYOM_METRICS_TOKEN="m" * 32,
            BYOM_LOG_LEVEL="INFO",
        )
        migrated = subprocess.run(  # noqa: S603 (our own command)
            [*byom_command(), "-v", "db", "upgrade"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        alembic = [
            r for r in _json_records(migrated.stderr.splitlines()) if "alembic" in r["logger"]
        ]
        assert any(r["message"].startswith("Running upgrade") for r in alembic), alembic
        assert "database at head" in migrated.stdout

        server, lines = _serve_with_env(env, tmp_path)
        _assert_the_request_s_lines_carry_its_id(_json_records(lines))
        assert CANARY not in server.log()
    finally:
        run_blocking(pg_admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
