"""Gateway token lifecycle: shown once, stored as a digest, revoked at once, one owner only."""

from __future__ import annotations

import hashlib
from typing import Any
from uuid import uuid4

import openai
import pytest

from domain.provider import Provider
from tests.support.gateway import Gateway

BASE = "/api/v1/users/me/gateway-tokens"
OTHER_OPENAI_KEY = "sk-proj-" + "Zz9yXx8w" * 20 + "bob1"


async def test_a_token_is_shown_once_and_only_its_digest_is_stored(gateway: Gateway) -> None:
    me = await gateway.api.user("tokens@example.com")

    created = await gateway.token(me, name="  trading bot  ")
    listed = (await gateway.api.client.get(BASE, headers=me)).json()

    secret = created["token"]
    assert secret.startswith("byom_")
    assert len(secret) == len("byom_") + 43, "256 random bits, base64url"
    assert created["name"] == "trading bot"
    assert created["hint"] == f"byom_…{secret[-4:]}"
    assert [t["id"] for t in listed] == [created["id"]]
    assert "token" not in listed[0]
    assert gateway.api.db is not None
    [stored] = gateway.api.db.gateway_tokens.values()
    assert stored.digest == hashlib.sha256(secret.encode()).digest()
    assert secret not in repr(stored)
    other = await gateway.token(me, name="second")
    assert other["token"] != secret


async def test_a_created_token_works_and_a_revoked_one_is_refused_at_once(
    gateway: Gateway,
) -> None:
    me = await gateway.api.user("revoke@example.com")
    await gateway.api.add_key(me, Provider.OPENAI)
    token = await gateway.token(me)
    client = gateway.sdk(token["token"])
    messages: Any = [{"role": "user", "content": "hi"}]

    assert (await client.chat.completions.create(model="gpt-4o-mini", messages=messages)).id
    assert (await gateway.api.client.delete(f"{BASE}/{token['id']}", headers=me)).status_code == 204

    with pytest.raises(openai.AuthenticationError):
        await client.chat.completions.create(model="gpt-4o-mini", messages=messages)
    with pytest.raises(openai.AuthenticationError):
        await client.models.list()
    assert (await gateway.api.client.delete(f"{BASE}/{token['id']}", headers=me)).status_code == 204
    [listed] = (await gateway.api.client.get(BASE, headers=me)).json()
    assert (listed["is_active"], listed["revoked_at"] is not None) == (False, True)
    assert listed["last_used_at"] is not None


async def test_one_users_token_never_reaches_another_users_credentials(gateway: Gateway) -> None:
    upstream = gateway.api.upstreams[Provider.OPENAI]
    upstream.other_keys.add(OTHER_OPENAI_KEY)
    alice = await gateway.api.user("alice@example.com")
    bob = await gateway.api.user("bob@example.com")
    await gateway.api.add_key(alice, Provider.OPENAI)
    await gateway.api.add_key(bob, Provider.OPENAI, api_key=OTHER_OPENAI_KEY)
    await gateway.api.add_key(bob, Provider.ANTHROPIC)
    alice_token = await gateway.token(alice)
    bob_token = await gateway.token(bob)
    messages: Any = [{"role": "user", "content": "hi"}]

    await gateway.sdk(bob_token["token"]).chat.completions.create(
        model="gpt-4o-mini",
        messages=messages,
    )
    bobs_call = upstream.requests[-1]
    await gateway.sdk(alice_token["token"]).chat.completions.create(
        model="gpt-4o-mini",
        messages=messages,
    )
    alices_call = upstream.requests[-1]
    with pytest.raises(openai.NotFoundError):
        await gateway.sdk(alice_token["token"]).chat.completions.create(
            model="claude-sonnet-4-5",
            messages=messages,
        )

    assert upstream.key_of(bobs_call) == OTHER_OPENAI_KEY
    assert upstream.key_of(alices_call) != OTHER_OPENAI_KEY
    assert gateway.api.upstreams[Provider.ANTHROPIC].bodies() == [], "bob's claude key unused"
    for who in (alice, bob):
        usage = (await gateway.api.client.get("/api/v1/users/me/usage", headers=who)).json()
        assert [t["calls"] for t in usage["totals"]] == [1]

    stranger_revokes = await gateway.api.client.delete(f"{BASE}/{alice_token['id']}", headers=bob)
    missing = await gateway.api.client.delete(f"{BASE}/{uuid4()}", headers=bob)
    assert stranger_revokes.status_code == missing.status_code == 404
    assert stranger_revokes.json()["type"] == missing.json()["type"]
    assert (await gateway.api.client.get(BASE, headers=bob)).json()[0]["id"] == bob_token["id"]
    assert len((await gateway.api.client.get(BASE, headers=bob)).json()) == 1


@pytest.mark.parametrize("body", [{"name": ""}, {"name": "x" * 101}, {"name": "a", "user_id": "x"}])
async def test_bad_token_requests_are_422(gateway: Gateway, body: dict[str, str]) -> None:
    me = await gateway.api.user("bad-token@example.com")
    answered = await gateway.api.client.post(BASE, json=body, headers=me)
    assert answered.status_code == 422
    assert gateway.api.db is not None
    assert gateway.api.db.gateway_tokens == {}


async def test_token_routes_need_an_access_token_not_a_gateway_token(gateway: Gateway) -> None:
    me = await gateway.api.user("who@example.com")
    secret = (await gateway.token(me))["token"]
    for headers in ({}, {"Authorization": f"Bearer {secret}"}):
        assert (await gateway.api.client.get(BASE, headers=headers)).status_code == 401
        answered = await gateway.api.client.post(BASE, json={"name": "x"}, headers=headers)
        assert answered.status_code == 401
