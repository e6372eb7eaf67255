"""Issue 13, item 1: a session against an upstream that streams without end must not grow a
worker's memory turn after turn (the red team saw 205 MB → 1.3 GB RSS over 12 turns).

A real ``byom serve`` process (SQLite, one worker) talks to ``EndlessUpstream``; the test drives
several streamed turns and watches the worker's resident memory (RSS, a memory figure, not a
timing) while they run."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from tests.support.constants import PASSWORD
from tests.support.endless_upstream import EndlessUpstream
from tests.support.live_server import served, server_env

TURNS = 6
# Above the idle worker's RSS, what the whole run may add: a reply is capped at
# MAX_REPLY_LENGTH characters and the history sent upstream to the model's context window.
MAX_GROWTH_MB = 100
MB = 2**20


class _PeakRss:
    """The highest RSS the process reached while sampled (a thread polling /proc)."""

    def __init__(self, pid: int) -> None:
        self._process = psutil.Process(pid)
        self.peak = self.now()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def now(self) -> int:
        return int(self._process.memory_info().rss)

    def _run(self) -> None:
        while not self._done.wait(0.02):
            self.peak = max(self.peak, self.now())

    def __enter__(self) -> _PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._done.set()
        self._thread.join(5)


def _signed_in(client: httpx.Client) -> dict[str, str]:
    account = {"email": "endless@example.com", "password": PASSWORD}
    assert client.post("/api/v1/auth/signup", json=account).status_code == 201
    token = client.post("/api/v1/auth/login", json=account).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.slow
def test_a_worker_s_memory_stays_bounded_against_an_endless_upstream(tmp_path: Path) -> None:
    with EndlessUpstream() as upstream:
        env = server_env(tmp_path, BYOM_OPENAI_BASE_URL=upstream.base_url)
        with (
            served(env, log_path=tmp_path / "serve.log") as server,
            httpx.Client(base_url=server.url, timeout=300) as client,
        ):
            me = _signed_in(client)
            key = {
                "provider": "openai",
                "api_key": "sk-proj-endless-0001",
                "model_name": "gpt-4o-mini",
            }
            assert client.post("/api/v1/users/me/llm-credentials", json=key, headers=me).is_success
            session = client.post("/api/v1/agent-sessions", json={}, headers=me).json()
            url = f"/api/v1/agent-sessions/{session['id']}"
            stream = {**me, "Accept": "text/event-stream"}
            rss = _PeakRss(server.process.pid)
            idle = rss.now()
            statuses: list[int] = []
            with rss:
                for turn in range(TURNS):
                    sent = client.post(
                        f"{url}/messages", json={"content": f"turn {turn}"}, headers=stream
                    )
                    statuses.append(sent.status_code)
                    done: dict[str, Any] = _done_event(sent.text)
            detail = client.get(url, headers=me)
            after = rss.now()

    replies = [m for m in detail.json()["messages"] if m["role"] == "assistant"]
    print(  # the figures of the closing note (pytest -s shows them)
        f"\nRSS idle {idle / MB:.0f} MB, peak {rss.peak / MB:.0f} MB, after {after / MB:.0f} MB"
        f" over {TURNS} turns; stored reply {len(replies[-1]['content'])} characters;"
        f" GET body {len(detail.content)} bytes; upstream request bodies {upstream.bodies}"
    )
    assert statuses == [200] * TURNS, server.log()
    assert done["truncated"] is True
    assert (rss.peak - idle) / MB < MAX_GROWTH_MB
    assert max(upstream.bodies) < MB, "the history sent upstream fits the model's context"


def _done_event(body: str) -> dict[str, Any]:
    import json

    last = body.strip().rsplit("\n\n", 1)[-1]
    event, data = last.split("\n", 1)
    assert event == "event: done", body[-2000:]
    found: dict[str, Any] = json.loads(data.removeprefix("data: "))
    return found
