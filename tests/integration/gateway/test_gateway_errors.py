"""Every /v1 answer that is not a success is in OpenAI's shape, routing and size limits
included; ``GET /v1/models/{id}``."""

from __future__ import annotations

import openai
import pytest

from domain.provider import Provider
from entrypoints.http.gateway.completions import GATEWAY_BODY_LIMIT
from tests.support.gateway import Gateway


async def test_a_model_is_retrieved_by_id_and_an_unknown_one_is_not_found(
    gateway: Gateway,
) -> None:
    client = await gateway.user_with_key("one@example.com", Provider.OPENAI_COMPATIBLE)

    found = await client.models.retrieve("openai_compatible/llama3.1:8b")
    with pytest.raises(openai.NotFoundError) as caught:
        await client.models.retrieve("gpt-4o-mini")

    assert (found.id, found.owned_by, found.object) == (
        "openai_compatible/llama3.1:8b",
        "openai_compatible",
        "model",
    )
    assert caught.value.code == "model_not_found"
    assert caught.value.body["type"] == "invalid_request_error"  # type: ignore[index]


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/v1/nothing-here"), ("POST", "/v1/completions"), ("GET", "/v1/chat/completions")],
)
async def test_unknown_v1_routes_answer_in_openais_shape(
    gateway: Gateway, method: str, path: str
) -> None:
    client = await gateway.user_with_key("route@example.com", Provider.OPENAI)
    answered = await gateway.http.request(
        method, path, headers={"Authorization": f"Bearer {client.api_key}"}
    )

    assert answered.status_code in (404, 405)
    error = answered.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["type"] == "invalid_request_error"


async def test_a_body_over_the_limit_is_413_in_openais_shape(gateway: Gateway) -> None:
    client = await gateway.user_with_key("big@example.com", Provider.OPENAI)
    huge = "x" * (GATEWAY_BODY_LIMIT + 1)

    with pytest.raises(openai.APIStatusError) as caught:
        await client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": huge}]
        )

    assert caught.value.status_code == 413
    assert caught.value.body["type"] == "invalid_request_error"  # type: ignore[index]
    assert caught.value.code == "request_too_large"
    assert gateway.api.upstreams[Provider.OPENAI].bodies() == []
