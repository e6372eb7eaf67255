"""The shared store (Redis) down: every route that reads it (login throttle, revocation stamps,
request rates) answers 503, a problem on /api and OpenAI's shape on /v1, never a 500."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.support.chat_api import ChatApi, make_chat_api

# Nothing listens on port 1: every store call fails to connect.
DOWN = "redis://127.0.0.1:1/0"


@pytest.fixture
async def api() -> AsyncIterator[ChatApi]:
    async for built in make_chat_api("memory", redis_url=DOWN):
        yield built


async def test_a_login_with_the_store_down_is_a_503_problem(api: ChatApi) -> None:
    response = await api.client.post(
        "/api/v1/auth/login", json={"email": "a@example.com", "password": "x" * 12}
    )
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"] == "/problems/service-unavailable"
    assert "redis" not in response.text.lower()


async def test_the_gateway_with_the_store_down_is_a_503_in_openai_shape(api: ChatApi) -> None:
    response = await api.client.post(
        "/v1/chat/completions",
        json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]},
        headers={"Authorization": "Bearer byom_" + "x" * 40},
    )
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "service_unavailable"
    assert "redis" not in response.text.lower()
