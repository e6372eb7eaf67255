"""Issue 17, item 1: two ``byom serve`` instances (2 workers each) on one PostgreSQL and one
Redis, behind nginx (round robin), behave as one service.

One test, in phases, because starting the processes is what costs: both instances start at once
against an empty database (``--migrate``: one migrates, the other waits on the lock); limits
and login throttles hold across them; a revoke, a key rotation and a default change made through
one are honoured by the other on its very next request (the time that took is printed); a
rolling restart under a steady load loses no request, ends a stream still running after the
grace period with an SSE ``error`` event and keeps its partial reply incomplete, and each
instance exits 0; ``kill -9`` in the middle of a stream stores nothing of that turn, and the
other instance keeps serving.
``pytest -s`` shows the figures."""

from __future__ import annotations

import json
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from adapters.persistence.sqlalchemy.migrate import current, head_revision
from tests.support.constants import PASSWORD
from tests.support.databases import run_blocking
from tests.support.endless_upstream import EndlessUpstream
from tests.support.live_server import LiveServer, server_env, start_server
from tests.support.nginx import balanced

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

GRACE_S = 3
LOAD_THREADS = 4
ASK = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 5}
TOKENS = "/api/v1/users/me/gateway-tokens"
CREDENTIALS = "/api/v1/users/me/llm-credentials"


def test_two_instances_behind_nginx_behave_as_one_service(
    tmp_path: Path, pg_database: Callable[[], str], redis_url: str
) -> None:
    database = pg_database()  # empty: the instances migrate it
    with EndlessUpstream(every_s=0.1, piece="tick ") as upstream:
        envs = [_env(tmp_path / name, database, redis_url, upstream) for name in ("a", "b")]
        envs[1]["BYOM_ENCRYPTION_KEYS"] = envs[0]["BYOM_ENCRYPTION_KEYS"]  # one keyring
        with ThreadPoolExecutor(2) as pool:
            a, b = pool.map(lambda i: _start(envs[i], tmp_path / f"{i}.log"), range(2))
        instances = [a, b]
        try:
            assert run_blocking(current(database)) == head_revision()
            with balanced([a.port, b.port], tmp_path / "nginx") as lb:
                _phases(instances, envs, lb.url, upstream, tmp_path)
                assert "upstream" in lb.access_log()[-1]
        finally:
            for instance in instances:
                _kill(instance)


