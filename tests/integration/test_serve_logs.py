"""``byom serve``'s log, as an operator's collector reads it: one format for every line of the
process (uvicorn's, Alembic's, ours), the request id on each line a request produced, no query
strings (they may carry tokens)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest

from tests.support.live_server import LiveServer, served, server_env

REQUEST_ID = "logs-check-0001"
CANARY = "sk-canary-in-a-query-string-0123456789"
# Nested deeper than the JSON decoder recurses: refused with 400, and the app logs a line.
TOO_DEEP = b"[" * 20_000 + b"]" * 20_000
CONSOLE_LINE = re.compile(
    r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR|CRITICAL) +"
    r"[\w.]+( \[[\w.:-]+\])?: "
)


def _serve_and_call(tmp_path: Path, **settings: str) -> tuple[LiveServer, list[str]]:
    env = server_env(tmp_path, BYOM_LOG_LEVEL="INFO", **settings)
    with served(env, log_path=tmp_path / "serve.log") as server:
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
    server, lines = _serve_and_call(tmp_path, BYOM_LOG_FORMAT="json")
    records = [json.loads(line) for line in lines]  # fails on any line that is not JSON
    loggers = {r["logger"] for r in records}
    assert {"uvicorn.error", "byom.migrate", "byom.access"} <= loggers, loggers
    assert any(r["message"].startswith("Started server process") for r in records)

    produced = [
        r for r in records if "nested too deep" in r["message"] or "/auth/login" in r["message"]
    ]
    assert len(produced) == 2, produced  # the app's line and the access line
    assert {r["request_id"] for r in produced} == {REQUEST_ID}
    assert all(r["request_id"] == "-" for r in records if r["logger"] == "uvicorn.error")
    assert CANARY not in server.log()


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
