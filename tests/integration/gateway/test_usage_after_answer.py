"""Issue 15, a gateway call's added latency: the answer (a stream's end too) leaves before its
usage row's commit, and the request ends only once the row is committed. On PostgreSQL with
``llm_usage`` locked by another connection (the row's INSERT waits): the whole answer is sent
while the INSERT waits, and the app's call returns once the lock is gone and the row is in."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Coroutine
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from domain.provider import Provider
from entrypoints.http.app import create_app
from tests.support.asgi import asgi_transport, body_then_hang_up, post_scope
from tests.support.chat_api import build_container
from tests.support.constants import KEYS, PASSWORD
from tests.support.upstreams import upstreams

pytestmark = pytest.mark.postgres

BASE = "http://testserver.local"
PATH = "/v1/chat/completions"
ASK = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 5}


@pytest.mark.parametrize("stream", [False, True], ids=["json", "sse"])
async def test_the_answer_is_sent_while_its_usage_row_waits_and_the_request_ends_with_it(
    postgres_url: str, stream: bool
) -> None:
    # The app in this test's own loop (the test client runs it in another: the engine's
    # connections would then belong to two loops).
    container = build_container("postgres", upstreams(), postgres_url)
    await container.open()
    app = create_app(container=container)
    try:
        async with httpx.AsyncClient(transport=asgi_transport(app), base_url=BASE) as http:
            token = await _gateway_token(http)
        locker = await asyncpg.connect(_dsn(postgres_url))
        try:
            lock = locker.transaction()
            await lock.start()
            await locker.execute("LOCK TABLE llm_usage IN EXCLUSIVE MODE")
            answered = asyncio.Event()
            sent: list[dict[str, Any]] = []

            async def send(message: dict[str, Any]) -> None:
                sent.append(message)
                if message["type"] == "http.response.body" and not message.get("more_body"):
                    answered.set()

            body = json.dumps({**ASK, "stream": stream}).encode()
            auth = [(b"authorization", f"Bearer {token}".encode())]
            receive = body_then_hang_up(body, asyncio.Event())
            handler: Callable[..., Coroutine[Any, Any, None]] = app
            call = asyncio.create_task(handler(post_scope(PATH, body, auth), receive, send))
            # A safety net so a regression fails instead of hanging; not a timing assertion.
            await asyncio.wait_for(answered.wait(), timeout=30)

            assert sent[0]["status"] == 200
            answer = b"".join(m.get("body", b"") for m in sent[1:])
            if stream:
                assert answer.endswith(b"data: [DONE]\n\n")
            else:
                assert json.loads(answer)["choices"]
            assert not call.done(), "the request waits for its row's commit"
            assert await _rows(postgres_url) == 0
            await lock.rollback()
            await asyncio.wait_for(call, timeout=30)
        finally:
            await locker.close()
        assert await _rows(postgres_url) == 1
    finally:
        await container.aclose()


async def _gateway_token(http: httpx.AsyncClient) -> str:
    account = {"email": "waits@example.com", "password": PASSWORD}
    assert (await http.post("/api/v1/auth/signup", json=account)).status_code == 201
    login = await http.post("/api/v1/auth/login", json=account)
    me = {"Authorization": f"Bearer {login.json()['access_token']}"}
    key = {"provider": "openai", "api_key": KEYS[Provider.OPENAI], "model_name": "gpt-4o-mini"}
    added = await http.post("/api/v1/users/me/llm-credentials", json=key, headers=me)
    assert added.status_code == 201, added.text
    made = await http.post("/api/v1/users/me/gateway-tokens", json={"name": "t"}, headers=me)
    assert made.status_code == 201, made.text
    return str(made.json()["token"])


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _rows(url: str) -> int:
    connection = await asyncpg.connect(_dsn(url))
    try:
        return int(await connection.fetchval("SELECT count(*) FROM llm_usage"))
    finally:
        await connection.close()