def _phases(
    instances: list[LiveServer],
    envs: list[dict[str, str]],
    lb: str,
    upstream: EndlessUpstream,
    tmp_path: Path,
) -> None:
    a, b = instances
    me = _signed_in(lb, "one@example.com")
    key = {"provider": "openai", "api_key": "sk-proj-first-0001", "model_name": "gpt-4o-mini"}
    made = httpx.post(f"{lb}{CREDENTIALS}", json=key, headers=me, timeout=30)
    assert made.status_code == 201, made.text
    credential = made.json()["id"]

    # Limits are shared: a token's rpm and an account's login throttle, through Redis.
    limited = _token(lb, me, rpm=2)
    assert [_ask(url, limited) for url in (a.url, b.url, a.url, b.url)] == [200, 200, 429, 429]
    _signed_in(lb, "victim@example.com")
    wrong = {"email": "victim@example.com", "password": "guessing wrong"}
    for _ in range(5):
        assert httpx.post(f"{a.url}/api/v1/auth/login", json=wrong).status_code == 401
    assert httpx.post(f"{b.url}/api/v1/auth/login", json=wrong).status_code == 429

    # A revoke through one instance is honoured by the other on its next request.
    token = _token(lb, me, name="revoked")
    assert _ask(b.url, token) == 200
    listed = httpx.get(f"{lb}{TOKENS}", headers=me).json()
    token_id = next(t["id"] for t in listed if t["name"] == "revoked")
    assert httpx.delete(f"{a.url}{TOKENS}/{token_id}", headers=me).status_code == 204
    revoke_s = _timed(lambda: _ask(b.url, token) == 401)
    # A key rotation likewise: the other instance's very next call uses the new key.
    steady = _token(lb, me)
    rotate = {"api_key": "sk-proj-second-0002"}
    patched = httpx.patch(f"{a.url}{CREDENTIALS}/{credential}", json=rotate, headers=me)
    assert patched.status_code == 200, patched.text
    rotate_s = _timed(lambda: _ask(b.url, steady) == 200 and upstream.keys[-1] == rotate["api_key"])
    # And a default change: the other instance's next answer names the new default.
    local = {
        "provider": "openai_compatible",
        "api_key": "local-0003",
        "base_url": upstream.base_url,
        "model_name": "gpt-4o-mini",
    }
    other = httpx.post(f"{lb}{CREDENTIALS}", json=local, headers=me, timeout=30)
    assert other.status_code == 201, other.text
    chosen = httpx.put(f"{a.url}{CREDENTIALS}/{other.json()['id']}/default", headers=me)
    assert chosen.status_code == 200, chosen.text
    default_s = _timed(
        lambda: (
            httpx.get(f"{b.url}/api/v1/users/me/llm", headers=me).json()["credential_id"]
            == other.json()["id"]
        )
    )

    # A rolling restart under a steady load, a stream in flight on the instance stopped first.
    session = httpx.post(f"{lb}/api/v1/agent-sessions", json={}, headers=me).json()["id"]
    with _load(lb, steady) as counts:
        time.sleep(1)
        with _stream(a.url, session, me, "cut by the restart") as events:
            _wait_for(lambda: "event: delta" in events.text)
            stopped_a = _stop(a)
        instances[0] = a = _start(envs[0], tmp_path / "a2.log", port=a.port)
        time.sleep(1)
        stopped_b = _stop(b)
        instances[1] = b = _start(envs[1], tmp_path / "b2.log", port=b.port)
        time.sleep(1)
    print(
        f"\nrolling restart: {sum(counts.values())} requests, {counts}; exits {stopped_a}"
        f" {stopped_b}; revoke honoured after {revoke_s * 1000:.0f} ms,"
        f" rotation after {rotate_s * 1000:.0f} ms, default change after {default_s * 1000:.0f} ms"
    )
    assert set(counts) == {200}, counts
    assert sum(counts.values()) > 50
    assert (stopped_a[0], stopped_b[0]) == (0, 0)
    assert GRACE_S <= stopped_a[1] < GRACE_S + 8, "the stream held the instance up to the grace"
    error = _event(events.text, "error")
    assert error["status"] == 503
    assert error["type"].endswith("service-unavailable")
    cut = _messages(lb, session, me)[-1]
    assert cut["role"] == "assistant"
    assert cut["incomplete"] is True
    assert cut["content"].startswith("tick")

    # kill -9 in the middle of a stream: nothing of that turn is stored; the other serves on.
    before = _messages(lb, session, me)
    with _stream(b.url, session, me, "killed mid-stream") as events:
        _wait_for(lambda: "event: delta" in events.text)
        _kill(b)
    assert [_ask(lb, steady) for _ in range(10)] == [200] * 10
    assert _messages(lb, session, me) == before


def _env(var_dir: Path, database: str, redis_url: str, upstream: EndlessUpstream) -> dict[str, str]:
    var_dir.mkdir()
    return server_env(
        var_dir,
        BYOM_DATABASE_URL=database,
        BYOM_REDIS_URL=redis_url,
        BYOM_OPENAI_BASE_URL=upstream.base_url,
        BYOM_SHUTDOWN_GRACE_SECONDS=str(GRACE_S),
        BYOM_GATEWAY_RATE_PER_MINUTE="100000",
        BYOM_CHAT_RATE_PER_MINUTE="100000",
        BYOM_LOGIN_RATE_PER_MINUTE="1000",
        BYOM_ALLOW_PRIVATE_BASE_URLS="true",  # the second key's server is the local stand-in
    )


def _start(env: dict[str, str], log: Path, port: int | None = None) -> LiveServer:
    return start_server(
        env, workers=2, port=port, log_path=log, extra_args=("--migrate",), ready_timeout_s=300
    )


