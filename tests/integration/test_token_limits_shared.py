"""Issue 14 item 3: a gateway token's rpm and tpm hold across instances (two apps on one
database and one Redis, as in test_chat_rate_limits.py), and refusals are counted on
/metrics by kind, never by token or user."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, cast

import redis
from prometheus_client.parser import text_string_to_metric_families

from adapters.persistence.memory.database import MemoryDatabase
from domain.provider import Provider
from tests.support.builders import key_line
from tests.support.chat_api import ChatApi, make_chat_api
from tests.support.fakes import FakeClock

BASE = "/api/v1/users/me/gateway-tokens"
COMPLETIONS = "/v1/chat/completions"
ASK = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 5}


def minute_start() -> FakeClock:
    return FakeClock(FakeClock().now().replace(second=1))


async def token(api: ChatApi, me: dict[str, str], **scopes: Any) -> dict[str, str]:
    made = await api.client.post(BASE, json={"name": "t", **scopes}, headers=me)
    assert made.status_code == 201, made.text
    return {"Authorization": f"Bearer {made.json()['token']}"}


async def test_a_tokens_rates_are_shared_by_instances_through_redis(redis_url: str) -> None:
    db, keys, clock = MemoryDatabase(), key_line("k1"), minute_start()

    def instance() -> AsyncIterator[ChatApi]:
        return make_chat_api("memory", redis_url=redis_url, db=db, keys=keys, clock=clock)

    async for one in instance():
        async for two in instance():
            me = await one.user("spread-token@example.com")
            await one.add_key(me, Provider.OPENAI)
            rpm = await token(one, me, rpm=2)
            tpm = await token(one, me, tpm=20)  # "hi" and max_tokens 5: 10 a call
            assert (await one.client.post(COMPLETIONS, json=ASK, headers=rpm)).is_success
            assert (await two.client.post(COMPLETIONS, json=ASK, headers=rpm)).is_success
            refused = await one.client.post(COMPLETIONS, json=ASK, headers=rpm)
            assert refused.status_code == 429
            assert refused.headers["x-ratelimit-remaining-requests"] == "0"

            assert (await two.client.post(COMPLETIONS, json=ASK, headers=tpm)).is_success
            assert (await one.client.post(COMPLETIONS, json=ASK, headers=tpm)).is_success
            refused = await two.client.post(COMPLETIONS, json=ASK, headers=tpm)
            assert refused.status_code == 429
            assert refused.headers["x-ratelimit-remaining-tokens"] == "0"
    counted = cast("list[bytes]", redis.Redis.from_url(redis_url).keys("byom-token-rate*"))
    assert len(counted) == 4, "requests and tokens for each of two tokens"


def refusals(text: str) -> dict[str, float]:
    return {
        s.labels["kind"]: s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == "byom_gateway_token_refusals_total"
    }


async def test_refusals_are_counted_by_kind_without_ids() -> None:
    clock = minute_start()
    async for api in make_chat_api("memory", clock=clock):
        me = await api.user("metered@example.com")
        await api.add_key(me, Provider.OPENAI)
        before = refusals((await api.client.get("/metrics")).text)
        narrow = await token(api, me, allowed_models=["gpt-4o"], rpm=1)
        small = await token(api, me, tpm=5)
        soon = await token(api, me, expires_at=(clock.now().replace(second=30)).isoformat())
        await api.client.post(COMPLETIONS, json=ASK, headers=narrow)  # model_not_allowed
        await api.client.post(COMPLETIONS, json={**ASK, "model": "gpt-4o"}, headers=narrow)
        await api.client.post(COMPLETIONS, json={**ASK, "model": "gpt-4o"}, headers=narrow)
        await api.client.post(COMPLETIONS, json=ASK, headers=small)  # tpm
        clock.advance(40)
        expired = await api.client.post(COMPLETIONS, json=ASK, headers=soon)
        assert expired.status_code == 401

        text = (await api.client.get("/metrics")).text
        after = refusals(text)
        grown = {kind: after.get(kind, 0) - before.get(kind, 0) for kind in after}
        assert grown == {"rpm": 1, "tpm": 1, "model_not_allowed": 1, "expired": 1}
        user_id = (await api.client.get("/api/v1/users/me", headers=me)).json()["id"]
        for line in text.splitlines():
            if line.startswith("byom_gateway_token_refusals"):
                assert user_id not in line
                assert "byom_" not in line.split("{", 1)[-1]
