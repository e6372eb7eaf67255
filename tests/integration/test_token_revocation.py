"""Logging out, changing the password and closing the account end the sessions issued before
(issue 13, item 6; docs/security-tests.md D8): the old token is 401 on the API and sent to the
login page on the pages, a token issued after still works, across instances sharing Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import redis

from tests.support.api import Api, make_api
from tests.support.constants import PASSWORD
from tests.support.site import Site, open_site

ME = "/api/v1/users/me"
NEW_PASSWORD = "a different passphrase entirely"


async def _status(api: Api, headers: dict[str, str]) -> int:
    return (await api.client.get(ME, headers=headers)).status_code


async def test_logging_out_revokes_the_token_and_a_new_login_works(api: Api) -> None:
    old = await api.signup_and_login("leaving@example.com")
    other_device = await api.login("leaving@example.com")
    response = await api.client.post("/api/v1/auth/logout", headers=old)
    assert response.status_code == 204
    assert await _status(api, old) == 401
    assert await _status(api, other_device) == 401, "every token issued before is revoked"
    assert await _status(api, await api.login("leaving@example.com")) == 200


async def test_logging_out_needs_a_valid_token(api: Api) -> None:
    response = await api.client.post("/api/v1/auth/logout")
    assert response.status_code == 401


async def test_changing_the_password_revokes_older_tokens_and_returns_a_new_one(
    api: Api,
) -> None:
    old = await api.signup_and_login("changer@example.com")
    body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    response = await api.client.put(f"{ME}/password", json=body, headers=old)
    assert response.status_code == 200, response.text
    fresh = {"Authorization": f"Bearer {response.json()['access_token']}"}
    assert await _status(api, old) == 401
    assert await _status(api, fresh) == 200
    assert await _status(api, await api.login("changer@example.com", NEW_PASSWORD)) == 200
    refused = await api.client.post(
        "/api/v1/auth/login", json={"email": "changer@example.com", "password": PASSWORD}
    )
    assert refused.status_code == 401


async def test_a_wrong_current_password_or_a_weak_new_one_changes_nothing(api: Api) -> None:
    me = await api.signup_and_login("careful@example.com")
    wrong = {"current_password": "not the password", "new_password": NEW_PASSWORD}
    response = await api.client.put(f"{ME}/password", json=wrong, headers=me)
    assert response.status_code == 403
    assert response.json()["type"] == "/problems/wrong-password"
    weak = {"current_password": PASSWORD, "new_password": "password12"}
    response = await api.client.put(f"{ME}/password", json=weak, headers=me)
    assert response.status_code == 422
    assert "common password" in response.json()["detail"]
    assert await _status(api, me) == 200, "nothing changed: the session lives on"
    await api.login("careful@example.com")


async def test_closing_the_account_revokes_its_tokens(api: Api) -> None:
    me = await api.signup_and_login("closing@example.com")
    assert (await api.client.delete(ME, headers=me)).status_code == 204
    assert await _status(api, me) == 401


async def test_the_pages_logout_revokes_the_cookie_everywhere(site: Site) -> None:
    await site.sign_up()
    cookie = dict(site.client.cookies)
    token = next(value for name, value in cookie.items() if name.endswith("byom_session"))
    bearer = {"Authorization": f"Bearer {token}"}
    assert (await site.client.get(ME, headers=bearer)).status_code == 200
    assert (await site.post("/logout", {})).status_code == 303
    assert (await site.client.get(ME, headers=bearer)).status_code == 401
    site.client.cookies.update(cookie)  # a copy of the cookie, kept by whoever stole it
    page = await site.client.get("/models", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"].startswith("/login")
    login = await site.client.get("/login", follow_redirects=False)
    assert login.status_code == 200, "a revoked cookie does not count as signed in (no loop)"


async def test_changing_the_password_on_the_pages_keeps_this_session_only(site: Site) -> None:
    await site.sign_up()
    stolen = dict(site.client.cookies)
    response = await site.post(
        "/account/password",
        {"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert response.status_code == 303, response.text
    assert (await site.client.get("/models", follow_redirects=False)).status_code == 200
    site.client.cookies.update(stolen)
    page = await site.client.get("/models", follow_redirects=False)
    assert page.status_code == 303


async def test_a_weak_new_password_on_the_pages_says_why(site: Site) -> None:
    await site.sign_up()
    response = await site.post(
        "/account/password",
        {"current_password": PASSWORD, "new_password": "1234567890"},
    )
    assert response.status_code == 422
    assert "top-100 common password" in response.text


@pytest.fixture
async def site() -> AsyncIterator[Site]:
    async for opened in open_site():
        yield opened


async def test_a_logout_on_one_instance_is_seen_by_another_through_redis(
    sqlite_url: str, redis_url: str
) -> None:
    redis.Redis.from_url(redis_url).flushdb()
    async for one in make_api(sqlite_url, redis_url=redis_url):
        async for two in make_api(sqlite_url, redis_url=redis_url):
            token = await one.signup_and_login("shared@example.com")
            assert await _status(two, token) == 200
            assert (await one.client.post("/api/v1/auth/logout", headers=token)).status_code == 204
            assert await _status(two, token) == 401
            assert await _status(two, await two.login("shared@example.com")) == 200
            assert redis.Redis.from_url(redis_url).keys("byom-sessions*")


async def test_the_account_page_shows_failed_sign_ins(site: Site) -> None:
    await site.sign_up()
    assert "No failed sign-ins" in (await site.client.get("/account")).text
    await site.post("/logout", {})
    for _ in range(2):
        await site.post("/login", {"email": "trader@example.com", "password": "not it at all"})
    assert (
        await site.post("/login", {"email": "trader@example.com", "password": PASSWORD})
    ).status_code == 303
    page = (await site.client.get("/account")).text
    assert "2 failed sign-ins" in page
    assert "from the network unknown" in page, "the test client has no IP address"


async def test_guessing_the_current_password_is_throttled_like_a_login(api: Api) -> None:
    me = await api.signup_and_login("guessed@example.com")
    wrong = {"current_password": "not the password", "new_password": NEW_PASSWORD}
    statuses = [
        (await api.client.put(f"{ME}/password", json=wrong, headers=me)).status_code
        for _ in range(6)
    ]
    assert statuses == [403] * 5 + [429]
