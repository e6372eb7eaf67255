"""Provider faults at load: a stand-in OpenAI on 127.0.0.1 answers a share of requests with
429, exhausted quota, 500, 503, a hang or a dropped stream, while 16 requests at a time go
through agent-session chat (JSON and SSE) and the gateway (plain and streamed), on the real
provider adapters and transport. Every request is answered with its mapped status (never a
500), a hang ends at the read timeout, only what the retry policy allows is retried, and the
user's key appears in no response, header, log record (every logger at DEBUG) or metric."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from typing import Any

import httpx
import pytest

import adapters.llm.openai as openai_adapter
from adapters.auth.argon2_hasher import Argon2PasswordHasher
from entrypoints.bootstrap import build, sql_database
from entrypoints.http.app import create_app
from entrypoints.settings import LimitSettings
from tests.support.asgi import asgi_transport
from tests.support.builders import make_settings
from tests.support.constants import PASSWORD
from tests.support.logs import LogSink
from tests.support.standin_openai import Fault, StandInOpenAi

CANARY = f"sk-canary-{uuid.uuid4().hex}"
FRAGMENTS = [CANARY, CANARY[-12:], CANARY[10:26]]
# One in three requests succeeds; each fault comes up as often.
PLAN = [Fault.NONE] * 3 + [
    Fault.RATE_LIMITED,
    Fault.QUOTA,
    Fault.SERVER_ERROR,
    Fault.UNAVAILABLE,
    Fault.HANG,
    Fault.DROP,
]
KINDS = ("chat", "chat-sse", "gateway", "gateway-sse")
REQUESTS = 4 * len(PLAN) * len(KINDS)  # 144: each fault 4 times on each route
CONCURRENCY = 16

# What the retry policy allows for a completion (docs/providers.md, "Retry policy"): one retry
# of a 429 that is not an exhausted quota and of a 5xx; never of a timeout after the request was
# sent, nor of a reply that broke off.
ATTEMPTS = {
    Fault.NONE: 1,
    Fault.RATE_LIMITED: 2,
    Fault.QUOTA: 1,
    Fault.SERVER_ERROR: 2,
    Fault.UNAVAILABLE: 2,
    Fault.HANG: 1,
    Fault.DROP: 1,
}
STATUS = {
    Fault.NONE: 200,
    Fault.RATE_LIMITED: 429,
    Fault.QUOTA: 429,
    Fault.SERVER_ERROR: 502,
    Fault.UNAVAILABLE: 502,
    Fault.HANG: 504,
    Fault.DROP: 502,  # a stream that broke off after it began is a 200 carrying an error event
}


def fault_of(tag: str) -> Fault:
    return Fault(tag.rsplit(":", 1)[1])


@dataclass
class Outcome:
    kind: str
    fault: Fault
    tag: str
    response: httpx.Response


@pytest.fixture
def short_timeouts(monkeypatch: pytest.MonkeyPatch) -> None:
    """The adapters' own clocks, shortened so a hang ends in half a second rather than 60."""
    for name in ("COMPLETION", "STREAM"):
        spec = getattr(openai_adapter, name)
        monkeypatch.setattr(openai_adapter, name, replace(spec, read_timeout=0.5, deadline=5.0))


@pytest.fixture
async def client(
    sqlite_url: str, short_timeouts: None
) -> AsyncIterator[tuple[httpx.AsyncClient, StandInOpenAi]]:
    with StandInOpenAi(faults=fault_of) as standin:
        # One user's load: the per-user limits must let all of it through.
        limits = LimitSettings(
            provider_calls_per_user=CONCURRENCY,
            chat_rate_per_minute=10 * REQUESTS,
            gateway_rate_per_minute=10 * REQUESTS,
        )
        settings = make_settings(database_url=sqlite_url, limits=limits)
        providers = replace(settings.providers, openai_base_url=standin.base_url)
        settings = replace(settings, providers=providers)
        # The real provider registry: OpenAiProvider on the aiohttp transport, real retries.
        container = build(
            settings,
            database=sql_database(settings),
            hasher=Argon2PasswordHasher.fast_for_tests(),
        )
        # httpx's ASGI transport runs requests concurrently in this loop (Litestar's test
        # client would send them one at a time). The container is built here, not by the
        # app's lifespan, which is therefore not needed.
        transport = asgi_transport(create_app(container=container))
        try:
            async with httpx.AsyncClient(
                transport=transport, base_url="http://testserver", timeout=30
            ) as c:
                yield c, standin
        finally:
            await container.aclose()