def _stop(instance: LiveServer) -> tuple[int, float]:
    """SIGTERM, as an orchestrator sends: the exit code and how long the stop took."""
    started = time.monotonic()
    instance.process.send_signal(signal.SIGTERM)
    code = instance.process.wait(GRACE_S + 30)
    return code, time.monotonic() - started


def _kill(instance: LiveServer) -> None:
    """kill -9 of the supervisor and its workers, by pid."""
    if instance.process.poll() is not None:
        return
    family = [psutil.Process(instance.process.pid)]
    family += family[0].children(recursive=True)
    for process in family:
        process.kill()
    instance.process.wait(10)


def _signed_in(url: str, email: str) -> dict[str, str]:
    account = {"email": email, "password": PASSWORD}
    assert httpx.post(f"{url}/api/v1/auth/signup", json=account).status_code == 201
    token = httpx.post(f"{url}/api/v1/auth/login", json=account).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def _token(url: str, me: dict[str, str], **scopes: Any) -> dict[str, str]:
    made = httpx.post(f"{url}{TOKENS}", json={"name": "t"} | scopes, headers=me)
    assert made.status_code == 201, made.text
    return {"Authorization": f"Bearer {made.json()['token']}"}


def _ask(url: str, token: dict[str, str]) -> int:
    return httpx.post(f"{url}/v1/chat/completions", json=ASK, headers=token, timeout=30).status_code


def _timed(next_request: Callable[[], bool]) -> float:
    """The other instance's very next request honours the change (no retry, no waiting for a
    cache to expire); returns how long after the change it was answered."""
    started = time.monotonic()
    assert next_request()
    return time.monotonic() - started


def _wait_for(check: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 30
    while not check():
        assert time.monotonic() < deadline
        time.sleep(0.05)


@contextmanager
def _load(lb: str, token: dict[str, str]) -> Iterator[Counter[int | str]]:
    """``LOAD_THREADS`` clients sending gateway calls (POST) through nginx, one at a time each,
    until the block ends: the count of each status (or exception name)."""
    counts: Counter[int | str] = Counter()
    done = threading.Event()

    def client() -> None:
        with httpx.Client(timeout=30) as http:
            while not done.is_set():
                try:
                    status: int | str = http.post(
                        f"{lb}/v1/chat/completions", json=ASK, headers=token
                    ).status_code
                except httpx.HTTPError as error:
                    status = type(error).__name__
                counts[status] += 1
                time.sleep(0.02)

    threads = [threading.Thread(target=client) for _ in range(LOAD_THREADS)]
    for thread in threads:
        thread.start()
    try:
        yield counts
    finally:
        done.set()
        for thread in threads:
            thread.join(40)


class _Events:
    def __init__(self) -> None:
        self.text = ""


@contextmanager
def _stream(url: str, session: str, me: dict[str, str], content: str) -> Iterator[_Events]:
    """A streamed turn read in a thread of its own; the block's end waits for it to end."""
    events = _Events()

    def read() -> None:
        headers = {**me, "Accept": "text/event-stream"}
        body = {"content": content}
        path = f"{url}/api/v1/agent-sessions/{session}/messages"
        try:
            with httpx.stream("POST", path, json=body, headers=headers, timeout=60) as response:
                for text in response.iter_text():
                    events.text += text
        except httpx.HTTPError:
            events.text += "\n(connection lost)"

    thread = threading.Thread(target=read)
    thread.start()
    try:
        yield events
    finally:
        thread.join(60)


def _event(text: str, name: str) -> dict[str, Any]:
    for block in text.split("\n\n"):
        if block.startswith(f"event: {name}\n"):
            found: dict[str, Any] = json.loads(block.split("\ndata: ", 1)[1])
            return found
    raise AssertionError(f"no {name} event in {text[-500:]}")


def _messages(url: str, session: str, me: dict[str, str]) -> list[dict[str, Any]]:
    detail = httpx.get(f"{url}/api/v1/agent-sessions/{session}", headers=me)
    assert detail.status_code == 200, detail.text
    found: list[dict[str, Any]] = detail.json()["messages"]
    return found
