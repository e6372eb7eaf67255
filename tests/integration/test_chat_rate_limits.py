"""Issue 13 item 2: per-user request rates on chat (session messages) and the gateway.

Two a minute here. Over it: a 429 problem with Retry-After on /api, OpenAI's 429
(``rate_limit_exceeded``) with Retry-After and ``x-ratelimit-*`` on /v1; another user keeps their
own budget; every token of one user shares one bucket. With ``BYOM_REDIS_URL`` the counts are
shared by every instance (two apps on one database and one Redis here).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, cast

import pytest
import redis

from adapters.persistence.memory.database import MemoryDatabase
from domain.provider import Provider
from entrypoints.settings import LimitSettings
from tests.support.builders import key_line
from tests.support.chat_api import ChatApi, make_chat_api

LIMITS = LimitSettings(chat_rate_per_minute=2, gateway_rate_per_minute=2)
COMPLETIONS = "/v1/chat/completions"
ASK = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}


@pytest.fixture
async def api() -> AsyncIterator[ChatApi]:
    async for built in make_chat_api("memory", limits=LIMITS):
        yield built


async def chatter(api: ChatApi, email: str) -> tuple[dict[str, str], str]:
    me = await api.user(email)
    await api.add_key(me, Provider.OPENAI)
    return me, (await api.start(me))["id"]


async def token(api: ChatApi, me: dict[str, str]) -> dict[str, str]:
    made = await api.client.post("/api/v1/users/me/gateway-tokens", json={"name": "t"}, headers=me)
    return {"Authorization": f"Bearer {made.json()['token']}"}


async def test_session_messages_past_the_rate_are_a_429_problem(api: ChatApi) -> None:
    me, session = await chatter(api, "chatty@example.com")
    statuses = [(await api.send(me, session, f"turn {n}")).status_code for n in range(2)]
    refused = await api.stream(me, session, "one more")
    assert statuses == [200, 200]
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["type"] == "/problems/rate-limited"
    assert int(refused.headers["retry-after"]) >= 1
    calls = len(api.upstreams[Provider.OPENAI].requests)

    other, other_session = await chatter(api, "quiet@example.com")
    assert (await api.send(other, other_session, "mine")).status_code == 200
    # Reading is not chatting: the session is still there to read.
    assert (await api.client.get(f"/api/v1/agent-sessions/{session}", headers=me)).is_success
    assert len(api.upstreams[Provider.OPENAI].requests) == calls + 2, "the 429 asked nobody"


async def test_gateway_completions_past_the_rate_are_openais_429(api: ChatApi) -> None:
    me, _ = await chatter(api, "agent@example.com")
    laptop, server = await token(api, me), await token(api, me)
    first = await api.client.post(COMPLETIONS, json=ASK, headers=laptop)
    second = await api.client.post(COMPLETIONS, json=ASK, headers=server)
    refused = await api.client.post(COMPLETIONS, json=ASK, headers=laptop)

    assert (first.status_code, second.status_code) == (200, 200)
    assert first.headers["x-ratelimit-limit-requests"] == "2"
    assert first.headers["x-ratelimit-remaining-requests"] == "1"
    assert refused.status_code == 429, "one user's tokens share one bucket"
    error: dict[str, Any] = refused.json()["error"]
    assert (error["type"], error["code"]) == ("rate_limit_error", "rate_limit_exceeded")
    assert error["message"]
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.headers["x-ratelimit-remaining-requests"] == "0"

    other, _ = await chatter(api, "other-agent@example.com")
    assert (
        await api.client.post(COMPLETIONS, json=ASK, headers=await token(api, other))
    ).is_success
    # The model list is not a completion: not counted.
    assert (await api.client.get("/v1/models", headers=laptop)).status_code == 200


async def test_a_bad_gateway_token_is_still_a_401(api: ChatApi) -> None:
    bad = {"Authorization": "Bearer byom_" + "x" * 40}
    statuses = [(await api.client.post(COMPLETIONS, json=ASK, headers=bad)).status_code]
    statuses += [(await api.client.post(COMPLETIONS, json=ASK, headers=bad)).status_code]
    assert statuses == [401, 401]
    third = await api.client.post(COMPLETIONS, json=ASK, headers=bad)
    assert third.status_code == 429, "guessing tokens is limited too, per client address"
    assert third.json()["error"]["code"] == "rate_limit_exceeded"


async def test_the_rates_are_shared_by_instances_through_redis(redis_url: str) -> None:
    db, keys = MemoryDatabase(), key_line("k1")

    def instance() -> AsyncIterator[ChatApi]:
        return make_chat_api("memory", limits=LIMITS, redis_url=redis_url, db=db, keys=keys)

    async for one in instance():
        async for two in instance():
            me, session = await chatter(one, "spread@example.com")
            gateway = await token(one, me)
            assert (await one.send(me, session, "one")).status_code == 200
            assert (await two.send(me, session, "two")).status_code == 200
            assert (await one.send(me, session, "three")).status_code == 429
            assert (await two.client.post(COMPLETIONS, json=ASK, headers=gateway)).is_success
            assert (await one.client.post(COMPLETIONS, json=ASK, headers=gateway)).is_success
            refused = await two.client.post(COMPLETIONS, json=ASK, headers=gateway)
            assert refused.status_code == 429
            assert refused.json()["error"]["code"] == "rate_limit_exceeded"
    counted = cast("list[bytes]", redis.Redis.from_url(redis_url).keys("byom-rate-limit*"))
    assert {b"chat", b"gateway"} <= {key.split(b"::")[1].split(b":")[0] for key in counted}
