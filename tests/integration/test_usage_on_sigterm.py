"""Issue 15: usage rows of completed calls are never lost. A real ``byom serve`` (2 workers,
PostgreSQL) under concurrent gateway load gets SIGTERM mid-load: it exits 0, and every call that
was answered 200 has its usage row (rows counted == 200s counted). ``pytest -s`` shows the
figures."""

from __future__ import annotations

import signal
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from tests.support.constants import PASSWORD
from tests.support.databases import run_blocking
from tests.support.endless_upstream import EndlessUpstream
from tests.support.live_server import server_env, start_server

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

CALLERS = 16
ASK = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 5}


def test_sigterm_under_gateway_load_loses_no_usage_row(
    tmp_path: Path, pg_database: Callable[[], str]
) -> None:
    database = pg_database()
    with EndlessUpstream() as upstream:
        env = server_env(
            tmp_path,
            BYOM_DATABASE_URL=database,
            BYOM_OPENAI_BASE_URL=upstream.base_url,
            BYOM_GATEWAY_RATE_PER_MINUTE="1000000",
            BYOM_SHUTDOWN_GRACE_SECONDS="10",
        )
        server = start_server(
            env, workers=2, log_path=tmp_path / "serve.log", extra_args=("--migrate",)
        )
        try:
            token = _gateway_token(server.url)
            counts: Counter[int | str] = Counter()
            stop = threading.Event()
            callers = [
                threading.Thread(target=_call, args=(server.url, token, counts, stop))
                for _ in range(CALLERS)
            ]
            for caller in callers:
                caller.start()
            _wait_until(lambda: counts[200] >= 300)
            server.process.send_signal(signal.SIGTERM)
            code = server.process.wait(60)
            stop.set()
            for caller in callers:
                caller.join(30)
        finally:
            server.stop()

    rows = run_blocking(_usage_rows(database))
    print(f"\n{counts[200]} calls answered 200 ({dict(counts)}); {rows} usage rows; exit {code}")
    assert code == 0, server.log()[-3000:]
    assert counts[200] >= 300
    assert rows == counts[200]


def _gateway_token(url: str) -> dict[str, str]:
    account = {"email": "load@example.com", "password": PASSWORD}
    assert httpx.post(f"{url}/api/v1/auth/signup", json=account).status_code == 201
    login = httpx.post(f"{url}/api/v1/auth/login", json=account).json()
    me = {"Authorization": f"Bearer {login['access_token']}"}
    key = {"provider": "openai", "api_key": "sk-proj-load-0001", "model_name": "gpt-4o-mini"}
    made = httpx.post(f"{url}/api/v1/users/me/llm-credentials", json=key, headers=me, timeout=30)
    assert made.status_code == 201, made.text
    token = httpx.post(f"{url}/api/v1/users/me/gateway-tokens", json={"name": "t"}, headers=me)
    assert token.status_code == 201, token.text
    return {"Authorization": f"Bearer {token.json()['token']}"}


def _call(
    url: str, token: dict[str, str], counts: Counter[int | str], stop: threading.Event
) -> None:
    """One caller: a gateway call after another until the server is gone (refused) or stopped."""
    with httpx.Client(timeout=30) as http:
        while not stop.is_set():
            try:
                status: int | str = http.post(
                    f"{url}/v1/chat/completions", json=ASK, headers=token
                ).status_code
            except httpx.HTTPError as error:
                status = type(error).__name__
            counts[status] += 1
            if isinstance(status, str):
                time.sleep(0.05)


def _wait_until(check: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 60
    while not check():
        assert time.monotonic() < deadline
        time.sleep(0.01)


async def _usage_rows(url: str) -> int:
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    try:
        return int(await connection.fetchval("SELECT count(*) FROM llm_usage"))
    finally:
        await connection.close()
