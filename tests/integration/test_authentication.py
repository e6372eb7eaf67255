"""Access tokens (docs/security-tests.md, D1–D13) and the login rate limit."""

from __future__ import annotations

import base64
import json
import os
import time
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID, uuid4

import jwt
import pytest
import redis

from entrypoints.http.access_tokens import AUDIENCE, ISSUER
from tests.support.api import Api, make_api
from tests.support.builders import JWT_SECRET
from tests.support.constants import PASSWORD
from tests.support.databases import redis_url_or_skip

ME = "/api/v1/users/me"


def _token(claims: dict[str, Any], secret: str = JWT_SECRET, alg: str = "HS256") -> str:
    return jwt.encode(claims, secret, algorithm=alg)


def _claims(user_id: UUID, **override: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "sub": str(user_id),
        "iat": now,
        "exp": now + 600,
        "jti": uuid4().hex,
        "iss": ISSUER,
        "aud": AUDIENCE,
    }
    claims.update(override)
    return {k: v for k, v in claims.items() if v is not None}


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


async def _user_id(api: Api, headers: dict[str, str]) -> UUID:
    return UUID((await api.client.get(ME, headers=headers)).json()["id"])


async def _status(api: Api, token: str) -> int:
    response = await api.client.get(ME, headers={"Authorization": f"Bearer {token}"})
    if response.status_code == 401:
        assert response.json()["type"] == "/problems/unauthorized"
    return response.status_code


async def test_a_fresh_token_works_and_carries_the_required_claims(api: Api) -> None:
    headers = await api.signup_and_login("claims@example.com")
    token = headers["Authorization"].removeprefix("Bearer ")
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    claims = jwt.decode(token, JWT_SECRET, algorithms=["HS256"], audience=AUDIENCE)
    assert {"sub", "iat", "exp", "jti", "iss", "aud"} <= claims.keys()
    assert (claims["iss"], claims["aud"]) == (ISSUER, AUDIENCE)
    assert claims["exp"] - claims["iat"] == 3600
    assert await _status(api, token) == 200


async def test_bad_tokens_are_refused(api: Api) -> None:
    user_id = await _user_id(api, await api.signup_and_login("tokens@example.com"))
    now = int(time.time())
    good = _token(_claims(user_id))
    head, body, signature = good.split(".")
    tampered_body = _b64({**_claims(user_id), "sub": str(uuid4())})
    cases = {
        "expired": _token(_claims(user_id, iat=now - 7200, exp=now - 3600)),
        "forged": _token(_claims(user_id), secret="another-secret-of-at-least-32-bytes!!"),
        "alg none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{body}.",
        "alg none with signature": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{body}.{signature}",
        "HS512 with the same secret": _token(_claims(user_id), alg="HS512"),
        "no exp": _token(_claims(user_id, exp=None)),
        "no sub": _token(_claims(user_id, sub=None)),
        "no jti": _token(_claims(user_id, jti=None)),
        "no iss (issued before iss/aud)": _token(_claims(user_id, iss=None)),
        "no aud": _token(_claims(user_id, aud=None)),
        "another issuer": _token(_claims(user_id, iss="someone-else")),
        "another audience": _token(_claims(user_id, aud="byom-gateway")),
        "a list of audiences": _token(_claims(user_id, aud=[AUDIENCE, "other"])),
        "not yet valid": _token(_claims(user_id, nbf=now + 3600)),
        "tampered payload": f"{head}.{tampered_body}.{signature}",
        "unknown user": _token(_claims(uuid4())),
        "sub not a uuid": _token(_claims(user_id, sub="admin")),
        "garbage": "not.a.token",
    }
    statuses = {name: await _status(api, token) for name, token in cases.items()}
    assert statuses == dict.fromkeys(cases, 401)


async def test_a_token_in_the_query_string_is_not_accepted(api: Api) -> None:
    headers = await api.signup_and_login("query-token@example.com")
    token = headers["Authorization"].removeprefix("Bearer ")
    response = await api.client.get(f"{ME}?token={token}")
    assert response.status_code == 401


async def test_a_deleted_users_token_stops_working(api: Api) -> None:
    headers = await api.signup_and_login("leaving@example.com")
    closed = await api.client.delete(ME, headers=headers)
    assert closed.status_code == 204
    response = await api.client.get(ME, headers=headers)
    assert response.status_code == 401


async def test_wrong_password_and_unknown_email_look_the_same(api: Api) -> None:
    await api.signup_and_login("known@example.com")
    wrong = await api.client.post(
        "/api/v1/auth/login", json={"email": "known@example.com", "password": "not it at all"}
    )
    unknown = await api.client.post(
        "/api/v1/auth/login", json={"email": "ghost@example.com", "password": PASSWORD}
    )
    assert wrong.status_code == unknown.status_code == 401
    for body in (wrong.json(), unknown.json()):
        body.pop("instance")
    assert wrong.json() == unknown.json()


