"""Provider failures, deleted credentials, isolation and bad input, through the HTTP app."""

from __future__ import annotations

from uuid import uuid4

import pytest

from domain.provider import Provider
from tests.support.chat_api import ChatApi, parse_sse

BIG_THREE = [Provider.OPENAI, Provider.ANTHROPIC, Provider.GOOGLE]


@pytest.mark.parametrize("provider", BIG_THREE, ids=lambda p: p.value)
@pytest.mark.parametrize("streamed", [False, True], ids=["json", "sse"])
async def test_a_key_the_provider_now_refuses_is_424_and_the_credential_is_flagged(
    api: ChatApi, provider: Provider, streamed: bool
) -> None:
    me = await api.user("rotated@example.com")
    credential = await api.add_key(me, provider)
    session = await api.start(me)
    api.upstreams[provider].key = "the key was rotated at the provider"

    send = api.stream if streamed else api.send
    answered = await send(me, session["id"], "hi")

    assert answered.status_code == 424
    problem = answered.json()
    assert problem["type"] == "/problems/credential-rejected"
    assert "update the key" in problem["detail"]
    assert answered.headers["content-type"].startswith("application/problem+json")
    flagged = await api.client.get(
        f"/api/v1/users/me/llm-credentials/{credential['id']}", headers=me
    )
    assert flagged.json()["last_validated_at"] is None
    assert flagged.json()["last_error"]
    assert flagged.json()["is_active"] is True
    assert await api.messages(me, session["id"]) == []


@pytest.mark.parametrize("provider", BIG_THREE, ids=lambda p: p.value)
async def test_a_rate_limited_provider_is_429_with_retry_after(
    api: ChatApi, provider: Provider
) -> None:
    me = await api.user("busy@example.com")
    await api.add_key(me, provider)
    session = await api.start(me)
    api.upstreams[provider].fail = "rate_limited"

    for send in (api.send, api.stream):
        answered = await send(me, session["id"], "hi")
        assert answered.status_code == 429
        assert answered.json()["type"] == "/problems/provider-rate-limited"
        assert answered.headers["retry-after"] == "17"


@pytest.mark.parametrize(
    ("failure", "status", "slug"),
    [
        ("timeout", 504, "provider-timeout"),
        ("down", 502, "provider-error"),
        ("unknown_model", 422, "model-not-found"),
    ],
)
async def test_other_provider_failures_map_to_their_problem(
    api: ChatApi, failure: str, status: int, slug: str
) -> None:
    me = await api.user("flaky@example.com")
    await api.add_key(me, Provider.ANTHROPIC)
    session = await api.start(me)
    api.upstreams[Provider.ANTHROPIC].fail = failure  # type: ignore[assignment]

    for send in (api.send, api.stream):
        answered = await send(me, session["id"], "hi")
        assert (answered.status_code, answered.json()["type"]) == (status, f"/problems/{slug}")
    assert await api.messages(me, session["id"]) == []


async def test_a_session_on_a_deleted_credential_says_to_pick_another(api: ChatApi) -> None:
    me = await api.user("revoked@example.com")
    credential = await api.add_key(me, Provider.OPENAI)
    session = await api.start(me, credential_id=credential["id"])
    deleted = await api.client.delete(
        f"/api/v1/users/me/llm-credentials/{credential['id']}", headers=me
    )
    assert deleted.status_code == 204
    posts_before = len(api.upstreams[Provider.OPENAI].bodies())

    for send in (api.send, api.stream):
        answered = await send(me, session["id"], "hi")
        assert answered.status_code == 409
        problem = answered.json()
        assert problem["type"] == "/problems/credential-revoked"
        assert "pick another model or credential" in problem["detail"]
    assert len(api.upstreams[Provider.OPENAI].bodies()) == posts_before


async def test_no_llm_at_all_is_409_no_llm_configured(api: ChatApi) -> None:
    me = await api.user("empty@example.com")
    answered = await api.client.post("/api/v1/agent-sessions", json={}, headers=me)
    assert (answered.status_code, answered.json()["type"]) == (409, "/problems/no-llm-configured")


