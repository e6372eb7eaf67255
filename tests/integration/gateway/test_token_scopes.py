"""Issue 14 item 3: gateway tokens with scopes, like virtual keys.

The refusal matrix, each in OpenAI's shape and before any provider is asked: an expired token
is a 401 (``expired_api_key``), a model outside ``allowed_models`` a 403 (``invalid_request_error``,
``model_not_allowed``), over ``rpm`` or ``tpm`` a 429 (``rate_limit_error``,
``rate_limit_exceeded``) with ``retry-after``, ``retry-after-ms`` and OpenAI's ``x-ratelimit-*``.
The app's clock stands still here (a fixed minute), so a window never turns mid-test.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from domain.provider import Provider
from entrypoints.settings import LimitSettings
from tests.support.chat_api import ChatApi, make_chat_api
from tests.support.fakes import FakeClock

BASE = "/api/v1/users/me/gateway-tokens"
COMPLETIONS = "/v1/chat/completions"
SAY_HI: list[dict[str, str]] = [{"role": "user", "content": "hi"}]


def ask(model: str = "gpt-4o-mini", **extra: Any) -> dict[str, Any]:
    return {"model": model, "messages": SAY_HI, "max_tokens": 16, **extra}


@pytest.fixture
def clock() -> FakeClock:
    start = FakeClock().now()
    return FakeClock(start.replace(second=1))


@pytest.fixture
async def api(clock: FakeClock) -> AsyncIterator[ChatApi]:
    async for built in make_chat_api("memory", clock=clock):
        yield built


async def owner(api: ChatApi, email: str = "scoped@example.com") -> dict[str, str]:
    me = await api.user(email)
    await api.add_key(me, Provider.OPENAI)
    await api.add_key(me, Provider.ANTHROPIC)
    return me


async def scoped(api: ChatApi, me: dict[str, str], **scopes: Any) -> tuple[dict[str, Any], Any]:
    made = await api.client.post(BASE, json={"name": "bot", **scopes}, headers=me)
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    return body, {"Authorization": f"Bearer {body['token']}"}


def calls(api: ChatApi) -> int:
    return sum(len(api.upstreams[p].requests) for p in (Provider.OPENAI, Provider.ANTHROPIC))


def openai_error(response: Any) -> tuple[int, str, str]:
    error = response.json()["error"]
    return response.status_code, error["type"], error["code"]


async def test_scopes_are_set_at_creation_in_routed_form(api: ChatApi, clock: FakeClock) -> None:
    me = await owner(api)
    expires = (clock.now() + timedelta(days=30)).isoformat()
    models = ["gpt-4o-mini", "openai/gpt-4o-mini", "OPENAI/GPT-4O-MINI", "claude-3-5-haiku-latest"]

    made, _ = await scoped(
        api, me, expires_at=expires, allowed_models=models, rpm=5, tpm=2000, monthly_usd="20.50"
    )
    [listed] = (await api.client.get(BASE, headers=me)).json()

    assert made["allowed_models"] == ["openai/gpt-4o-mini", "anthropic/claude-3-5-haiku-latest"]
    assert (made["rpm"], made["tpm"], made["monthly_usd"]) == (5, 2000, "20.5")
    assert made["state"] == "live"
    assert listed == {k: v for k, v in made.items() if k != "token"}


@pytest.mark.parametrize(
    ("scopes", "status", "problem"),
    [
        ({"expires_at": "2020-01-01T00:00:00Z"}, 422, "invalid-token-scope"),
        ({"expires_at": "2999-01-01T00:00:00"}, 422, "invalid-token-scope"),
        ({"rpm": 100_001}, 422, "invalid-token-scope"),
        ({"tpm": 0}, 422, "validation-error"),
        ({"rpm": "ten"}, 422, "validation-error"),
        ({"monthly_usd": "-1"}, 422, "invalid-token-scope"),
        ({"monthly_usd": "lots"}, 422, "invalid-token-scope"),
        ({"monthly_usd": "NaN"}, 422, "invalid-token-scope"),
        ({"monthly_usd": "0.0000001"}, 422, "invalid-token-scope"),
        ({"monthly_usd": 20}, 422, "validation-error"),
        ({"allowed_models": []}, 422, "invalid-token-scope"),
        ({"allowed_models": ["gpt 4o"]}, 422, "invalid-token-scope"),
        ({"allowed_models": [""]}, 422, "invalid-token-scope"),
        ({"allowed_models": ["m"] * 51}, 422, "validation-error"),
        ({"allowed_models": ["m" * 201]}, 422, "validation-error"),
        ({"scope": "all"}, 422, "validation-error"),
    ],
)
async def test_bad_scopes_are_refused_and_nothing_is_stored(
    api: ChatApi, scopes: dict[str, Any], status: int, problem: str
) -> None:
    me = await owner(api)
    refused = await api.client.post(BASE, json={"name": "bot", **scopes}, headers=me)

    assert refused.status_code == status, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["type"] == f"/problems/{problem}"
    assert (await api.client.get(BASE, headers=me)).json() == []


async def test_patch_changes_what_it_names_and_null_clears(api: ChatApi, clock: FakeClock) -> None:
    me = await owner(api)
    made, _ = await scoped(api, me, rpm=5, tpm=1000, allowed_models=["gpt-4o-mini"])
    path = f"{BASE}/{made['id']}"

    renamed = await api.client.patch(path, json={"name": "ci", "rpm": None}, headers=me)
    assert renamed.status_code == 200, renamed.text
    body = renamed.json()
    assert (body["name"], body["rpm"], body["tpm"]) == ("ci", None, 1000)
    assert body["allowed_models"] == ["openai/gpt-4o-mini"]

    later = (clock.now() + timedelta(hours=1)).isoformat()
    body = (
        await api.client.patch(
            path,
            json={"allowed_models": None, "expires_at": later, "monthly_usd": "5"},
            headers=me,
        )
    ).json()
    assert (body["allowed_models"], body["monthly_usd"], body["tpm"]) == (None, "5", 1000)

    past = await api.client.patch(path, json={"expires_at": "2020-01-01T00:00:00Z"}, headers=me)
    assert (past.status_code, past.json()["type"]) == (422, "/problems/invalid-token-scope")
    [kept] = (await api.client.get(BASE, headers=me)).json()
    assert kept["expires_at"] == body["expires_at"], "a refused change changes nothing"

    stranger = await api.user("stranger@example.com")
    assert (await api.client.patch(path, json={"rpm": 1}, headers=stranger)).status_code == 404
    assert (await api.client.delete(path, headers=me)).status_code == 204
    revoked = await api.client.patch(path, json={"rpm": 1}, headers=me)
    assert (revoked.status_code, revoked.json()["type"]) == (
        404,
        "/problems/gateway-token-not-found",
    )


async def test_an_expired_token_is_openais_401(api: ChatApi, clock: FakeClock) -> None:
    me = await owner(api)
    soon = (clock.now() + timedelta(minutes=1)).isoformat()
    _, token = await scoped(api, me, expires_at=soon)
    assert (await api.client.post(COMPLETIONS, json=ask(), headers=token)).status_code == 200

    clock.advance(61)
    before = calls(api)
    refused = await api.client.post(COMPLETIONS, json=ask(), headers=token)
    listing = await api.client.get("/v1/models", headers=token)

    assert openai_error(refused) == (401, "authentication_error", "expired_api_key")
    assert "expired" in refused.json()["error"]["message"]
    assert listing.status_code == 401
    assert calls(api) == before
    [listed] = (await api.client.get(BASE, headers=me)).json()
    assert (listed["state"], listed["is_active"]) == ("expired", True)


async def test_a_model_outside_allowed_models_is_a_403_before_any_call(api: ChatApi) -> None:
    me = await owner(api)
    _, token = await scoped(api, me, allowed_models=["gpt-4o-mini"])
    before = calls(api)

    for model in ("gpt-4o", "openai/gpt-4o", "claude-3-5-haiku-latest", "default", "llama3"):
        refused = await api.client.post(COMPLETIONS, json=ask(model), headers=token)
        assert openai_error(refused) == (403, "invalid_request_error", "model_not_allowed"), model
        streamed = await api.client.post(COMPLETIONS, json=ask(model, stream=True), headers=token)
        assert streamed.status_code == 403
    assert calls(api) == before, "a refused model reaches no provider"

    for model in ("gpt-4o-mini", "openai/gpt-4o-mini", "GPT-4o-mini"):
        response = await api.client.post(COMPLETIONS, json=ask(model), headers=token)
        assert response.status_code == 200, (model, response.text)


async def test_models_lists_only_what_the_token_may_use(api: ChatApi) -> None:
    me = await owner(api)
    _, open_token = await scoped(api, me)
    _, narrow = await scoped(api, me, allowed_models=["openai/gpt-4o-mini", "gpt-4o-mini"])

    every = {
        m["id"] for m in (await api.client.get("/v1/models", headers=open_token)).json()["data"]
    }
    some = [m["id"] for m in (await api.client.get("/v1/models", headers=narrow)).json()["data"]]

    assert "gpt-4o-mini" in every
    assert len(every) > 1
    assert some == ["gpt-4o-mini"]
    assert (await api.client.get("/v1/models/gpt-4o-mini", headers=narrow)).status_code == 200
    other = sorted(every - {"gpt-4o-mini"})[0]
    assert (await api.client.get(f"/v1/models/{other}", headers=narrow)).status_code == 404


async def test_over_rpm_is_a_429_with_openais_headers(api: ChatApi) -> None:
    me = await owner(api)
    _, token = await scoped(api, me, rpm=2)
    first = await api.client.post(COMPLETIONS, json=ask(), headers=token)
    second = await api.client.post(COMPLETIONS, json=ask(stream=True), headers=token)
    before = calls(api)
    refused = await api.client.post(COMPLETIONS, json=ask(), headers=token)

    assert (first.status_code, second.status_code) == (200, 200)
    assert first.headers["x-ratelimit-limit-requests"] == "2"
    assert first.headers["x-ratelimit-remaining-requests"] == "1"
    assert second.headers["x-ratelimit-remaining-requests"] == "0", "streams carry them too"
    assert "x-ratelimit-limit-tokens" not in first.headers
    assert openai_error(refused) == (429, "rate_limit_error", "rate_limit_exceeded")
    assert "2 requests per minute" in refused.json()["error"]["message"]
    assert refused.headers["x-ratelimit-limit-requests"] == "2"
    assert refused.headers["x-ratelimit-remaining-requests"] == "0"
    assert re.fullmatch(r"\d+s|1m0s", refused.headers["x-ratelimit-reset-requests"])
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert 0 < int(refused.headers["retry-after-ms"]) <= 60_000
    assert calls(api) == before

    _, other = await scoped(api, me)
    assert (await api.client.post(COMPLETIONS, json=ask(), headers=other)).status_code == 200


async def test_over_tpm_counts_the_prompt_and_the_reply_it_may_ask_for(api: ChatApi) -> None:
    me = await owner(api)
    _, token = await scoped(api, me, tpm=100)
    # "hi": 1 token of text + 4 of framing, plus max_tokens 40: 45 a call.
    first = await api.client.post(COMPLETIONS, json=ask(max_tokens=40), headers=token)
    second = await api.client.post(COMPLETIONS, json=ask(max_tokens=40), headers=token)
    refused = await api.client.post(COMPLETIONS, json=ask(max_tokens=40), headers=token)
    unbounded = await api.client.post(COMPLETIONS, json=ask(max_tokens=None), headers=token)

    assert (first.status_code, second.status_code) == (200, 200)
    assert first.headers["x-ratelimit-limit-tokens"] == "100"
    assert first.headers["x-ratelimit-remaining-tokens"] == "55"
    assert second.headers["x-ratelimit-remaining-tokens"] == "10"
    assert openai_error(refused) == (429, "rate_limit_error", "rate_limit_exceeded")
    assert "100 tokens per minute" in refused.json()["error"]["message"]
    assert refused.headers["x-ratelimit-remaining-tokens"] == "10", "a refusal counts nothing"
    assert int(refused.headers["retry-after"]) >= 1
    assert unbounded.status_code == 429, "no max_tokens: the default reply budget is counted"
    assert "send a lower max_tokens" in unbounded.json()["error"]["message"]
    impossible = await api.client.post(COMPLETIONS, json=ask(max_tokens=0), headers=token)
    assert openai_error(impossible)[0] == 400, "checked before it is counted"


async def test_the_users_own_rate_still_applies_and_the_tighter_headers_win(
    clock: FakeClock,
) -> None:
    limits = LimitSettings(gateway_rate_per_minute=2)
    async for api in make_chat_api("memory", limits=limits, clock=clock):
        me = await owner(api)
        _, token = await scoped(api, me, rpm=10)
        first = await api.client.post(COMPLETIONS, json=ask(), headers=token)
        await api.client.post(COMPLETIONS, json=ask(), headers=token)
        refused = await api.client.post(COMPLETIONS, json=ask(), headers=token)

        assert first.headers["x-ratelimit-limit-requests"] == "2", "the user's rate binds first"
        assert first.headers["x-ratelimit-remaining-requests"] == "1"
        assert openai_error(refused) == (429, "rate_limit_error", "rate_limit_exceeded")
        assert refused.headers["x-ratelimit-limit-requests"] == "2"
