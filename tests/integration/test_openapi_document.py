"""Issue 16, OpenAPI: ``/schema/openapi.json`` is a valid document that client generators can
read whole: valid for openapi-spec-validator, one title per schema, both token schemes described
and applied, and the gateway's errors in OpenAI's shape."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest
from litestar.routes import HTTPRoute
from litestar.testing import TestClient
from openapi_spec_validator import validate

from entrypoints.http.app import PUBLIC_PATHS, create_app
from tests.support.builders import make_settings, memory_world

METHODS = {"get", "put", "post", "delete", "patch"}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    world = memory_world(make_settings())
    with TestClient(create_app(container=world.container)) as client:
        response = client.get("/schema/openapi.json")
    assert response.status_code == 200
    result: dict[str, Any] = response.json()
    return result


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def test_the_document_is_valid_openapi(document: dict[str, Any]) -> None:
    validate(document)  # raises, naming the offending node, if not


def test_no_two_schemas_share_a_title(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    titles = Counter(schema.get("title", key) for key, schema in schemas.items())
    assert [title for title, count in titles.items() if count > 1] == []
    # Generated clients name a model by its title and refer to it by its key: one name for both.
    assert [key for key, schema in schemas.items() if schema.get("title", key) != key] == []


def test_the_access_token_and_the_gateway_token_are_http_bearer_schemes(
    document: dict[str, Any],
) -> None:
    schemes = document["components"]["securitySchemes"]
    assert set(schemes) == {"BearerToken", "GatewayToken"}
    for scheme in schemes.values():
        assert scheme["type"] == "http"
        assert scheme["scheme"].lower() == "bearer"
        assert "name" not in scheme
        assert "in" not in scheme
    assert schemes["BearerToken"]["bearerFormat"] == "JWT"
    assert "byom_" in schemes["GatewayToken"]["description"]


def _public_operation_ids() -> set[str]:
    """Operations the access-token middleware lets through, as the app declares them."""
    app = create_app(container=memory_world(make_settings()).container)
    return {
        str(handler.operation_id)
        for route in app.routes
        if isinstance(route, HTTPRoute) and not route.path.startswith("/v1/")
        for handler in route.route_handlers
        if handler.opt.get("exclude_from_auth")
        or any(re.match(pattern, route.path) for pattern in PUBLIC_PATHS)
    }


def test_each_operation_names_the_token_it_takes(document: dict[str, Any]) -> None:
    public = _public_operation_ids()
    assert {"Live", "SignUp", "LogIn", "ListProviders"} <= public
    for path, method, operation in _operations(document):
        where = f"{method.upper()} {path}"
        security = operation.get("security", document["security"])
        if path.startswith("/v1/"):
            assert security == [{"GatewayToken": []}], where
        elif operation["operationId"] in public:
            assert security == [], where
        else:
            assert security == [{"BearerToken": []}], where


def test_gateway_operations_document_their_errors_in_openai_shape(
    document: dict[str, Any],
) -> None:
    gateway = [op for path, _, op in _operations(document) if path.startswith("/v1/")]
    assert {op["operationId"] for op in gateway} == {
        "CreateChatCompletion",
        "ListGatewayModels",
        "RetrieveGatewayModel",
    }
    for operation in gateway:
        errors = {s: r for s, r in operation["responses"].items() if not s.startswith("2")}
        assert "401" in errors, operation["operationId"]
        for status, response in errors.items():
            schema = response["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ErrorOut"}, (
                operation["operationId"],
                status,
            )


def test_a_chat_completion_is_json_or_an_event_stream(document: dict[str, Any]) -> None:
    ok = document["paths"]["/v1/chat/completions"]["post"]["responses"]["200"]["content"]
    assert ok["application/json"]["schema"] == {"$ref": "#/components/schemas/ChatCompletionOut"}
    assert ok["text/event-stream"]["schema"]["type"] == "string"


def test_every_error_is_documented_in_the_shape_it_is_sent(document: dict[str, Any]) -> None:
    """A problem (RFC 9457) on /api, OpenAI's error on /v1: never Litestar's default 400 body,
    which the app does not send (and which openapi-python-client cannot read)."""
    wrong = []
    for path, method, operation in _operations(document):
        for status, response in operation["responses"].items():
            if status.startswith("2"):
                continue
            content = response.get("content", {})
            expected = (
                {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
                if path.startswith("/v1/")
                else {
                    "application/problem+json": {
                        "schema": {"$ref": "#/components/schemas/ProblemDetail"}
                    }
                }
            )
            if content != expected:
                wrong.append(f"{method.upper()} {path} {status}")
    assert wrong == []