async def test_signing_up_twice_is_409(api: Api) -> None:
    await api.signup_and_login("twice@example.com")
    again = await api.client.post(
        "/api/v1/auth/signup", json={"email": "Twice@Example.com", "password": PASSWORD}
    )
    assert again.status_code == 409
    assert again.json()["type"] == "/problems/email-taken"


async def test_a_huge_password_is_refused_quickly_without_hashing(api: Api) -> None:
    response = await api.client.post(
        "/api/v1/auth/signup", json={"email": "huge@example.com", "password": "x" * 10_000}
    )
    assert response.status_code == 422
    assert "x" * 100 not in response.text


@pytest.fixture
async def strict_api(sqlite_url: str) -> AsyncIterator[Api]:
    async for built in make_api(sqlite_url, login_rate_per_minute=3):
        yield built


async def test_login_is_rate_limited_with_retry_after(strict_api: Api) -> None:
    body = {"email": "someone@example.com", "password": "guessing wrong"}
    statuses = [
        (await strict_api.client.post("/api/v1/auth/login", json=body)).status_code
        for _ in range(3)
    ]
    assert statuses == [401, 401, 401]
    limited = await strict_api.client.post("/api/v1/auth/login", json=body)
    assert limited.status_code == 429
    assert limited.json()["type"] == "/problems/rate-limited"
    assert int(limited.headers["retry-after"]) > 0
    other = await strict_api.client.get("/health/live")
    assert other.status_code == 200, "the limit is on login only"


@pytest.fixture
async def validation_limited_api(sqlite_url: str) -> AsyncIterator[Api]:
    async for built in make_api(sqlite_url, validate_rate_per_minute=2):
        yield built


async def test_key_validation_is_rate_limited_per_user(validation_limited_api: Api) -> None:
    api = validation_limited_api
    alice = await api.signup_and_login("limited-alice@example.com")
    bob = await api.signup_and_login("limited-bob@example.com")
    body = {"provider": "openai", "api_key": "sk-proj-guessing-000001"}
    path = "/api/v1/users/me/llm-credentials/validate"
    statuses = [
        (await api.client.post(path, json=body, headers=alice)).status_code for _ in range(3)
    ]
    assert statuses == [200, 200, 429]
    calls = api.providers.calls
    assert (await api.client.post(path, json=body, headers=bob)).status_code == 200
    assert api.providers.calls == calls + 1, "bob has his own budget; alice's 429 asked nobody"


@pytest.fixture
async def redis_limited_api(sqlite_url: str) -> AsyncIterator[Api]:
    redis_url = redis_url_or_skip()
    flush = redis.Redis.from_url(redis_url).flushdb  # a test-only database (CI uses /15)
    flush()
    async for built in make_api(sqlite_url, redis_url=redis_url, login_rate_per_minute=2):
        yield built
    flush()


async def test_the_login_limit_is_shared_through_redis(redis_limited_api: Api) -> None:
    body = {"email": f"{uuid4().hex}@example.com", "password": "guessing wrong"}
    path = "/api/v1/auth/login"
    first = [(await redis_limited_api.client.post(path, json=body)).status_code for _ in range(3)]
    assert first[-1] == 429
    assert type(redis_limited_api.client.app.stores.get("rate_limit")).__name__ == "RedisStore"
    keys = redis.Redis.from_url(os.environ["BYOM_TEST_REDIS_URL"]).keys("byom-rate-limit*")
    assert keys, "the counters live in Redis, shared by every instance"


async def test_creating_and_rotating_keys_share_the_key_check_budget(
    validation_limited_api: Api,
) -> None:
    api = validation_limited_api
    me = await api.signup_and_login("budget@example.com")
    base = "/api/v1/users/me/llm-credentials"
    created = await api.client.post(
        base, headers=me, json={"provider": "openai", "api_key": "sk-proj-guess-000000001"}
    )
    assert created.status_code == 422, "a wrong key still costs a provider call"
    rotated = await api.client.patch(f"{base}/{uuid4()}", headers=me, json={"model_name": "x"})
    assert rotated.status_code == 404
    calls = api.providers.calls
    third = await api.client.post(
        f"{base}/validate", headers=me, json={"provider": "openai", "api_key": "sk-proj-x-0001"}
    )
    assert third.status_code == 429
    assert api.providers.calls == calls


async def test_sign_ups_count_against_the_address_limit(strict_api: Api) -> None:
    statuses = [
        (
            await strict_api.client.post(
                "/api/v1/auth/signup",
                json={"email": f"{uuid4().hex}@example.com", "password": PASSWORD},
            )
        ).status_code
        for _ in range(4)
    ]
    assert statuses == [201, 201, 201, 429]
