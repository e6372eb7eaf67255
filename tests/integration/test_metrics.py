"""GET /metrics: request, provider and key-rotation series, and nothing that names a user."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from domain.errors import ProviderRateLimited
from domain.provider import Provider
from tests.support.api import Api, make_api

CANARY = f"sk-canary-{uuid.uuid4().hex}"
CREDENTIALS = "/api/v1/users/me/llm-credentials"

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse(text: str) -> Samples:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def scrape(api: Api) -> tuple[str, Samples]:
    response = await api.client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return response.text, parse(response.text)


@pytest.fixture
async def api(sqlite_url: str) -> AsyncIterator[Api]:
    async for built in make_api(sqlite_url):
        yield built


async def drive_traffic(api: Api) -> dict[str, str]:
    """Every kind of request a user makes, with a canary key, and what identifies them."""
    email = f"metrics-{uuid.uuid4().hex[:12]}@example.com"
    me = await api.signup_and_login(email)
    user_id = (await api.client.get("/api/v1/users/me", headers=me)).json()["id"]
    api.providers.accept(Provider.OPENAI, CANARY)
    created = await api.add(me, provider="openai", api_key=CANARY, model_name="model-a")
    assert (await api.client.get(f"{CREDENTIALS}/{created['id']}", headers=me)).status_code == 200
    missing = await api.client.get(f"{CREDENTIALS}/{uuid.uuid4()}", headers=me)
    assert missing.status_code == 404
    assert (await api.client.get(CREDENTIALS, headers=me)).status_code == 200
    wrong = await api.client.post(
        f"{CREDENTIALS}/validate",
        json={"provider": "openai", "api_key": "sk-proj-" + "w" * 40},
        headers=me,
    )
    assert wrong.json()["valid"] is False
    session = await api.client.post("/api/v1/agent-sessions", json={}, headers=me)
    assert session.status_code == 201, session.text
    sid = session.json()["id"]
    sent = await api.client.post(
        f"/api/v1/agent-sessions/{sid}/messages", json={"content": "hello"}, headers=me
    )
    assert sent.status_code == 200, sent.text
    api.providers.get(Provider.OPENAI).fail_with = ProviderRateLimited("openai", "slow", 2)
    limited = await api.client.post(
        f"/api/v1/agent-sessions/{sid}/messages", json={"content": "again"}, headers=me
    )
    assert limited.status_code == 429
    api.providers.get(Provider.OPENAI).fail_with = None
    assert (await api.client.get("/api/v1/users/me")).status_code == 401
    return {
        "email": email,
        "user_id": user_id,
        "user_id_hex": uuid.UUID(user_id).hex,
        "credential_id": created["id"],
        "session_id": sid,
        "token": me["Authorization"].removeprefix("Bearer "),
        "canary": CANARY,
        "canary_tail": CANARY[-8:],
        "email_local": email.split("@")[0],
    }


async def test_metrics_name_no_user_key_email_or_id(api: Api) -> None:
    secrets = await drive_traffic(api)
    text, _ = await scrape(api)
    for what, secret in secrets.items():
        assert secret not in text, f"{what} appears in /metrics"


async def test_requests_are_counted_per_route_template_and_status(api: Api) -> None:
    _, before = await scrape(api)
    await drive_traffic(api)
    _, after = await scrape(api)

    def delta(name: str, **labels: str) -> float:
        labels["app_name"] = "byom"
        return value(after, name, **labels) - value(before, name, **labels)

    one = f"{CREDENTIALS}/{{credential_id}}"
    assert delta("byom_requests_total", method="GET", path=one, status_code="200") == 1
    assert delta("byom_requests_total", method="GET", path=one, status_code="404") == 1
    assert delta("byom_requests_total", method="POST", path=CREDENTIALS, status_code="201") == 1
    messages = "/api/v1/agent-sessions/{session_id}/messages"
    assert delta("byom_requests_total", method="POST", path=messages, status_code="200") == 1
    assert delta("byom_requests_total", method="POST", path=messages, status_code="429") == 1
    # Raised by the authentication middleware, answered outside the route: still a 401.
    me = "/api/v1/users/me"
    assert delta("byom_requests_total", method="GET", path=me, status_code="401") == 1
    assert delta("byom_request_duration_seconds_count", method="GET", path=one, status_code="200")
    assert (
        delta(
            "byom_request_duration_seconds_bucket",
            method="GET",
            path=one,
            status_code="200",
            le="+Inf",
        )
        == 1
    )


async def test_provider_calls_are_counted_by_provider_operation_and_outcome(api: Api) -> None:
    _, before = await scrape(api)
    await drive_traffic(api)
    _, after = await scrape(api)

    def delta(name: str, operation: str, outcome: str) -> float:
        labels: dict[str, Any] = {"provider": "openai", "operation": operation, "outcome": outcome}
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("byom_provider_calls_total", "list_models", "ok") == 1
    assert delta("byom_provider_calls_total", "list_models", "invalid-api-key") == 1
    assert delta("byom_provider_errors_total", "list_models", "invalid-api-key") == 1
    assert delta("byom_provider_calls_total", "complete", "ok") == 1
    assert delta("byom_provider_errors_total", "complete", "provider-rate-limited") == 1
    assert delta("byom_provider_call_duration_seconds_count", "complete", "ok") == 1


async def test_data_keys_per_master_key_show_rewrap_progress(api: Api) -> None:
    await drive_traffic(api)
    await drive_traffic(api)
    _, samples = await scrape(api)
    assert value(samples, "byom_data_keys", master_key_id="k1", primary="true") == 2


async def test_metrics_answer_while_the_database_is_down() -> None:
    closed_port = "postgresql+asyncpg://postgres@127.0.0.1:9/byom"
    async for api in make_api(closed_port):
        assert (await api.client.get("/health/ready")).status_code == 503
        response = await api.client.get("/metrics")
        assert response.status_code == 200
        samples = parse(response.text)
        assert value(
            samples,
            "byom_requests_total",
            app_name="byom",
            method="GET",
            path="/health/ready",
            status_code="503",
        )


async def test_a_configured_metrics_token_is_required_to_scrape() -> None:
    from dataclasses import replace

    from litestar.testing import AsyncTestClient

    from entrypoints.http.app import create_app
    from tests.support.builders import make_settings, memory_world

    settings = make_settings()
    token = "scrape-token-" + "z" * 24
    settings = replace(settings, server=replace(settings.server, metrics_token=token))
    world = memory_world(settings)
    async with AsyncTestClient(create_app(container=world.container)) as client:
        assert (await client.get("/metrics")).status_code == 401
        wrong = await client.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        right = await client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
        assert right.status_code == 200
        assert "byom_requests_total" in right.text


async def test_in_production_metrics_are_never_public() -> None:
    """Issue 13, item 8. Settings.from_env refuses production without BYOM_METRICS_TOKEN; an app
    given production settings some other way still does not serve metrics to anyone."""
    from dataclasses import replace

    from litestar.testing import AsyncTestClient

    from entrypoints.http.app import create_app
    from entrypoints.settings import Environment
    from tests.support.builders import make_settings, memory_world

    settings = replace(make_settings(), env=Environment.PRODUCTION)
    world = memory_world(settings)
    async with AsyncTestClient(create_app(container=world.container)) as client:
        response = await client.get("/metrics")
        assert response.status_code == 401
        assert "byom_" not in response.text
