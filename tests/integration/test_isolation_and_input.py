"""Authorisation (BOLA, mass assignment) and bad input: clear 4xx, nothing stored, never 500."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from tests.support.api import Api
from tests.support.constants import GOOGLE_KEY, OPENAI_KEY

BASE = "/api/v1/users/me/llm-credentials"


def _same_answer(a: Any, b: Any) -> None:
    assert a.status_code == b.status_code
    body_a, body_b = a.json(), b.json()
    body_a.pop("instance", None)
    body_b.pop("instance", None)
    assert body_a == body_b


async def test_another_user_gets_the_answer_of_a_random_id_for_everything(api: Api) -> None:
    alice = await api.signup_and_login("alice@example.com")
    bob = await api.signup_and_login("bob@example.com")
    theirs = await api.add(alice, provider="openai", api_key=OPENAI_KEY, model_name="model-a")
    calls = api.providers.calls
    for method, suffix, body in [
        ("GET", "", None),
        ("PATCH", "", {"model_name": "model-b"}),
        ("PUT", "/default", None),
        ("POST", "/validate", None),
        ("DELETE", "", None),
    ]:
        hit = await api.client.request(
            method, f"{BASE}/{theirs['id']}{suffix}", headers=bob, json=body
        )
        miss = await api.client.request(method, f"{BASE}/{uuid4()}{suffix}", headers=bob, json=body)
        assert hit.status_code == 404, (method, suffix, hit.text)
        _same_answer(hit, miss)
    assert api.providers.calls == calls, "no provider was asked on bob's behalf"
    mine = (await api.client.get(f"{BASE}/{theirs['id']}", headers=alice)).json()
    assert mine["is_active"] is True
    assert mine["is_default"] is True
    assert mine["model_name"] == "model-a"
    assert (await api.client.get(BASE, headers=bob)).json() == []


async def test_listing_ignores_a_user_id_filter(api: Api) -> None:
    alice = await api.signup_and_login("alice2@example.com")
    bob = await api.signup_and_login("bob2@example.com")
    await api.add(alice, provider="openai", api_key=OPENAI_KEY)
    alice_id = (await api.client.get("/api/v1/users/me", headers=alice)).json()["id"]
    listed = await api.client.get(f"{BASE}?user_id={alice_id}", headers=bob)
    assert listed.status_code == 200
    assert listed.json() == []


@pytest.mark.parametrize(
    "extra",
    [
        {"user_id": "00000000-0000-0000-0000-000000000001"},
        {"is_active": False},
        {"encryption_key_id": "mine"},
        {"last_validated_at": "2020-01-01T00:00:00Z"},
        {"id": "00000000-0000-0000-0000-000000000002"},
        {"encrypted_api_key": "AAAA"},
    ],
)
async def test_mass_assignment_is_refused_and_nothing_is_stored(
    api: Api, extra: dict[str, Any]
) -> None:
    me = await api.signup_and_login(f"mass-{uuid4().hex[:6]}@example.com")
    response = await api.client.post(
        BASE, headers=me, json={"provider": "openai", "api_key": OPENAI_KEY, **extra}
    )
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"] == "/problems/validation-error"
    assert problem["errors"][0]["field"] in extra or next(iter(extra)) in problem["detail"]
    assert await api.rows("user_llm_credentials") == []


async def test_patch_refuses_fields_it_does_not_own(api: Api) -> None:
    me = await api.signup_and_login("patch@example.com")
    created = await api.add(me, provider="openai", api_key=OPENAI_KEY)
    response = await api.client.patch(
        f"{BASE}/{created['id']}", headers=me, json={"is_default": False, "model_name": "model-b"}
    )
    assert response.status_code == 422
    after = (await api.client.get(f"{BASE}/{created['id']}", headers=me)).json()
    assert after["is_default"] is True
    assert after["model_name"] is None


BAD_BODIES: list[tuple[str, bytes | dict[str, Any], int, str]] = [
    ("malformed json", b'{"provider": "openai", ', 400, "malformed-request"),
    ("not an object", b"[1, 2, 3]", 422, "validation-error"),
    ("wrong type", {"provider": 7, "api_key": OPENAI_KEY}, 422, "validation-error"),
    ("missing key", {"provider": "openai"}, 422, "validation-error"),
    ("unknown provider", {"provider": "skynet", "api_key": OPENAI_KEY}, 422, "unknown-provider"),
    ("empty key", {"provider": "openai", "api_key": ""}, 422, "validation-error"),
    ("whitespace key", {"provider": "openai", "api_key": "    "}, 422, "malformed-api-key"),
    (
        "newline key",
        {"provider": "openai", "api_key": "sk-abc\ndef12345"},
        422,
        "malformed-api-key",
    ),
    (
        "nul key",
        {"provider": "openai", "api_key": "sk-abc\u0000def12345"},
        422,
        "malformed-api-key",
    ),
    (
        "key too long",
        {"provider": "openai", "api_key": "sk-" + "a" * 5000},
        422,
        "validation-error",
    ),
    ("wrong prefix", {"provider": "google", "api_key": OPENAI_KEY}, 422, "malformed-api-key"),
    (
        "base url for openai",
        {"provider": "openai", "api_key": OPENAI_KEY, "base_url": "https://x.example.com"},
        422,
        "invalid-base-url",
    ),
    (
        "javascript base url",
        {"provider": "openai_compatible", "api_key": "sk-local-0001", "base_url": "javascript:x"},
        422,
        "invalid-base-url",
    ),
    (
        "model name with spaces",
        {"provider": "openai", "api_key": OPENAI_KEY, "model_name": "gpt 4"},
        422,
        "invalid-model-name",
    ),
    ("huge body", {"provider": "openai", "api_key": "x" * 100_000}, 413, "payload-too-large"),
    # A small body nested deeper than any decoder recurses: a RecursionError, not a 500.
    (
        "nested 5,000 deep",
        b'{"provider": "openai", "api_key": ' + b"[" * 5000 + b"]" * 5000 + b"}",
        400,
        "malformed-request",
    ),
    ("not UTF-8", b'{"provider": "openai", "api_key": "\xff\xfe"}', 400, "malformed-request"),
]


@pytest.mark.parametrize(
    ("body", "status", "slug"), [b[1:] for b in BAD_BODIES], ids=[b[0] for b in BAD_BODIES]
)
async def test_bad_input_is_a_clear_problem_and_stores_nothing(
    api: Api, body: bytes | dict[str, Any], status: int, slug: str
) -> None:
    me = await api.signup_and_login(f"bad-{uuid4().hex[:6]}@example.com")
    if isinstance(body, bytes):
        response = await api.client.post(
            BASE, headers={**me, "content-type": "application/json"}, content=body
        )
    else:
        response = await api.client.post(BASE, headers=me, json=body)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"] == f"/problems/{slug}"
    assert "sk-abc" not in response.text
    assert await api.rows("user_llm_credentials") == []
    assert await api.rows("user_data_keys") == []


async def test_a_bad_uuid_in_the_path_is_a_404_problem(api: Api) -> None:
    me = await api.signup_and_login("uuid@example.com")
    response = await api.client.get(f"{BASE}/not-a-uuid", headers=me)
    assert response.status_code == 404
    assert response.json()["type"] == "/problems/not-found"


async def test_a_bad_query_value_is_a_problem(api: Api) -> None:
    me = await api.signup_and_login("query@example.com")
    response = await api.client.get(f"{BASE}?include_inactive=maybe", headers=me)
    assert response.status_code in (400, 422)
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_validation_without_saving_refuses_a_base_url_for_google(api: Api) -> None:
    me = await api.signup_and_login("validate@example.com")
    response = await api.client.post(
        f"{BASE}/validate",
        headers=me,
        json={"provider": "google", "api_key": GOOGLE_KEY, "base_url": "https://evil.example"},
    )
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/invalid-base-url"


@pytest.mark.parametrize(
    "since", ["9999-12-31T23:00:00-05:00", "0001-01-01T00:00:00+05:00", "yesterday", "2025-13-01"]
)
async def test_a_since_that_is_not_a_usable_time_is_a_422(api: Api, since: str) -> None:
    me = await api.signup_and_login(f"since-{uuid4().hex[:6]}@example.com")
    response = await api.client.get("/api/v1/users/me/usage", params={"since": since}, headers=me)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "since"
