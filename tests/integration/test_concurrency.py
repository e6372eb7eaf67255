"""Concurrent requests on PostgreSQL keep the invariants (docs/security-tests.md, H1, H2)."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from tests.support.api import Api
from tests.support.constants import ANTHROPIC_KEY, GOOGLE_KEY, OPENAI_KEY

BASE = "/api/v1/users/me/llm-credentials"
pytestmark = pytest.mark.postgres


async def test_twenty_concurrent_set_defaults_leave_exactly_one_default(pg_api: Api) -> None:
    me = await pg_api.signup_and_login("race-default@example.com")
    ids = [
        (await pg_api.add(me, provider=p, api_key=k))["id"]
        for p, k in (("openai", OPENAI_KEY), ("anthropic", ANTHROPIC_KEY), ("google", GOOGLE_KEY))
    ]
    responses = await asyncio.gather(
        *(pg_api.client.put(f"{BASE}/{ids[n % 3]}/default", headers=me) for n in range(20))
    )
    assert Counter(r.status_code for r in responses) == {200: 20}
    listed = (await pg_api.client.get(BASE, headers=me)).json()
    assert sum(c["is_default"] for c in listed) == 1
    defaults = [r for r in await pg_api.rows("user_llm_credentials") if r["is_default"]]
    assert len(defaults) == 1


async def test_twenty_concurrent_creates_leave_one_credential_and_409s(pg_api: Api) -> None:
    me = await pg_api.signup_and_login("race-create@example.com")
    body = {"provider": "openai", "api_key": OPENAI_KEY}
    responses = await asyncio.gather(
        *(pg_api.client.post(BASE, headers=me, json=body) for _ in range(20))
    )
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 1, 409: 19}, statuses
    assert all(
        r.json()["type"] == "/problems/credential-exists" for r in responses if r.status_code == 409
    )
    rows = await pg_api.rows("user_llm_credentials")
    assert len([r for r in rows if r["is_active"]]) == 1
    assert len([r for r in rows if r["is_default"]]) == 1
    assert len(await pg_api.rows("user_data_keys")) == 1


async def test_concurrent_first_credentials_of_different_providers_share_one_default(
    pg_api: Api,
) -> None:
    me = await pg_api.signup_and_login("race-first@example.com")
    bodies = [
        {"provider": "openai", "api_key": OPENAI_KEY},
        {"provider": "anthropic", "api_key": ANTHROPIC_KEY},
        {"provider": "google", "api_key": GOOGLE_KEY},
    ]
    responses = await asyncio.gather(
        *(pg_api.client.post(BASE, headers=me, json=b) for b in bodies * 4)
    )
    assert Counter(r.status_code for r in responses) == {201: 3, 409: 9}
    rows = await pg_api.rows("user_llm_credentials")
    assert len([r for r in rows if r["is_default"]]) == 1
    assert len(await pg_api.rows("user_data_keys")) == 1, "one data key per user, even racing"


async def test_concurrent_delete_and_set_default_stay_consistent(pg_api: Api) -> None:
    me = await pg_api.signup_and_login("race-delete@example.com")
    first = (await pg_api.add(me, provider="openai", api_key=OPENAI_KEY))["id"]
    second = (await pg_api.add(me, provider="anthropic", api_key=ANTHROPIC_KEY))["id"]
    responses = await asyncio.gather(
        pg_api.client.delete(f"{BASE}/{first}", headers=me),
        pg_api.client.put(f"{BASE}/{second}/default", headers=me),
        pg_api.client.put(f"{BASE}/{first}/default", headers=me),
    )
    assert all(r.status_code < 500 for r in responses)
    rows = await pg_api.rows("user_llm_credentials")
    defaults = [r for r in rows if r["is_default"]]
    assert len(defaults) <= 1
    assert all(r["is_active"] for r in defaults), "a revoked credential is never the default"
