"""Nobody can keep a known account from logging in (issue 13, item 5): failures are throttled
per account AND client address, so an attacker's address failing does not slow the owner at
another; the owner sees the failures (GET /api/v1/users/me, the account page)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest

from tests.support.api import Api
from tests.support.constants import PASSWORD

LOGIN = "/api/v1/auth/login"
OWNER = "owner@example.com"
ATTACKER_ADDRESS = "203.0.113.66"
OWNER_ADDRESS = "198.51.100.7"


@asynccontextmanager
async def client_at(api: Api, address: str) -> AsyncIterator[httpx.AsyncClient]:
    """Another client address on the same running app (the test client has one fixed)."""
    transport = httpx.ASGITransport(app=api.client.app, client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as c:
        yield c


async def test_an_attackers_failures_do_not_lock_the_owner_out(api: Api) -> None:
    await api.signup_and_login(OWNER)
    wrong = {"email": OWNER, "password": "guessing wrong"}
    async with client_at(api, ATTACKER_ADDRESS) as attacker:
        statuses = [(await attacker.post(LOGIN, json=wrong)).status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429], "the attacker's address is slowed down"
    async with client_at(api, OWNER_ADDRESS) as owner:
        response = await owner.post(LOGIN, json={"email": OWNER, "password": PASSWORD})
    assert response.status_code == 200, "before: 429 for the owner's correct password"


async def test_the_owner_sees_the_failed_attempts(api: Api) -> None:
    await api.signup_and_login(OWNER)
    wrong = {"email": OWNER, "password": "guessing wrong"}
    async with client_at(api, ATTACKER_ADDRESS) as attacker:
        for _ in range(3):
            await attacker.post(LOGIN, json=wrong)
    me = await api.login(OWNER)
    record = (await api.client.get("/api/v1/users/me", headers=me)).json()["failed_logins"]
    assert record["count"] == 3
    assert record["last_from"] == "203.0.113.0/24", "an address prefix, not the address"
    assert record["last_at"]


async def test_an_account_without_failures_shows_none(api: Api) -> None:
    me = await api.signup_and_login("calm@example.com")
    body = (await api.client.get("/api/v1/users/me", headers=me)).json()
    assert body["failed_logins"] is None


@pytest.fixture
def owner_password() -> str:
    return PASSWORD
