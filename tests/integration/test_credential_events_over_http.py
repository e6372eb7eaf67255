"""The audit trail and key expiry over HTTP, on SQLite and PostgreSQL: events carry the
request id and the client's address, page with the same cursor as messages, and an expired
key is reported by the list and by /users/me/llm."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from adapters.persistence.sqlalchemy.tables import CredentialRow
from domain.provider import Provider
from tests.support.api import Api
from tests.support.constants import ANTHROPIC_KEY, OPENAI_KEY, OPENAI_ROTATED

BASE = "/api/v1/users/me/llm-credentials"
EVENTS = "/api/v1/users/me/credential-events"


async def test_each_change_is_an_event_with_its_request_id_and_address(api: Api) -> None:
    me = await api.signup_and_login("audit@example.com")
    created = await api.client.post(
        BASE,
        json={"provider": "openai", "api_key": OPENAI_KEY},
        headers={**me, "X-Request-ID": "create-1"},
    )
    cid = created.json()["id"]
    rotated = await api.client.patch(f"{BASE}/{cid}", json={"api_key": OPENAI_ROTATED}, headers=me)
    refused = await api.client.post(
        BASE, json={"provider": "anthropic", "api_key": ANTHROPIC_KEY[:-4] + "NOPE"}, headers=me
    )
    await api.client.delete(f"{BASE}/{cid}", headers=me)
    assert (created.status_code, rotated.status_code, refused.status_code) == (201, 200, 422)

    page = (await api.client.get(EVENTS, headers=me)).json()
    assert page["next"] is None
    got = [(e["event"], e["credential_id"], e["provider"], e["key_hint"]) for e in page["events"]]
    assert got == [
        ("revoked", cid, "openai", "…n3w1"),
        ("validation_failed", None, "anthropic", "…NOPE"),
        ("rotated", cid, "openai", "…n3w1"),
        ("default_set", cid, "openai", "…wxyz"),
        ("created", cid, "openai", "…wxyz"),
    ]
    newest, _, rotation, _, oldest = page["events"]
    assert oldest["request_id"] == "create-1"
    assert rotation["request_id"] == rotated.headers["x-request-id"] != "create-1"
    assert {e["client_address"] for e in page["events"]} == {"testclient"}
    assert datetime.fromisoformat(newest["at"]).utcoffset() == timedelta(0)

    stranger = await api.signup_and_login("stranger@example.com")
    assert (await api.client.get(EVENTS, headers=stranger)).json() == {"events": [], "next": None}


async def test_events_page_with_a_cursor_and_a_foreign_cursor_is_a_400(api: Api) -> None:
    me = await api.signup_and_login("pages@example.com")
    cid = (await api.add(me, provider="openai", api_key=OPENAI_KEY))["id"]
    for _ in range(3):
        await api.client.post(f"{BASE}/{cid}/validate", headers=me)

    first = (await api.client.get(EVENTS, params={"limit": 2}, headers=me)).json()
    second = (
        await api.client.get(EVENTS, params={"limit": 2, "before": first["next"]}, headers=me)
    ).json()
    third = (
        await api.client.get(EVENTS, params={"limit": 2, "before": second["next"]}, headers=me)
    ).json()
    kinds = [e["event"] for p in (first, second, third) for e in p["events"]]
    assert kinds == ["validated"] * 3 + ["default_set", "created"]
    assert third["next"] is None
    bad = await api.client.get(EVENTS, params={"before": "bm9wZQ"}, headers=me)
    assert (bad.status_code, bad.json()["type"]) == (400, "/problems/invalid-cursor")
    assert (await api.client.get(EVENTS, params={"limit": 0}, headers=me)).status_code == 422


async def test_an_expiry_is_set_listed_and_explained_once_past(api: Api) -> None:
    me = await api.signup_and_login("expiry@example.com")
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    refused = await api.client.post(
        BASE, json={"provider": "openai", "api_key": OPENAI_KEY, "expires_at": past}, headers=me
    )
    assert (refused.status_code, refused.json()["type"]) == (422, "/problems/invalid-expiry")
    naive = await api.client.post(
        BASE,
        json={"provider": "openai", "api_key": OPENAI_KEY, "expires_at": "2999-01-01T00:00:00"},
        headers=me,
    )
    assert naive.status_code == 422
    assert api.providers.calls == 0

    soon = datetime.now(UTC) + timedelta(days=3)
    key = await api.add(me, provider="openai", api_key=OPENAI_KEY, expires_at=soon.isoformat())
    assert datetime.fromisoformat(key["expires_at"]) == soon
    assert key["is_expired"] is False
    cleared = await api.client.patch(f"{BASE}/{key['id']}", json={"expires_at": None}, headers=me)
    assert cleared.json()["expires_at"] is None

    # Time passes: the key's expiry is now behind us.
    async with api.engine.begin() as connection:
        await connection.execute(
            update(CredentialRow).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    listed = (await api.client.get(BASE, headers=me)).json()
    assert listed[0]["is_expired"] is True
    explained = (await api.client.get("/api/v1/users/me/llm", headers=me)).json()
    assert explained["reason"] == "none"
    assert "OpenAI default key …wxyz expired at" in explained["detail"]
    assert explained["expired"]["credential_id"] == key["id"]
    named = await api.client.post(
        "/api/v1/agent-sessions", json={"credential_id": key["id"]}, headers=me
    )
    assert (named.status_code, named.json()["type"]) == (409, "/problems/credential-expired")
    events = (await api.client.get(EVENTS, headers=me)).json()["events"]
    assert [e["event"] for e in events].count("expired") == 1
    assert api.providers.get(Provider.OPENAI).calls == [("list_models", None)]
