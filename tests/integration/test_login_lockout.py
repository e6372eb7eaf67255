"""Nobody can keep a known account from logging in (issue 13, item 5): failures are throttled
per account AND client address, so an attacker's address failing does not slow the owner at
another; the owner sees the failures (GET /api/v1/users/me, the account page)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import redis
from litestar.testing.transport import TestClientTransport

from tests.support.api import Api, make_api
from tests.support.constants import PASSWORD
from tests.support.fakes import FakeClock

LOGIN = "/api/v1/auth/login"
OWNER = "owner@example.com"
ATTACKER_ADDRESS = "203.0.113.66"
OWNER_ADDRESS = "198.51.100.7"


_ADDRESS_HEADER = "x-test-client-address"


@pytest.fixture(autouse=True)
def addressable_test_client(monkeypatch: pytest.MonkeyPatch) -> None:
    """Litestar's test client gives every request one fixed client address; these tests need
    several, on the app's own loop (its database pool is bound to it), so a header picks it."""
    parse = TestClientTransport.parse_request

    def parse_with_address(self: Any, request: httpx.Request) -> Any:
        scope = parse(self, request)
        address = request.headers.get(_ADDRESS_HEADER)
        if address:
            scope["client"] = (address, 40000)
        return scope

    monkeypatch.setattr(TestClientTransport, "parse_request", parse_with_address)


class _ClientAt:
    def __init__(self, api: Api, address: str) -> None:
        self._client = api.client
        self._headers = {_ADDRESS_HEADER: address}

    async def post(self, path: str, json: dict[str, str]) -> httpx.Response:
        return await self._client.post(path, json=json, headers=self._headers)


@asynccontextmanager
async def client_at(api: Api, address: str) -> AsyncIterator[_ClientAt]:
    """Requests to the running app from another client address."""
    yield _ClientAt(api, address)


@pytest.fixture
async def frozen(db_url: str) -> AsyncIterator[Api]:
    """The app with its login throttle's clock stopped: a wait it imposes never runs out while
    a slow machine serves the attempts (the sixth attempt, 1 s after the fifth, was once let
    through on a loaded CI machine)."""
    async for api in make_api(db_url, login_clock=FakeClock()):
        yield api


async def test_an_attackers_failures_do_not_lock_the_owner_out(frozen: Api) -> None:
    api = frozen
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


async def test_two_instances_share_the_throttle_through_redis(
    sqlite_url: str, redis_url: str
) -> None:
    redis.Redis.from_url(redis_url).flushdb()
    wrong = {"email": OWNER, "password": "guessing wrong"}
    async for one in make_api(sqlite_url, redis_url=redis_url):
        async for two in make_api(sqlite_url, redis_url=redis_url):
            await one.signup_and_login(OWNER)
            async with client_at(one, ATTACKER_ADDRESS) as attacker:
                for _ in range(5):
                    assert (await attacker.post(LOGIN, json=wrong)).status_code == 401
            async with client_at(two, ATTACKER_ADDRESS) as attacker:
                assert (await attacker.post(LOGIN, json=wrong)).status_code == 429
            async with client_at(two, OWNER_ADDRESS) as owner:
                right = {"email": OWNER, "password": PASSWORD}
                assert (await owner.post(LOGIN, json=right)).status_code == 200
            assert redis.Redis.from_url(redis_url).keys("byom-login*")
