"""The whole flow of README.md's API overview through the real app, on SQLite and PostgreSQL."""

from __future__ import annotations

from uuid import UUID, uuid4

from tests.support.api import Api, as_uuid
from tests.support.constants import ANTHROPIC_KEY, OPENAI_KEY, OPENAI_ROTATED

BASE = "/api/v1/users/me/llm-credentials"


async def test_signup_login_create_list_default_validate_delete(api: Api) -> None:
    me = await api.signup_and_login("flow@example.com")
    who = await api.client.get("/api/v1/users/me", headers=me)
    assert who.json()["email"] == "flow@example.com"

    openai = await api.add(me, provider="OpenAI", api_key=OPENAI_KEY, model_name="model-a")
    claude = await api.add(me, provider=" Claude ", api_key=ANTHROPIC_KEY)
    assert openai["is_default"] is True
    assert claude["is_default"] is False
    assert claude["provider"] == "anthropic"
    assert openai["key_hint"] == "…wxyz"
    assert openai["masked_key"] == "sk-…wxyz"

    listed = (await api.client.get(BASE, headers=me)).json()
    assert [c["id"] for c in listed] == [openai["id"], claude["id"]], "default first"
    assert all("api_key" not in c and "encrypted_api_key" not in c for c in listed)

    made = await api.client.put(f"{BASE}/{claude['id']}/default", headers=me)
    assert made.status_code == 200
    assert made.json()["is_default"] is True
    listed = (await api.client.get(BASE, headers=me)).json()
    assert [(c["id"], c["is_default"]) for c in listed] == [
        (claude["id"], True),
        (openai["id"], False),
    ]

    rows_before = len(await api.rows("user_llm_credentials"))
    checked = await api.client.post(
        f"{BASE}/validate",
        headers=me,
        json={"provider": "gemini", "api_key": "AIzaSyD-not-a-real-key-000000000"},
    )
    assert checked.status_code == 200
    assert checked.json()["valid"] is False
    assert len(await api.rows("user_llm_credentials")) == rows_before

    gone = await api.client.delete(f"{BASE}/{openai['id']}", headers=me)
    assert gone.status_code == 204
    again = await api.client.delete(f"{BASE}/{openai['id']}", headers=me)
    assert again.status_code == 204, "deleting is idempotent"
    row = next(
        r for r in await api.rows("user_llm_credentials") if as_uuid(r["id"]) == UUID(openai["id"])
    )
    assert not row["is_active"]
    assert row["encrypted_api_key"] is None

    listed = (await api.client.get(BASE, headers=me)).json()
    assert [c["id"] for c in listed] == [claude["id"]]
    everything = (await api.client.get(f"{BASE}?include_inactive=true", headers=me)).json()
    assert {c["id"] for c in everything} == {claude["id"], openai["id"]}


async def test_rotating_a_key_keeps_its_id_and_hint_changes(api: Api) -> None:
    me = await api.signup_and_login("rotate@example.com")
    created = await api.add(me, provider="openai", api_key=OPENAI_KEY)
    new_key = OPENAI_ROTATED
    rotated = await api.client.patch(
        f"{BASE}/{created['id']}", headers=me, json={"api_key": new_key}
    )
    assert rotated.status_code == 200, rotated.text
    assert rotated.json()["id"] == created["id"]
    assert rotated.json()["key_hint"] == "…n3w1"


async def test_revalidating_updates_last_validated_at(api: Api) -> None:
    me = await api.signup_and_login("revalidate@example.com")
    created = await api.add(me, provider="openai", api_key=OPENAI_KEY)
    checked = await api.client.post(f"{BASE}/{created['id']}/validate", headers=me)
    assert checked.status_code == 200
    assert checked.json()["valid"] is True
    assert checked.json()["models"] == ["model-a", "model-b"]


async def test_a_duplicate_provider_is_409_with_the_existing_id(api: Api) -> None:
    me = await api.signup_and_login("dup@example.com")
    created = await api.add(me, provider="openai", api_key=OPENAI_KEY)
    again = await api.client.post(
        BASE, headers=me, json={"provider": "openai", "api_key": OPENAI_KEY}
    )
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("application/problem+json")
    assert again.json()["type"] == "/problems/credential-exists"
    assert again.json()["existing_id"] == created["id"]


async def test_a_random_id_is_a_404_problem(api: Api) -> None:
    me = await api.signup_and_login("random@example.com")
    response = await api.client.get(f"{BASE}/{uuid4()}", headers=me)
    assert response.status_code == 404
    assert response.json()["type"] == "/problems/credential-not-found"
