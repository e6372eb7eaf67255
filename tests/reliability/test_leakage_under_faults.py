"""The key never leaks when things break in ways nobody planned for, with every logger at DEBUG
(docs/security-tests.md, G3, G4): the database refuses a credential's insert with a constraint
of its own (its error carries the failing row), and a provider call raises an unexpected exception
while the plaintext key sits in its local variables. The client gets a generic 500; neither the
response nor any log record (tracebacks included) shows the key, the failing row or bound
parameters."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from adapters.persistence.sqlalchemy import build_engine
from domain.api_key import ApiKey
from domain.llm import Completion, CompletionChunk, CompletionRequest
from domain.provider import Provider
from entrypoints.http.app import create_app
from tests.support.asgi import asgi_transport
from tests.support.builders import make_settings, sql_world
from tests.support.constants import PASSWORD
from tests.support.fakes import FakeLlmProvider, FakeProviderRegistry
from tests.support.logs import LogSink

CANARY = f"sk-canary-{uuid.uuid4().hex}"
FRAGMENTS = [CANARY, CANARY[-12:], CANARY[10:26], CANARY.encode().hex()[:24]]
CREDENTIALS = "/api/v1/users/me/llm-credentials"


class ExplodingProvider(FakeLlmProvider):
    """Validates keys like the fake, then fails the chat with a bug of its own, the plaintext
    key in a local variable as a real adapter would hold it while building headers."""

    async def complete(
        self, key: ApiKey, request: CompletionRequest, *, base_url: str | None = None
    ) -> Completion:
        headers = {"authorization": f"Bearer {key.reveal()}"}
        raise RuntimeError(f"unexpected failure after building {len(headers)} header(s)")

    async def stream(
        self, key: ApiKey, request: CompletionRequest, *, base_url: str | None = None
    ) -> Any:
        headers = {"authorization": f"Bearer {key.reveal()}"}
        nothing: list[CompletionChunk] = []
        for chunk in nothing:  # an async generator, like the real adapters
            yield chunk
        raise RuntimeError(f"unexpected failure after building {len(headers)} header(s)")


def assert_no_leak(where: str, *texts: str) -> None:
    for body in texts:
        for fragment in FRAGMENTS:
            assert fragment not in body, f"{where}: a piece of the key leaked"


async def client_on(url: str) -> AsyncIterator[httpx.AsyncClient]:
    providers = FakeProviderRegistry([ExplodingProvider("openai")])
    providers.accept(Provider.OPENAI, CANARY)
    settings = make_settings(database_url=url)
    container = sql_world(settings, providers=providers).container
    transport = asgi_transport(create_app(container=container))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c
    finally:
        await container.aclose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest) -> str:
    return str(
        request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")
    )


@pytest.fixture
async def client(database: str) -> AsyncIterator[httpx.AsyncClient]:
    async for c in client_on(database):
        yield c


async def signed_up(client: httpx.AsyncClient) -> dict[str, str]:
    body = {"email": f"g-{uuid.uuid4().hex[:8]}@example.com", "password": PASSWORD}
    assert (await client.post("/api/v1/auth/signup", json=body)).status_code == 201
    login = await client.post("/api/v1/auth/login", json=body)
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


async def refuse_the_canary_row(url: str) -> None:
    """A constraint of the test's own that the canary's row violates (by its key hint)."""
    hint = CANARY[-4:]
    engine = build_engine(url)
    try:
        async with engine.begin() as connection:
            if url.startswith("sqlite"):
                await connection.execute(
                    text(
                        "CREATE TRIGGER byom_test_refuse BEFORE INSERT ON user_llm_credentials "
                        f"WHEN NEW.key_hint = '{hint}' "
                        "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
                    )
                )
            else:
                await connection.execute(
                    text(
                        "ALTER TABLE user_llm_credentials ADD CONSTRAINT byom_test_refuse "
                        f"CHECK (key_hint <> '{hint}')"
                    )
                )
    finally:
        await engine.dispose()


async def allow_it_again(url: str) -> None:
    engine = build_engine(url)
    try:
        async with engine.begin() as connection:
            if url.startswith("sqlite"):
                await connection.execute(text("DROP TRIGGER byom_test_refuse"))
            else:
                await connection.execute(
                    text("ALTER TABLE user_llm_credentials DROP CONSTRAINT byom_test_refuse")
                )
    finally:
        await engine.dispose()


async def test_g3_a_database_error_on_the_credential_insert_shows_no_key_row_or_parameters(
    client: httpx.AsyncClient, database: str, debug_logs: LogSink
) -> None:
    me = await signed_up(client)
    await refuse_the_canary_row(database)
    first = len(debug_logs.lines)  # what the request logged, not the test's own setup
    try:
        refused = await client.post(
            CREDENTIALS, json={"provider": "openai", "api_key": CANARY}, headers=me
        )
    finally:
        await allow_it_again(database)

    logged = "\n".join(debug_logs.lines[first:])
    assert refused.status_code == 500
    assert refused.json()["type"] == "/problems/internal-error"
    assert "unhandled" in logged, "the failure was logged for operators"
    assert_no_leak("G3", refused.text, str(refused.headers), debug_logs.text)
    for revealing in ("Failing row contains", "[parameters:", "refused by the test"):
        assert revealing not in logged + refused.text
    listed = await client.get(CREDENTIALS, headers=me)
    assert listed.json() == [], "nothing was stored"


async def test_g4_an_exception_inside_a_provider_call_shows_no_key(
    client: httpx.AsyncClient, debug_logs: LogSink
) -> None:
    me = await signed_up(client)
    added = await client.post(
        CREDENTIALS, json={"provider": "openai", "api_key": CANARY}, headers=me
    )
    assert added.status_code == 201, added.text
    session = (await client.post("/api/v1/agent-sessions", json={}, headers=me)).json()
    token = await client.post("/api/v1/users/me/gateway-tokens", json={"name": "g4"}, headers=me)
    gateway = {"Authorization": f"Bearer {token.json()['token']}"}
    messages = f"/api/v1/agent-sessions/{session['id']}/messages"
    chat_body = {"model": "model-a", "messages": [{"role": "user", "content": "hi"}]}

    answers = [
        await client.post(messages, json={"content": "hi"}, headers=me),
        await client.post(
            messages, json={"content": "hi"}, headers={**me, "Accept": "text/event-stream"}
        ),
        await client.post("/v1/chat/completions", json=chat_body, headers=gateway),
        await client.post(
            "/v1/chat/completions", json={**chat_body, "stream": True}, headers=gateway
        ),
    ]

    for answer in answers:
        assert answer.status_code == 500, answer.text
        assert "RuntimeError" not in answer.text
        assert "header(s)" not in answer.text
        assert_no_leak("G4 response", answer.text, str(answer.headers))
    assert "Traceback" in debug_logs.text, "the traceback was logged for operators"
    assert_no_leak("G4 logs", debug_logs.text)
    metrics = (await client.get("/metrics")).text
    assert 'operation="complete",outcome="error"' in metrics
    assert_no_leak("G4 metrics", metrics)
