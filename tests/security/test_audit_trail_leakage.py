"""The audit trail never holds the key: a distinctive key goes through every event there is
(created, validated, validation_failed, rotated, model_changed, default_set, expired,
rejected_by_provider, revoked), and no 8-character piece of it appears in any event row,
any response or any log record (docs/security-tests.md, J5)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text, update
from tests.support.api import Api, make_api

from adapters.persistence.sqlalchemy.tables import CredentialRow
from domain.provider import Provider

KEY = f"sk-proj-audit{uuid.uuid4().hex}{uuid.uuid4().hex}"
ROTATED = f"sk-proj-audit{uuid.uuid4().hex}{uuid.uuid4().hex}"
REFUSED = f"sk-proj-audit{uuid.uuid4().hex}{uuid.uuid4().hex}"
BASE = "/api/v1/users/me/llm-credentials"


def pieces(key: str) -> set[str]:
    """Every 8-character substring of ``key``: the hint (the last 4) is shown by design."""
    return {key[i : i + 8] for i in range(len(key) - 7)}


@pytest.fixture
async def api(sqlite_url: str) -> AsyncIterator[Api]:
    async for built in make_api(sqlite_url):
        built.providers.accept(Provider.OPENAI, KEY, ROTATED)
        yield built


async def test_j5_no_piece_of_the_key_in_any_event_response_or_log(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []

    async def call(method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = await api.client.request(method, path, **kwargs)
        seen.append(response.text)
        seen.extend(f"{k}: {v}" for k, v in response.headers.items())
        assert response.status_code < 500, response.text
        return response

    me = await api.signup_and_login("never@example.com")
    soon = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    created = await call(
        "POST",
        BASE,
        headers=me,
        json={"provider": "openai", "api_key": KEY, "model_name": "model-a", "expires_at": soon},
    )
    cid = created.json()["id"]
    await call("POST", f"{BASE}/{cid}/validate", headers=me)
    await call("PATCH", f"{BASE}/{cid}", headers=me, json={"api_key": REFUSED})  # 422
    await call("POST", BASE, headers=me, json={"provider": "anthropic", "api_key": REFUSED})
    await call("PATCH", f"{BASE}/{cid}", headers=me, json={"api_key": ROTATED})
    await call("PATCH", f"{BASE}/{cid}", headers=me, json={"model_name": "model-b"})
    await call("PUT", f"{BASE}/{cid}/default", headers=me)
    session = await call("POST", "/api/v1/agent-sessions", headers=me, json={})
    api.providers.get(Provider.OPENAI).valid_keys.clear()
    rejected = await call(
        "POST",
        f"/api/v1/agent-sessions/{session.json()['id']}/messages",
        headers=me,
        json={"content": "hello"},
    )
    assert rejected.status_code == 424
    await call("PATCH", f"{BASE}/{cid}", headers=me, json={"expires_at": soon})
    async with api.engine.begin() as connection:
        await connection.execute(
            update(CredentialRow).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    await call("GET", "/api/v1/users/me/llm", headers=me)
    await call("DELETE", f"{BASE}/{cid}", headers=me)
    events = (await call("GET", "/api/v1/users/me/credential-events", headers=me)).json()

    kinds = {e["event"] for e in events["events"]}
    assert kinds == {
        "created",
        "default_set",
        "validated",
        "validation_failed",
        "rotated",
        "model_changed",
        "rejected_by_provider",
        "expired",
        "revoked",
    }
    async with api.engine.connect() as connection:
        rows = [
            " ".join(str(v) for v in row)
            for row in await connection.execute(text("SELECT * FROM credential_events"))
        ]
    logged = [r.getMessage() for r in caplog.records] + [str(r.__dict__) for r in caplog.records]
    for key in (KEY, ROTATED, REFUSED):
        for piece in pieces(key):
            assert not [r for r in rows if piece in r], f"{piece!r} in an event row"
            assert not [s for s in seen if piece in s], f"{piece!r} in a response"
            assert not [m for m in logged if piece in m], f"{piece!r} in a log record"
