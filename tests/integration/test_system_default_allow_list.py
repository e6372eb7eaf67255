"""The platform's key serves only the models the operator allows (BYOM_SYSTEM_DEFAULT_MODELS),
on every path a user without a key of their own can take: sessions, the gateway (JSON and
SSE, through the official SDK), and what /v1/models and /users/me/llm offer.

Reproduction (before the allow-list): with the system default ``gpt-4o-mini``, a user without
keys started a session on ``gpt-4.1`` and the gateway relayed ``gpt-4.1``, ``o1-pro`` and
made-up names to OpenAI on the platform's key."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import httpx2
import openai
import pytest

from adapters.persistence.memory.database import MemoryDatabase
from domain.provider import Provider
from entrypoints.settings import ProviderSettings, SystemDefaultSettings
from tests.support.chat_api import make_chat_api
from tests.support.constants import KEYS, PASSWORD
from tests.support.gateway import Gateway

REFUSED = ("gpt-4.1", "o1-pro", "made-up-model", "openai/gpt-4.1", "models/gpt-4o-mini")


def platform(*models: str) -> ProviderSettings:
    """OpenAI's ``gpt-4o-mini`` on the platform's key (the stand-in accepts it), allowing
    ``models`` (none: the default model alone)."""
    return ProviderSettings(
        system_default=SystemDefaultSettings(
            provider="openai",
            model="gpt-4o-mini",
            models=models,
            api_keys={"openai": KEYS[Provider.OPENAI]},
        )
    )


async def _gateway(providers: ProviderSettings, db: MemoryDatabase) -> AsyncIterator[Gateway]:
    async for api in make_chat_api("memory", db=db, providers=providers):
        app, base_url = api.client.app, "http://byom.test"
        async with (
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url) as http,
            httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url=base_url) as sdk,
        ):
            yield Gateway(api, http, sdk)


@pytest.fixture
async def gateway() -> AsyncIterator[Gateway]:
    async for found in _gateway(platform(), MemoryDatabase()):
        yield found


def _posts(gateway: Gateway) -> list[httpx.Request]:
    return [r for r in gateway.api.upstreams[Provider.OPENAI].requests if r.method == "POST"]


async def test_a_session_on_a_model_outside_the_list_is_refused_and_stores_nothing(
    gateway: Gateway,
) -> None:
    me = await gateway.api.user("session@example.com")

    for model in REFUSED:
        refused = await gateway.api.client.post(
            "/api/v1/agent-sessions", json={"model": model}, headers=me
        )
        assert refused.status_code == 403, (model, refused.text)
        problem = refused.json()
        assert problem["type"] == "/problems/model-not-allowed"
        assert "gpt-4o-mini" in problem["detail"], "the refusal names what is offered"
    refused = await gateway.api.client.post(
        "/api/v1/agent-sessions", json={"provider": "openai", "model": "o1-pro"}, headers=me
    )
    assert refused.status_code == 403

    listed = await gateway.api.client.get("/api/v1/agent-sessions", headers=me)
    assert listed.json() == []
    assert gateway.api.upstreams[Provider.OPENAI].requests == []


@pytest.mark.parametrize("spelling", ["gpt-4o-mini", "openai/gpt-4o-mini", "GPT-4o-mini"])
async def test_the_allowed_model_serves_under_any_spelling_and_goes_out_as_listed(
    gateway: Gateway, spelling: str
) -> None:
    me = await gateway.api.user("spelling@example.com")
    session = await gateway.api.start(me, model=spelling)
    assert (session["llm_provider"], session["llm_model"], session["llm_credential_id"]) == (
        "openai",
        "gpt-4o-mini",
        None,
    )
    sent = await gateway.api.send(me, session["id"], "hi")
    assert sent.status_code == 200, sent.text
    assert [r["model"] for r in gateway.api.upstreams[Provider.OPENAI].bodies()] == ["gpt-4o-mini"]


@pytest.mark.parametrize("streamed", [False, True], ids=["json", "sse"])
async def test_the_gateway_refuses_other_models_in_openais_shape_before_any_provider_call(
    gateway: Gateway, streamed: bool
) -> None:
    client = await gateway.user_with_key("gw@example.com")

    for model in REFUSED:
        with pytest.raises(openai.PermissionDeniedError) as caught:
            await client.chat.completions.create(
                model=model, messages=[{"role": "user", "content": "hi"}], stream=streamed
            )
        assert caught.value.status_code == 403
        assert caught.value.code == "model_not_allowed"
        assert caught.value.body["type"] == "invalid_request_error"  # type: ignore[index]
    assert _posts(gateway) == []

    for model in ("gpt-4o-mini", "openai/gpt-4o-mini", "default"):
        reply = await client.chat.completions.create(
            model=model, messages=[{"role": "user", "content": "hi"}]
        )
        assert reply.choices[0].message.content
    sent = gateway.api.upstreams[Provider.OPENAI].bodies()
    assert [body["model"] for body in sent] == ["gpt-4o-mini"] * 3


async def test_a_session_started_before_the_list_narrowed_is_refused_on_its_next_message() -> None:
    db = MemoryDatabase()
    async for wide in _gateway(platform("gpt-4o-mini", "gpt-4.1"), db):
        me = await wide.api.user("narrowed@example.com")
        session = await wide.api.start(me, model="gpt-4.1")
        assert session["llm_model"] == "gpt-4.1"

    async for narrow in _gateway(platform(), db):
        login = await narrow.api.client.post(
            "/api/v1/auth/login",
            json={"email": "narrowed@example.com", "password": PASSWORD},
        )
        me = {"Authorization": f"Bearer {login.json()['access_token']}"}
        for accept in ("application/json", "text/event-stream"):
            refused = await narrow.api.client.post(
                f"/api/v1/agent-sessions/{session['id']}/messages",
                json={"content": "hi"},
                headers={**me, "Accept": accept},
            )
            assert refused.status_code == 403, refused.text
            assert refused.json()["type"] == "/problems/model-not-allowed"
        assert narrow.api.upstreams[Provider.OPENAI].requests == []
        assert db.messages == {}


async def test_models_offer_the_allowed_models_on_the_platforms_key_and_the_users_own() -> None:
    async for gateway in _gateway(platform("gpt-4o-mini", "gpt-4.1-nano"), MemoryDatabase()):
        keyless = await gateway.user_with_key("keyless@example.com")
        listed = [m async for m in keyless.models.list()]
        assert [(m.id, m.owned_by) for m in listed] == [
            ("gpt-4.1-nano", "openai"),
            ("gpt-4o-mini", "openai"),
        ]
        raw = (await gateway.http.get("/v1/models", headers=_bearer(keyless))).json()["data"]
        assert {(m["paid_by"], m["credential_id"], m["provider"]) for m in raw} == {
            ("platform", None, "openai")
        }
        one = await keyless.models.retrieve("gpt-4o-mini")
        assert one.model_extra == {
            "provider": "openai",
            "paid_by": "platform",
            "credential_id": None,
            # The platform's list is not fetched (only its allow-list is offered); the
            # catalog's limits and prices are joined in.
            "live": False,
            "context_window": 128000,
            "max_output_tokens": 16384,
            "input_usd_per_mtok": "0.15",
            "output_usd_per_mtok": "0.60",
        }
        with pytest.raises(openai.NotFoundError):
            await keyless.models.retrieve("gpt-4.1")

        me = await gateway.api.user("keyed@example.com")
        credential = await gateway.api.add_key(me, Provider.ANTHROPIC)
        explained = await gateway.api.client.get("/api/v1/users/me/llm", headers=me)
        body = explained.json()
        assert (body["reason"], body["provider"], body["paid_by"]) == (
            "user_default",
            "anthropic",
            "user",
        )
        by_id = {m["id"]: m for m in body["models"]}
        assert by_id["gpt-4o-mini"] == {
            "id": "gpt-4o-mini",
            "provider": "openai",
            "name": "gpt-4o-mini",
            "paid_by": "platform",
            "credential_id": None,
            "live": False,
            "context_window": 128000,
            "input_usd_per_mtok": "0.15",
            "output_usd_per_mtok": "0.60",
        }
        assert "gpt-4.1" not in by_id, "outside the allow-list: not offered"
        claude = by_id["claude-sonnet-4-5-20250929"]
        assert (claude["paid_by"], claude["credential_id"]) == ("user", credential["id"])

        await gateway.api.add_key(me, Provider.OPENAI)
        body = (await gateway.api.client.get("/api/v1/users/me/llm", headers=me)).json()
        openai_models = [m for m in body["models"] if m["provider"] == "openai"]
        assert "gpt-4.1" in {m["name"] for m in openai_models}, "their own key serves all"
        assert {m["paid_by"] for m in openai_models} == {"user"}


async def test_explain_says_the_platform_pays_for_a_keyless_user(gateway: Gateway) -> None:
    me = await gateway.api.user("explain@example.com")
    body = (await gateway.api.client.get("/api/v1/users/me/llm", headers=me)).json()
    assert (body["reason"], body["model"], body["credential_id"], body["paid_by"]) == (
        "system_default",
        "gpt-4o-mini",
        None,
        "platform",
    )
    assert [(m["id"], m["paid_by"]) for m in body["models"]] == [("gpt-4o-mini", "platform")]


def _bearer(client: openai.AsyncOpenAI) -> dict[str, str]:
    return {"Authorization": f"Bearer {client.api_key}"}
