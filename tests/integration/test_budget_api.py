"""Budgets over HTTP: GET/PUT /api/v1/users/me/budget, and calls refused before they reach the
provider: a 429 budget-exceeded problem on /api, OpenAI's insufficient_quota on /v1, both with
Retry-After; the spend and refusal metrics on /metrics."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from prometheus_client.parser import text_string_to_metric_families

from domain.provider import Provider
from tests.support.chat_api import ChatApi, make_chat_api
from tests.support.upstreams import MODELS

BUDGET = "/api/v1/users/me/budget"


@pytest.fixture
async def api() -> AsyncIterator[ChatApi]:
    async for built in make_chat_api("memory"):
        yield built


def completions(api: ChatApi, provider: Provider = Provider.OPENAI) -> int:
    """Completions the stand-in received (a key's validation lists models: not counted)."""
    return sum("completions" in r.url.path for r in api.upstreams[provider].requests)


async def gateway_token(api: ChatApi, me: dict[str, str]) -> dict[str, Any]:
    created = await api.client.post(
        "/api/v1/users/me/gateway-tokens", json={"name": "bot"}, headers=me
    )
    assert created.status_code == 201, created.text
    result: dict[str, Any] = created.json()
    return result


async def test_a_new_user_has_no_cap_and_sees_this_months_period(api: ChatApi) -> None:
    me = await api.user("budget-new@example.com")

    found = await api.client.get(BUDGET, headers=me)

    assert found.status_code == 200
    body = found.json()
    assert (body["monthly_usd"], body["alert_percent"], body["alert"]) == (None, None, False)
    assert (body["spent_usd"], body["reserved_usd"], body["system_default"]) == ("0", "0", [])
    assert body["period_start"].endswith("-01T00:00:00Z")
    assert body["resets_at"].endswith("-01T00:00:00Z")


async def test_a_cap_is_set_shown_and_cleared(api: ChatApi) -> None:
    me = await api.user("budget-set@example.com")

    put = await api.client.put(
        BUDGET, json={"monthly_usd": "20.00", "alert_percent": 80}, headers=me
    )
    assert put.status_code == 200, put.text
    assert (put.json()["monthly_usd"], put.json()["alert_percent"]) == ("20", 80)
    assert (await api.client.get(BUDGET, headers=me)).json()["monthly_usd"] == "20"

    cleared = await api.client.put(BUDGET, json={"monthly_usd": None}, headers=me)
    assert cleared.json()["monthly_usd"] is None


@pytest.mark.parametrize(
    ("body", "status", "slug"),
    [
        ({"monthly_usd": "-1"}, 422, "invalid-budget"),
        ({"monthly_usd": "0.00001"}, 422, "invalid-budget"),
        ({"monthly_usd": "1000001"}, 422, "invalid-budget"),
        ({"monthly_usd": "20", "alert_percent": 0}, 422, "invalid-budget"),
        ({"monthly_usd": "20", "alert_percent": 101}, 422, "invalid-budget"),
        ({"monthly_usd": 20}, 422, "validation-error"),
        ({"monthly_usd": "1e3"}, 422, "validation-error"),
        ({"monthly_usd": "NaN"}, 422, "validation-error"),
        ({"monthly": "20"}, 422, "validation-error"),
    ],
)
async def test_a_bad_budget_is_a_clear_problem_and_changes_nothing(
    api: ChatApi, body: dict[str, Any], status: int, slug: str
) -> None:
    me = await api.user("budget-bad@example.com")

    refused = await api.client.put(BUDGET, json=body, headers=me)

    assert refused.status_code == status, refused.text
    assert refused.json()["type"] == f"/problems/{slug}"
    assert (await api.client.get(BUDGET, headers=me)).json()["monthly_usd"] is None


async def test_a_session_turn_over_the_users_cap_is_a_429_problem_and_reaches_no_provider(
    api: ChatApi,
) -> None:
    me = await api.user("budget-session@example.com")
    await api.add_key(me, Provider.OPENAI)
    await api.client.put(BUDGET, json={"monthly_usd": "0.0001"}, headers=me)
    session = await api.start(me)

    refused = await api.send(me, session["id"], "hi")

    assert refused.status_code == 429, refused.text
    problem = refused.json()
    assert problem["type"] == "/problems/budget-exceeded"
    assert problem["cap"] == "own_monthly_usd"
    assert "your monthly budget" in problem["detail"]
    assert 0 < int(refused.headers["retry-after"]) <= 31 * 24 * 3600
    assert completions(api) == 0
    assert await api.messages(me, session["id"]) == []


async def test_a_gateway_call_over_its_tokens_cap_is_openais_insufficient_quota(
    api: ChatApi,
) -> None:
    me = await api.user("budget-gateway@example.com")
    await api.add_key(me, Provider.OPENAI)
    token = await gateway_token(api, me)
    assert api.db is not None
    # The token's scopes are set by their own route (PATCH, another change): here directly.
    api.db.gateway_tokens[UUID(token["id"])].monthly_usd = Decimal("0.0001")
    auth = {"Authorization": f"Bearer {token['token']}"}
    body = {"model": MODELS[Provider.OPENAI], "messages": [{"role": "user", "content": "hi"}]}

    for stream in (False, True):
        refused = await api.client.post(
            "/v1/chat/completions", json={**body, "stream": stream}, headers=auth
        )
        assert refused.status_code == 429, refused.text
        error = refused.json()["error"]
        assert (error["type"], error["code"]) == ("insufficient_quota", "insufficient_quota")
        assert "gateway token's monthly budget" in error["message"]
        assert int(refused.headers["retry-after"]) > 0
    assert completions(api) == 0


async def test_an_unpriced_model_under_a_cap_is_refused_on_both_apis(api: ChatApi) -> None:
    me = await api.user("budget-unpriced@example.com")
    await api.add_key(me, Provider.OPENAI_COMPATIBLE)
    await api.client.put(BUDGET, json={"monthly_usd": "5"}, headers=me)
    token = await gateway_token(api, me)
    auth = {"Authorization": f"Bearer {token['token']}"}
    model = MODELS[Provider.OPENAI_COMPATIBLE]

    gateway = await api.client.post(
        "/v1/chat/completions",
        json={"model": model, "messages": [{"role": "user", "content": "hi"}]},
        headers=auth,
    )
    session = await api.start(me)
    chat = await api.send(me, session["id"], "hi")

    assert gateway.status_code == 400, gateway.text
    assert gateway.json()["error"]["code"] == "model_not_priced"
    assert "BYOM_MODEL_PRICES" in gateway.json()["error"]["message"]
    assert (chat.status_code, chat.json()["type"]) == (422, "/problems/model-not-priced")
    assert completions(api, Provider.OPENAI_COMPATIBLE) == 0


async def test_spend_and_refusals_are_on_metrics_by_source_and_cap(api: ChatApi) -> None:
    me = await api.user("budget-metrics@example.com")
    await api.add_key(me, Provider.OPENAI)
    await api.client.put(BUDGET, json={"monthly_usd": "1"}, headers=me)
    token = await gateway_token(api, me)
    auth = {"Authorization": f"Bearer {token['token']}"}
    body = {"model": MODELS[Provider.OPENAI], "messages": [{"role": "user", "content": "hi"}]}
    before = samples((await api.client.get("/metrics")).text)

    assert (await api.client.post("/v1/chat/completions", json=body, headers=auth)).is_success
    await api.client.put(BUDGET, json={"monthly_usd": "0"}, headers=me)
    refused = await api.client.post("/v1/chat/completions", json=body, headers=auth)
    assert refused.status_code == 429
    text = (await api.client.get("/metrics")).text
    after = samples(text)

    spent = ("byom_spend_usd_total", (("source", "gateway"),))
    refusals = ("byom_budget_refusals_total", (("cap", "own_monthly_usd"),))
    assert after[spent] - before.get(spent, 0) > 0
    assert after[refusals] - before.get(refusals, 0) == 1
    assert ("byom_spend_reserved_usd", (("source", "gateway"),)) in after
    assert "budget-metrics" not in text
    assert me["Authorization"] not in text


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
