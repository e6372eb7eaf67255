"""``GET /v1/models`` lists what each key can reach: the provider's own list (fetched when the key
is validated, kept for a short time), with the catalog's prices and context windows joined in,
and the catalog's models marked ``live: false`` when the provider cannot be asked."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from domain.provider import Provider
from tests.support.chat_api import ChatApi, make_chat_api
from tests.support.constants import ANTHROPIC_KEY
from tests.support.fakes import FakeClock
from tests.support.gateway import Gateway
from tests.support.upstreams import Failure

CREDENTIALS = "/api/v1/users/me/llm-credentials"
SONNET = "claude-sonnet-4-5-20250929"
# Reachable with the key, unknown to the catalog.
HAIKU_45 = "claude-haiku-4-5-20251001"
# In the catalog, not reachable with the key.
OPUS = "claude-opus-4-1-20250805"
ROTATED = ANTHROPIC_KEY.replace("AAAA", "BBBB")


@pytest.fixture
async def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def api(clock: FakeClock) -> AsyncIterator[ChatApi]:
    async for made in make_chat_api("memory", clock=clock):
        made.upstreams[Provider.ANTHROPIC].listed = (SONNET, HAIKU_45)
        yield made


async def _token(api: ChatApi, me: dict[str, str]) -> dict[str, str]:
    made = await api.client.post("/api/v1/users/me/gateway-tokens", json={"name": "m"}, headers=me)
    assert made.status_code == 201, made.text
    return {"Authorization": f"Bearer {made.json()['token']}"}


async def _models(api: ChatApi, token: dict[str, str]) -> dict[str, dict[str, Any]]:
    listed = await api.client.get("/v1/models", headers=token)
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert body["object"] == "list"
    return {m["id"]: m for m in body["data"]}


def _list_calls(api: ChatApi) -> int:
    return sum(1 for r in api.upstreams[Provider.ANTHROPIC].requests if r.method == "GET")


async def test_models_are_the_keys_live_list_not_the_catalog(api: ChatApi) -> None:
    me = await api.user("live@example.com")
    await api.add_key(me, Provider.ANTHROPIC)

    models = await _models(api, await _token(api, me))

    assert set(models) == {SONNET, HAIKU_45}, "the provider's list, not the catalog's"
    assert OPUS not in models
    sonnet, haiku = models[SONNET], models[HAIKU_45]
    assert (sonnet["object"], sonnet["owned_by"], sonnet["provider"]) == (
        "model",
        "anthropic",
        "anthropic",
    )
    assert isinstance(sonnet["created"], int)
    assert (sonnet["live"], sonnet["paid_by"]) == (True, "user")
    assert (sonnet["context_window"], sonnet["max_output_tokens"]) == (200000, 64000)
    assert (sonnet["input_usd_per_mtok"], sonnet["output_usd_per_mtok"]) == ("3.00", "15.00")
    assert haiku["live"] is True
    assert [haiku[f] for f in ("context_window", "input_usd_per_mtok", "output_usd_per_mtok")] == [
        None,
        None,
        None,
    ]


async def test_the_list_fetched_when_the_key_was_saved_serves_until_it_is_old(
    api: ChatApi, clock: FakeClock
) -> None:
    me = await api.user("cached@example.com")
    await api.add_key(me, Provider.ANTHROPIC)
    token = await _token(api, me)
    assert _list_calls(api) == 1  # the validation

    await _models(api, token)
    await _models(api, token)
    assert _list_calls(api) == 1, "served from the list the validation fetched"

    api.upstreams[Provider.ANTHROPIC].listed = (SONNET,)
    clock.advance(601)
    assert set(await _models(api, token)) == {SONNET}
    assert _list_calls(api) == 2


async def test_a_provider_that_cannot_be_asked_gives_the_catalog_marked_not_live(
    api: ChatApi, clock: FakeClock
) -> None:
    me = await api.user("down@example.com")
    await api.add_key(me, Provider.ANTHROPIC)
    token = await _token(api, me)
    clock.advance(601)

    failures: tuple[Failure, ...] = ("down", "timeout", "bad_key")
    for failure in failures:
        api.upstreams[Provider.ANTHROPIC].list_fail = failure
        listed = await api.client.get("/v1/models", headers=token)

        assert listed.status_code == 200, listed.text
        assert ANTHROPIC_KEY[-20:] not in listed.text
        models = {m["id"]: m for m in listed.json()["data"]}
        assert OPUS in models, "the catalog's anthropic models"
        assert HAIKU_45 not in models
        assert {m["live"] for m in models.values()} == {False}
        assert models[OPUS]["context_window"] == 200000


async def test_a_rotated_key_lists_its_own_models_at_once(api: ChatApi) -> None:
    me = await api.user("rotate@example.com")
    added = await api.add_key(me, Provider.ANTHROPIC)
    token = await _token(api, me)
    assert set(await _models(api, token)) == {SONNET, HAIKU_45}

    upstream = api.upstreams[Provider.ANTHROPIC]
    upstream.other_keys.add(ROTATED)
    upstream.listed = (SONNET, OPUS)
    rotated = await api.client.patch(
        f"{CREDENTIALS}/{added['id']}", json={"api_key": ROTATED}, headers=me
    )
    assert rotated.status_code == 200, rotated.text

    assert set(await _models(api, token)) == {SONNET, OPUS}


async def test_checking_a_key_refreshes_its_list(api: ChatApi) -> None:
    me = await api.user("check@example.com")
    added = await api.add_key(me, Provider.ANTHROPIC)
    token = await _token(api, me)
    api.upstreams[Provider.ANTHROPIC].listed = (SONNET, OPUS)

    checked = await api.client.post(f"{CREDENTIALS}/{added['id']}/validate", headers=me)
    assert checked.status_code == 200, checked.text

    assert set(await _models(api, token)) == {SONNET, OPUS}


async def test_an_expired_keys_models_are_not_listed(api: ChatApi, clock: FakeClock) -> None:
    me = await api.user("expired@example.com")
    soon = (clock.now() + timedelta(minutes=5)).isoformat()
    added = await api.client.post(
        CREDENTIALS,
        json={"provider": "anthropic", "api_key": ANTHROPIC_KEY, "expires_at": soon},
        headers=me,
    )
    assert added.status_code == 201, added.text
    token = await _token(api, me)
    assert SONNET in await _models(api, token)

    clock.advance(6 * 60)

    assert await _models(api, token) == {}
    gone = await api.client.get(f"/v1/models/{SONNET}", headers=token)
    assert gone.status_code == 404


async def test_one_model_and_my_llm_agree_with_the_list(api: ChatApi) -> None:
    me = await api.user("agree@example.com")
    await api.add_key(me, Provider.ANTHROPIC)
    token = await _token(api, me)
    models = await _models(api, token)

    one = await api.client.get(f"/v1/models/{HAIKU_45}", headers=token)
    assert one.status_code == 200
    assert one.json() == models[HAIKU_45]
    assert (await api.client.get(f"/v1/models/{OPUS}", headers=token)).status_code == 404

    mine = await api.client.get("/api/v1/users/me/llm", headers=me)
    assert mine.status_code == 200, mine.text
    reachable = {m["id"]: m for m in mine.json()["models"]}
    assert set(reachable) == set(models)
    assert reachable[SONNET]["live"] is True
    assert reachable[SONNET]["context_window"] == 200000


async def test_the_openai_sdk_reads_the_list_and_its_extra_fields(gateway: Gateway) -> None:
    gateway.api.upstreams[Provider.ANTHROPIC].listed = (SONNET, HAIKU_45)
    client = await gateway.user_with_key("sdk-models@example.com", Provider.ANTHROPIC)

    models = [m async for m in client.models.list()]

    assert sorted(m.id for m in models) == sorted([SONNET, HAIKU_45])
    assert {(m.object, m.owned_by) for m in models} == {("model", "anthropic")}
    sonnet = next(m for m in models if m.id == SONNET).model_dump()
    assert (sonnet["live"], sonnet["context_window"], sonnet["paid_by"]) == (True, 200000, "user")
    one = await client.models.retrieve(HAIKU_45)
    assert (one.id, one.model_dump()["context_window"]) == (HAIKU_45, None)
