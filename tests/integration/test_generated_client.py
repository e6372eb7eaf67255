"""Issue 16, OpenAPI: a client generated from ``/schema/openapi.json`` by openapi-python-client
reads every answer of a walk-through (account, key, providers, session, gateway, usage) as its
own model, with no field the document leaves out."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs
import httpx
import pytest
from litestar.testing import TestClient

from domain.provider import Provider
from entrypoints.http.app import create_app
from tests.support.builders import make_settings, memory_world
from tests.support.chat_api import ChatApi, make_chat_api
from tests.support.constants import KEYS, PASSWORD
from tests.support.upstreams import MODELS

PACKAGE = "byom_client"
BASE_URL = "http://byom.test"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The client package, generated from the app's document into a temporary directory."""
    where = tmp_path_factory.mktemp("client")
    with TestClient(create_app(container=memory_world(make_settings()).container)) as app:
        (where / "openapi.json").write_text(app.get("/schema/openapi.json").text)
    # No formatting of the generated code (its post hooks run ruff): only its behaviour counts.
    (where / "config.json").write_text(json.dumps({"post_hooks": []}))
    cli = str(Path(sys.executable).parent / "openapi-python-client")
    arguments = ["--path", "openapi.json", "--config", "config.json", "--meta", "none"]
    run = subprocess.run(  # noqa: S603 - our own dev tool, fixed arguments
        [cli, "generate", *arguments, "--output-path", PACKAGE],
        cwd=where,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    # A warning means a schema, an operation or a response was left out of the client.
    assert "Warning" not in run.stdout + run.stderr, run.stdout + run.stderr
    sys.path.insert(0, str(where))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(where))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


@pytest.fixture
async def api() -> AsyncIterator[ChatApi]:
    async for built in make_chat_api("memory"):
        yield built


def _undocumented(value: Any, where: str = "") -> list[str]:
    """Fields of an answer that the document does not describe (the generated models keep
    them in ``additional_properties``), at any depth."""
    if isinstance(value, list):
        return [f for i, item in enumerate(value) for f in _undocumented(item, f"{where}[{i}]")]
    if not attrs.has(type(value)):
        return []
    found = [f"{where}.{k}" for k in getattr(value, "additional_properties", {})]
    for field in attrs.fields(type(value)):
        if field.name != "additional_properties":
            found += _undocumented(getattr(value, field.name), f"{where}.{field.name}")
    return found


class Walk:
    """Calls the generated client's operations and checks each parsed answer."""

    def __init__(self, client: ModuleType, app: Any) -> None:
        self.client = client
        self.transport = httpx.ASGITransport(app=app)
        self.calls: list[str] = []

    def http(self, token: str | None = None) -> Any:
        args = {"base_url": BASE_URL, "httpx_args": {"transport": self.transport}}
        if token is None:
            return self.client.Client(**args)
        return self.client.AuthenticatedClient(token=token, **args)

    def model(self, name: str) -> Any:
        if name == "str":  # a text answer (CSV)
            return str
        return getattr(importlib.import_module(f"{PACKAGE}.models"), name)

    async def call(self, operation: str, expected: str, *args: Any, **kwargs: Any) -> Any:
        """``operation``: ``tag_module.operation_module``; ``expected``: the model the answer
        parses to (``list[Model]`` for a list)."""
        tag, name = operation.split(".")
        module = importlib.import_module(f"{PACKAGE}.api.{tag}.{name}")
        response = await module.asyncio_detailed(*args, **kwargs)
        parsed = response.parsed
        self.calls.append(name)
        assert parsed is not None, (name, response.status_code, response.content[:300])
        if expected.startswith("list["):
            model = self.model(expected[5:-1])
            assert isinstance(parsed, list), (name, parsed)
            assert parsed, name
            assert all(isinstance(item, model) for item in parsed), (name, parsed)
        else:
            assert isinstance(parsed, self.model(expected)), (name, parsed)
        assert _undocumented(parsed) == [], name
        return parsed

    async def no_content(self, operation: str, *args: Any, **kwargs: Any) -> None:
        tag, name = operation.split(".")
        module = importlib.import_module(f"{PACKAGE}.api.{tag}.{name}")
        response = await module.asyncio_detailed(*args, **kwargs)
        self.calls.append(name)
        assert response.status_code == 204, (name, response.status_code, response.content[:300])


