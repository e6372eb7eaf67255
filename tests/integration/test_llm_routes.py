"""The catalog route and "what would my agents use now, and why"."""

from __future__ import annotations

from tests.support.api import Api
from tests.support.constants import ANTHROPIC_KEY, OPENAI_KEY


async def test_the_catalog_lists_every_provider_without_a_token(api: Api) -> None:
    response = await api.client.get("/api/v1/llm/providers")
    assert response.status_code == 200
    by_name = {p["provider"]: p for p in response.json()}
    assert set(by_name) == {"openai", "google", "anthropic", "openai_compatible"}
    openai = by_name["openai"]
    assert openai["default_model"] == "model-a"
    assert openai["models"][0]["input_usd_per_mtok"] == "2.50", "money as exact decimal strings"
    assert openai["models"][0]["context_window"] == 128_000
    compatible = by_name["openai_compatible"]
    assert compatible["takes_base_url"] is True
    assert compatible["default_model"] is None


async def test_my_llm_says_none_then_follows_the_default(api: Api) -> None:
    me = await api.signup_and_login("mine@example.com")
    nothing = (await api.client.get("/api/v1/users/me/llm", headers=me)).json()
    assert nothing["reason"] == "none"
    assert "add a provider API key" in nothing["detail"]
    assert (nothing["paid_by"], nothing["models"]) == (None, [])

    openai = await api.add(me, provider="openai", api_key=OPENAI_KEY, model_name="model-b")
    claude = await api.add(me, provider="anthropic", api_key=ANTHROPIC_KEY)
    now = (await api.client.get("/api/v1/users/me/llm", headers=me)).json()
    models = now.pop("models")
    assert now == {
        "reason": "user_default",
        "provider": "openai",
        "model": "model-b",
        "credential_id": openai["id"],
        "detail": None,
        "paid_by": "user",
        "expired": None,
    }
    assert {(m["provider"], m["name"], m["credential_id"]) for m in models} >= {
        ("openai", "model-b", openai["id"]),
        ("anthropic", "model-a", claude["id"]),
    }
    await api.client.put(f"/api/v1/users/me/llm-credentials/{claude['id']}/default", headers=me)
    now = (await api.client.get("/api/v1/users/me/llm", headers=me)).json()
    assert (now["provider"], now["model"], now["credential_id"]) == (
        "anthropic",
        "model-a",
        claude["id"],
    )
    await api.client.delete(f"/api/v1/users/me/llm-credentials/{claude['id']}", headers=me)
    after = (await api.client.get("/api/v1/users/me/llm", headers=me)).json()
    assert after["reason"] == "none", "revoking the default promotes nothing"