async def test_no_one_sees_or_uses_another_users_sessions_or_usage(api: ChatApi) -> None:
    alice = await api.user("alice@example.com")
    bob = await api.user("bob@example.com")
    await api.add_key(alice, Provider.OPENAI)
    await api.add_key(bob, Provider.OPENAI)
    hers = await api.start(alice, title="alice's desk")
    assert (await api.send(alice, hers["id"], "mine")).status_code == 200

    missing = await api.client.get(f"/api/v1/agent-sessions/{uuid4()}", headers=bob)
    for attempt in (
        await api.client.get(f"/api/v1/agent-sessions/{hers['id']}", headers=bob),
        await api.send(bob, hers["id"], "let me in"),
        await api.stream(bob, hers["id"], "let me in"),
    ):
        assert attempt.status_code == 404
        body, expected = attempt.json(), missing.json()
        assert {k: v for k, v in body.items() if k != "instance"} == {
            k: v for k, v in expected.items() if k != "instance"
        }, "another user's session looks exactly like a missing one"

    assert (await api.client.get("/api/v1/agent-sessions", headers=bob)).json() == []
    assert [
        s["id"] for s in (await api.client.get("/api/v1/agent-sessions", headers=alice)).json()
    ] == [hers["id"]]
    bobs_usage = (await api.client.get("/api/v1/users/me/usage", headers=bob)).json()
    assert (bobs_usage["totals"], bobs_usage["cost_usd"]) == ([], "0")
    alices_usage = (await api.client.get("/api/v1/users/me/usage", headers=alice)).json()
    assert [t["calls"] for t in alices_usage["totals"]] == [1]
    assert [m["content"] for m in await api.messages(alice, hers["id"])] == [
        "mine",
        "Carry is positive; watch the ECB on Thursday.",
    ]


async def test_usage_since_filters_and_a_bad_since_is_a_422_problem(api: ChatApi) -> None:
    me = await api.user("since@example.com")
    await api.add_key(me, Provider.GOOGLE)
    session = await api.start(me)
    assert (await api.send(me, session["id"], "hi")).status_code == 200

    past = await api.client.get("/api/v1/users/me/usage?since=2020-01-01", headers=me)
    future = await api.client.get(
        "/api/v1/users/me/usage", params={"since": "2999-01-01T00:00:00Z"}, headers=me
    )
    bad = await api.client.get("/api/v1/users/me/usage?since=last-tuesday", headers=me)

    assert [t["calls"] for t in past.json()["totals"]] == [1]
    assert past.json()["since"].startswith("2020-01-01T00:00:00")
    assert future.json()["totals"] == []
    assert bad.status_code == 422
    assert bad.json()["type"] == "/problems/validation-error"
    assert [e["field"] for e in bad.json()["errors"]] == ["since"]


@pytest.mark.parametrize(
    "body",
    [
        {"content": ""},
        {"content": "hi", "role": "system"},
        {"content": "hi", "max_tokens": 0},
        {"content": "hi", "temperature": 3},
        {"content": "x" * 100_001},
    ],
)
async def test_bad_message_bodies_are_422_before_any_provider_call(
    api: ChatApi, body: dict[str, object]
) -> None:
    me = await api.user("strict@example.com")
    await api.add_key(me, Provider.OPENAI)
    session = await api.start(me)
    answered = await api.client.post(
        f"/api/v1/agent-sessions/{session['id']}/messages", json=body, headers=me
    )
    assert answered.status_code == 422
    assert api.upstreams[Provider.OPENAI].bodies() == []


async def test_session_routes_need_an_access_token(api: ChatApi) -> None:
    for method, path in (
        ("GET", "/api/v1/agent-sessions"),
        ("POST", "/api/v1/agent-sessions"),
        ("GET", f"/api/v1/agent-sessions/{uuid4()}"),
        ("POST", f"/api/v1/agent-sessions/{uuid4()}/messages"),
        ("GET", "/api/v1/users/me/usage"),
    ):
        answered = await api.client.request(method, path, json={})
        assert answered.status_code == 401, path


async def test_the_openapi_schema_documents_the_session_routes(api: ChatApi) -> None:
    schema = (await api.client.get("/schema/openapi.json")).json()
    operations = {
        op["operationId"]
        for path in schema["paths"].values()
        for op in path.values()
        if isinstance(op, dict) and "operationId" in op
    }
    assert {
        "StartAgentSession",
        "ListAgentSessions",
        "GetAgentSession",
        "SendMessage",
        "GetUsage",
    } <= operations
    assert "/problems/credential-rejected" in schema["info"]["description"]


async def test_an_sse_error_event_carries_a_full_problem(api: ChatApi) -> None:
    me = await api.user("cut@example.com")
    await api.add_key(me, Provider.GOOGLE)
    session = await api.start(me)
    api.upstreams[Provider.GOOGLE].drop_after = 1

    events = parse_sse((await api.stream(me, session["id"], "hi")).text)

    error = next(e.data for e in events if e.event == "error")
    assert set(error) >= {"type", "title", "status", "detail", "instance"}
    assert [e.event for e in events].count("done") == 1