async def test_a_generated_client_parses_every_answer_of_a_walk_through(
    generated: ModuleType, api: ChatApi
) -> None:
    walk = Walk(generated, api.client.app)
    m = walk.model
    provider = Provider.OPENAI
    email = "integrator@example.com"
    async with walk.http() as anonymous:
        await walk.call("operations.live", "Health", client=anonymous)
        await walk.call("operations.ready", "Health", client=anonymous)
        await walk.call(
            "accounts.sign_up", "UserOut", client=anonymous, body=m("Credentials")(email, PASSWORD)
        )
        login = await walk.call(
            "accounts.log_in", "TokenOut", client=anonymous, body=m("Credentials")(email, PASSWORD)
        )
        await walk.call(
            "providers_and_models.list_providers", "list[ProviderOut]", client=anonymous
        )

    async with walk.http(login.access_token) as me:
        await walk.call("accounts.get_me", "UserOut", client=me)
        key = {"provider": provider.value, "api_key": KEYS[provider]}
        await walk.call(
            "llm_credentials.validate_api_key",
            "ValidationOut",
            client=me,
            body=m("KeyValidate")(**key),
        )
        credential = await walk.call(
            "llm_credentials.create_credential",
            "CredentialOut",
            client=me,
            body=m("CredentialCreate")(**key, model_name=MODELS[provider]),
        )
        await walk.call("llm_credentials.list_credentials", "list[CredentialOut]", client=me)
        await walk.call("llm_credentials.get_credential", "CredentialOut", credential.id, client=me)
        await walk.call(
            "llm_credentials.revalidate_credential", "ValidationOut", credential.id, client=me
        )
        await walk.call(
            "llm_credentials.update_credential",
            "CredentialOut",
            credential.id,
            client=me,
            body=m("CredentialUpdate")(model_name=MODELS[provider]),
        )
        await walk.call(
            "llm_credentials.set_default_credential", "CredentialOut", credential.id, client=me
        )
        await walk.call("providers_and_models.explain_my_llm", "LlmChoiceOut", client=me)

        session = await walk.call(
            "agent_sessions.start_agent_session",
            "SessionOut",
            client=me,
            body=m("SessionCreate")(title="integration"),
        )
        reply = await walk.call(
            "agent_sessions.send_message",
            "MessageOut",
            session.id,
            client=me,
            body=m("MessageCreate")(content="Hello"),
        )
        assert reply.role == "assistant"
        detail = await walk.call(
            "agent_sessions.get_agent_session", "SessionDetailOut", session.id, client=me
        )
        assert [message.id for message in detail.messages][-1] == reply.id
        await walk.call("agent_sessions.list_agent_sessions", "list[SessionOut]", client=me)
        await walk.call(
            "agent_sessions.list_session_messages", "MessagePageOut", session.id, client=me
        )

        token = await walk.call(
            "gateway_tokens.create_gateway_token",
            "NewGatewayTokenOut",
            client=me,
            body=m("GatewayTokenCreate")(name="laptop"),
        )
        await walk.call("gateway_tokens.list_gateway_tokens", "list[GatewayTokenOut]", client=me)
        await walk.call(
            "gateway_tokens.update_gateway_token",
            "GatewayTokenOut",
            token.id,
            client=me,
            body=m("GatewayTokenUpdate")(rpm=60),
        )

        async with walk.http(token.token) as gateway:
            models = await walk.call(
                "open_ai_compatible_gateway.list_gateway_models", "ModelListOut", client=gateway
            )
            model_id = models.data[0].id
            await walk.call(
                "open_ai_compatible_gateway.retrieve_gateway_model",
                "GatewayModelOut",
                model_id,
                client=gateway,
            )
            completion = await walk.call(
                "open_ai_compatible_gateway.create_chat_completion",
                "ChatCompletionOut",
                client=gateway,
                body=m("ChatCompletionIn")(
                    model=model_id, messages=[m("MessageIn")(role="user", content="Hello")]
                ),
            )
            assert completion.choices[0].message.content
            # Errors parse too, each in its route's shape.
            await walk.call(
                "open_ai_compatible_gateway.retrieve_gateway_model",
                "ErrorOut",
                "no-such-model",
                client=gateway,
            )

        await walk.call("usage.get_usage", "UsageReportOut", client=me)
        await walk.call(
            "budget.set_budget", "BudgetOut", client=me, body=m("BudgetIn")(monthly_usd="25")
        )
        await walk.call("budget.get_budget", "BudgetOut", client=me)
        await walk.call(
            "llm_credentials.list_credential_events", "CredentialEventPageOut", client=me
        )
        await walk.call("agent_sessions.get_agent_session", "ProblemDetail", token.id, client=me)
        renewed = await walk.call(
            "accounts.change_password",
            "TokenOut",
            client=me,
            body=m("PasswordChange")(PASSWORD, f"{PASSWORD} again"),
        )

    async with walk.http(renewed.access_token) as me:
        csv = await walk.call("usage.export_usage", "str", client=me)
        assert csv.splitlines()[0]
        await walk.no_content("gateway_tokens.revoke_gateway_token", token.id, client=me)
        await walk.no_content("llm_credentials.delete_credential", credential.id, client=me)
        await walk.no_content("accounts.log_out", client=me)

    # Every operation was called but closing the account (its own tests cover it).
    every = {
        path.stem
        for path in Path(str(generated.__file__)).parent.glob("api/*/*.py")
        if path.stem != "__init__"
    }
    assert every - set(walk.calls) == {"delete_me"}
