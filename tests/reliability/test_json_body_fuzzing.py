"""Hypothesis fuzzes the request decoder of every JSON-body route with arbitrary bytes, arbitrary
JSON, and JSON shaped like the routes' own bodies (their field names at every depth, any values):
never a 5xx, and every refusal in the route's error shape (RFC 9457 problem on /api, OpenAI's
error object on /v1). Issue 13, item 4. More examples with CI set."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from typing import Any

import hypothesis.strategies as st
import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from litestar.testing import TestClient

from entrypoints.http.app import create_app
from entrypoints.http.credentials_wire import CredentialCreate
from entrypoints.http.gateway import wire as gateway_wire
from entrypoints.http.sessions import wire as session_wire
from entrypoints.http.sessions import wire_tools
from tests.support.builders import keyed_providers, make_settings, memory_world
from tests.support.constants import OPENAI_KEY, PASSWORD

EXAMPLES = 200 if os.environ.get("CI") else 25
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)


def _field_names(*structs: type[msgspec.Struct]) -> list[str]:
    return sorted({f.encode_name for s in structs for f in msgspec.structs.fields(s)})


# Every field name of the bodies, so generated objects reach past the first layer of checks.
VOCABULARY = [
    *_field_names(
        session_wire.SessionCreate,
        session_wire.MessageCreate,
        wire_tools.TextPartIn,
        wire_tools.ImagePartIn,
        wire_tools.ToolIn,
        wire_tools.NamedToolChoice,
        wire_tools.OutputFormatIn,
        wire_tools.ToolResultIn,
        gateway_wire.ChatCompletionIn,
        gateway_wire.MessageIn,
        gateway_wire.ContentPart,
        gateway_wire.ImageUrl,
        gateway_wire.ToolCallIn,
        gateway_wire.FunctionCallIn,
        gateway_wire.ChatToolIn,
        gateway_wire.FunctionIn,
        gateway_wire.ChatNamedToolChoice,
        gateway_wire.NamedFunction,
        gateway_wire.ResponseFormat,
        gateway_wire.JsonSchemaIn,
        gateway_wire.StreamOptions,
        CredentialCreate,
    ),
    "type",
    "email",
    "password",
]
WORDS = [
    "user", "assistant", "system", "tool", "developer", "function", "text", "image", "image_url",
    "auto", "none", "required", "json_object", "json_schema", "object", "string", "openai",
    "anthropic", "google", "openai_compatible", "gpt-4o-mini", "model-a", "default", "low",
    "high", "data:image/png;base64,iVBORw0KGgo=", "https://example.com/a.png", "call_1",
    "http://10.0.0.1/v1", "https://api.example.com/v1", OPENAI_KEY, "\x00", "\ud800",
]  # fmt: skip

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=40)
    | st.sampled_from(WORDS)
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(VOCABULARY) | st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=25,
)
shaped = st.dictionaries(st.sampled_from(VOCABULARY), json_values, max_size=6)


# Bodies close to valid ones, so the checks behind the decoder run too.
numbers = st.integers(min_value=-10, max_value=10**6) | st.floats(-5, 5) | json_values
short_text = st.text(max_size=30) | st.sampled_from(WORDS)
schemas = st.fixed_dictionaries(
    {"type": st.sampled_from(["object", "string", "array"]) | json_values},
    optional={"properties": st.dictionaries(short_text, json_values, max_size=3)},
)
names = st.sampled_from(["get_price", "quote", "a" * 65, "", "x y", "\x00"]) | short_text
session_parts = st.lists(
    st.fixed_dictionaries({"type": st.just("text"), "text": short_text})
    | st.fixed_dictionaries(
        {"type": st.just("image"), "url": short_text},
        optional={"detail": st.sampled_from(["low", "high", "auto", "x"])},
    ),
    max_size=3,
)
session_message = st.fixed_dictionaries(
    {},
    optional={
        "content": short_text | session_parts,
        "role": st.sampled_from(["user", "tool"]),
        "tool_call_id": short_text,
        "tool_results": st.lists(
            st.fixed_dictionaries({"tool_call_id": short_text, "content": short_text}), max_size=2
        ),
        "tools": st.lists(
            st.fixed_dictionaries({"name": names}, optional={"parameters": schemas}), max_size=2
        ),
        "tool_choice": st.sampled_from(["auto", "none", "required"])
        | st.fixed_dictionaries({"name": names}),
        "output_format": st.fixed_dictionaries(
            {"type": st.sampled_from(["text", "json_object", "json_schema"])},
            optional={"schema": schemas, "name": names},
        ),
        "max_tokens": numbers,
        "temperature": numbers,
    },
)
gateway_call = st.fixed_dictionaries(
    {
        "id": short_text,
        "type": st.just("function"),
        "function": st.fixed_dictionaries({"name": names, "arguments": short_text}),
    }
)
gateway_message = st.fixed_dictionaries(
    {"role": st.sampled_from(["system", "developer", "user", "assistant", "tool", "function"])},
    optional={
        "content": st.none()
        | short_text
        | st.lists(
            st.fixed_dictionaries(
                {"type": st.sampled_from(["text", "image_url", "input_audio"])},
                optional={
                    "text": short_text,
                    "image_url": short_text
                    | st.fixed_dictionaries({"url": short_text}, optional={"detail": short_text}),
                },
            ),
            max_size=3,
        ),
        "tool_calls": st.lists(gateway_call, max_size=2),
        "tool_call_id": short_text,
        "name": short_text,
    },
)
gateway_request = st.fixed_dictionaries(
    {
        "model": st.sampled_from(["model-a", "default", "openai/model-a", "byom/default"])
        | short_text,
        "messages": st.lists(gateway_message, min_size=1, max_size=4),
    },
    optional={
        "tools": st.lists(
            st.fixed_dictionaries(
                {"type": st.just("function"), "function": st.fixed_dictionaries({"name": names})},
                optional={"parameters": schemas},
            ),
            max_size=2,
        ),
        "tool_choice": short_text | json_values,
        "response_format": st.fixed_dictionaries(
            {"type": st.sampled_from(["text", "json_object", "json_schema"])},
            optional={"json_schema": st.fixed_dictionaries({"name": names, "schema": schemas})},
        ),
        "stream": st.booleans(),
        "max_tokens": numbers,
        "temperature": numbers,
        "stop": json_values,
        "n": numbers,
        "seed": numbers,
    },
)
credential = st.fixed_dictionaries(
    {"provider": st.sampled_from(["openai", "OpenAI", "google", "openai_compatible", "x"])},
    optional={
        "api_key": short_text,
        "model_name": short_text,
        "base_url": short_text,
        "is_default": json_values,
    },
)
account = st.fixed_dictionaries(
    {"email": st.sampled_from(["a@example.com", "A@Example.COM\n", "@", "a@b"]) | short_text},
    optional={"password": short_text},
)
NEAR_VALID = {
    "signup": account,
    "login": account,
    "credentials": credential,
    "sessions": shaped,
    "messages": session_message,
    "chat-completions": gateway_request,
}


def _encode(value: Any) -> bytes:
    # Python's encoder writes NaN and Infinity, which JSON has not: more input to refuse.
    return json.dumps(value, allow_nan=True).encode("utf-8", "surrogatepass")


bodies = st.one_of(
    st.binary(max_size=512),
    json_values.map(_encode),
    shaped.map(_encode),
    shaped.map(_encode).map(lambda b: b[: max(1, len(b) // 2)]),  # cut short
)


class Target:
    def __init__(self, client: TestClient[Any]) -> None:
        self.client = client
        email = f"fuzz-{uuid.uuid4().hex[:8]}@example.com"
        account = {"email": email, "password": PASSWORD}
        assert client.post("/api/v1/auth/signup", json=account).status_code == 201
        login = client.post("/api/v1/auth/login", json=account)
        self.auth = {"Authorization": f"Bearer {login.json()['access_token']}"}
        key = {"provider": "openai", "api_key": OPENAI_KEY, "model_name": "model-a"}
        path = "/api/v1/users/me/llm-credentials"
        assert client.post(path, json=key, headers=self.auth).status_code == 201
        token = client.post(
            "/api/v1/users/me/gateway-tokens", json={"name": "f"}, headers=self.auth
        )
        self.gateway = {"Authorization": f"Bearer {token.json()['token']}"}
        session = client.post("/api/v1/agent-sessions", json={}, headers=self.auth)
        self.session = session.json()["id"]

    def route(self, name: str) -> tuple[str, dict[str, str]]:
        """The path of a route the fuzzer names, and the credentials it needs."""
        return {
            "signup": ("/api/v1/auth/signup", {}),
            "login": ("/api/v1/auth/login", {}),
            "credentials": ("/api/v1/users/me/llm-credentials", self.auth),
            "sessions": ("/api/v1/agent-sessions", self.auth),
            "messages": (f"/api/v1/agent-sessions/{self.session}/messages", self.auth),
            "chat-completions": ("/v1/chat/completions", self.gateway),
        }[name]


@pytest.fixture(scope="module")
def target() -> Iterator[Target]:
    settings = make_settings(login_rate_per_minute=100_000, validate_rate_per_minute=100_000)
    world = memory_world(settings, providers=keyed_providers())
    with TestClient(create_app(container=world.container)) as client:
        yield Target(client)


def assert_refused_in_shape(path: str, response: Any) -> None:
    assert response.status_code < 500, (path, response.status_code, response.text[:500])
    if response.status_code < 400:
        return
    if path.startswith("/v1/"):
        assert response.headers["content-type"].startswith("application/json")
        error = response.json()["error"]
        assert isinstance(error["message"], str)
        assert isinstance(error["type"], str)
    else:
        assert response.headers["content-type"].startswith("application/problem+json")
        problem = response.json()
        assert problem["status"] == response.status_code
        assert problem["type"].startswith("/problems/") or problem["type"] == "about:blank"
        assert isinstance(problem["title"], str)


@pytest.mark.parametrize("route", list(NEAR_VALID))
def test_no_body_gets_a_server_error_or_leaves_the_error_shape(target: Target, route: str) -> None:
    path, headers = target.route(route)

    @FUZZ
    @given(body=bodies | NEAR_VALID[route].map(_encode))
    def send(body: bytes) -> None:
        response = target.client.post(
            path, content=body, headers={**headers, "content-type": "application/json"}
        )
        assert_refused_in_shape(path, response)

    send()