async def sign_up(client: httpx.AsyncClient) -> tuple[dict[str, str], dict[str, str]]:
    body = {"email": "faults@example.com", "password": PASSWORD}
    assert (await client.post("/api/v1/auth/signup", json=body)).status_code == 201
    login = await client.post("/api/v1/auth/login", json=body)
    me = {"Authorization": f"Bearer {login.json()['access_token']}"}
    key = {"provider": "openai", "api_key": CANARY, "model_name": "gpt-4o-mini"}
    added = await client.post("/api/v1/users/me/llm-credentials", json=key, headers=me)
    assert added.status_code == 201, added.text
    token = await client.post("/api/v1/users/me/gateway-tokens", json={"name": "t"}, headers=me)
    return me, {"Authorization": f"Bearer {token.json()['token']}"}


async def send(
    client: httpx.AsyncClient,
    kind: str,
    tag: str,
    me: dict[str, str],
    gateway: dict[str, str],
    session_id: str,
) -> httpx.Response:
    if kind.startswith("chat"):
        headers = {**me, "Accept": "text/event-stream"} if kind == "chat-sse" else me
        return await client.post(
            f"/api/v1/agent-sessions/{session_id}/messages", json={"content": tag}, headers=headers
        )
    body: dict[str, Any] = {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": tag}],
        "stream": kind == "gateway-sse",
    }
    return await client.post("/v1/chat/completions", json=body, headers=gateway)


async def test_faults_at_load_are_mapped_retried_by_policy_and_never_leak_the_key(
    client: tuple[httpx.AsyncClient, StandInOpenAi], debug_logs: LogSink
) -> None:
    app, standin = client
    me, gateway = await sign_up(app)
    # Sessions enough that no conversation grows long.
    sessions = [
        (await app.post("/api/v1/agent-sessions", json={}, headers=me)).json()["id"]
        for _ in range(12)
    ]
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(n: int) -> Outcome:
        kind, fault = KINDS[n % len(KINDS)], PLAN[(n // len(KINDS)) % len(PLAN)]
        tag = f"probe-{n}:{fault.value}"
        async with gate:
            response = await send(app, kind, tag, me, gateway, sessions[n % len(sessions)])
        return Outcome(kind, fault, tag, response)

    outcomes = await asyncio.gather(*(one(n) for n in range(REQUESTS)))
    metrics = (await app.get("/metrics")).text

    assert len(outcomes) == REQUESTS
    assert standin.peak_in_flight > 1, "the requests reached the provider concurrently"
    for o in outcomes:
        streamed_break = o.fault is Fault.DROP and o.kind.endswith("sse")
        expected = 200 if streamed_break else STATUS[o.fault]
        assert o.response.status_code == expected, (o.kind, o.fault, o.response.text)
        assert standin.attempts[o.tag] == ATTEMPTS[o.fault], (o.kind, o.fault)
        if o.fault is Fault.RATE_LIMITED:
            assert "retry-after" in o.response.headers
        if streamed_break:
            # The stream began, then the provider broke off: an error event, never a [DONE].
            assert "error" in o.response.text
            assert "[DONE]" not in o.response.text
        elif o.fault is not Fault.NONE:
            body = o.response.json()
            if o.kind.startswith("gateway"):
                assert body["error"]["message"]  # OpenAI's shape, so the SDKs raise
            else:
                assert body["status"] == expected  # a problem
        everything = o.response.text + str(o.response.headers)
        for fragment in FRAGMENTS:
            assert fragment not in everything, (o.kind, o.fault)
    assert "retrying complete call to openai" in debug_logs.text, "DEBUG records were captured"
    for fragment in FRAGMENTS:
        assert fragment not in debug_logs.text, "the key reached a log record"
        assert fragment not in metrics
    assert 'outcome="provider-rate-limited"' in metrics
    assert 'outcome="provider-timeout"' in metrics
