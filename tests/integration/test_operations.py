"""Health, readiness through a database outage, request ids, caching, OpenAPI."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import pytest
from sqlalchemy.engine import make_url

from tests.support.api import Api, make_api
from tests.support.tcp_proxy import TcpProxy


async def test_liveness_needs_no_token(api: Api) -> None:
    response = await api.client.get("/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readiness_checks_the_database_and_keyring(api: Api) -> None:
    response = await api.client.get("/health/ready")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"
    assert response.json()["keyring"] == "1 keys loaded"


@pytest.fixture
async def proxied_pg(request: pytest.FixtureRequest) -> AsyncIterator[tuple[Api, TcpProxy]]:
    url = make_url(str(request.getfixturevalue("postgres_url")))
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    proxy.start()
    proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    try:
        async for api in make_api(proxied):
            yield api, proxy
    finally:
        proxy.close()


@pytest.mark.postgres
async def test_a_database_outage_is_503_and_recovers_without_restart(
    proxied_pg: tuple[Api, TcpProxy],
) -> None:
    api, proxy = proxied_pg
    me = await api.signup_and_login("outage@example.com")
    assert (await api.client.get("/health/ready")).status_code == 200

    proxy.cut()
    ready = await api.client.get("/health/ready")
    assert ready.status_code == 503
    assert ready.json()["database"] == "unreachable"
    listed = await api.client.get("/api/v1/users/me/llm-credentials", headers=me)
    assert listed.status_code == 503
    assert listed.json()["type"] == "/problems/service-unavailable"

    proxy.restore()
    assert (await api.client.get("/health/ready")).status_code == 200
    listed = await api.client.get("/api/v1/users/me/llm-credentials", headers=me)
    assert listed.status_code == 200


async def test_every_response_carries_a_request_id(api: Api) -> None:
    for path in ("/health/live", "/api/v1/users/me", "/no/such/path"):
        response = await api.client.get(path)
        assert len(response.headers["x-request-id"]) == 32


async def test_a_sane_client_request_id_is_echoed_and_a_bad_one_replaced(api: Api) -> None:
    echoed = await api.client.get("/health/live", headers={"X-Request-ID": "trace-42.a_b:c"})
    assert echoed.headers["x-request-id"] == "trace-42.a_b:c"
    replaced = await api.client.get("/health/live", headers={"X-Request-ID": "bad id\x01" * 40})
    assert replaced.headers["x-request-id"] != "bad id"
    assert len(replaced.headers["x-request-id"]) == 32


async def test_api_answers_are_not_cached(api: Api) -> None:
    me = await api.signup_and_login("cache@example.com")
    response = await api.client.get("/api/v1/users/me/llm-credentials", headers=me)
    assert response.headers["cache-control"] == "no-store"


async def test_openapi_lists_every_route_with_schemas_and_problems(api: Api) -> None:
    schema = (await api.client.get("/schema/openapi.json")).json()
    paths = schema["paths"]
    expected = {
        ("post", "/api/v1/auth/signup"),
        ("post", "/api/v1/auth/login"),
        ("get", "/api/v1/users/me"),
        ("delete", "/api/v1/users/me"),
        ("get", "/api/v1/users/me/llm"),
        ("get", "/api/v1/llm/providers"),
        ("post", "/api/v1/users/me/llm-credentials"),
        ("get", "/api/v1/users/me/llm-credentials"),
        ("get", "/api/v1/users/me/llm-credentials/{credential_id}"),
        ("patch", "/api/v1/users/me/llm-credentials/{credential_id}"),
        ("delete", "/api/v1/users/me/llm-credentials/{credential_id}"),
        ("put", "/api/v1/users/me/llm-credentials/{credential_id}/default"),
        ("post", "/api/v1/users/me/llm-credentials/validate"),
        ("post", "/api/v1/users/me/llm-credentials/{credential_id}/validate"),
        ("get", "/health/live"),
        ("get", "/health/ready"),
    }
    present = {(m, p) for p, ops in paths.items() for m in ops}
    assert expected <= present, expected - present
    create = paths["/api/v1/users/me/llm-credentials"]["post"]
    assert create["operationId"] == "CreateCredential"
    assert "requestBody" in create
    assert {"201", "409", "422", "503"} <= create["responses"].keys()
    problem = create["responses"]["409"]["content"]["application/problem+json"]
    assert problem["schema"]
    components = schema["components"]["schemas"]
    assert {"CredentialCreate", "CredentialOut", "ProblemDetail"} <= components.keys()
    assert "/problems/credential-exists" in schema["info"]["description"]
    assert "api_key" not in components["CredentialOut"]["properties"]
    assert urlsplit(api.client.base_url.__str__()).scheme
