"""Chat and stream through the HTTP app, the real adapters and each provider's stand-in."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from domain.provider import Provider
from tests.support.chat_api import ChatApi, parse_sse
from tests.support.upstreams import MODELS

REPLY = "Carry is positive; watch the ECB on Thursday."
# 1200 input and 80 output tokens at each model's catalog price per million tokens.
COST = {
    Provider.OPENAI: "0.000228",  # gpt-4o-mini: 0.15 / 0.60
    Provider.ANTHROPIC: "0.0048",  # claude-sonnet-4-5: 3.00 / 15.00
    Provider.GOOGLE: "0.00056",  # gemini-2.5-flash: 0.30 / 2.50
    Provider.OPENAI_COMPATIBLE: None,  # a local model the catalog does not price
}
SYSTEM = "You are a cautious FX risk analyst."


def _system_prompt_as_sent(provider: Provider, body: dict[str, Any]) -> str:
    if provider is Provider.ANTHROPIC:
        return str(body["system"])
    if provider is Provider.GOOGLE:
        return str(body["systemInstruction"]["parts"][0]["text"])
    first = body["messages"][0]
    assert first["role"] == "system"
    return str(first["content"])


def _turns_as_sent(provider: Provider, body: dict[str, Any]) -> list[tuple[str, str]]:
    if provider is Provider.GOOGLE:
        return [(c["role"], c["parts"][0]["text"]) for c in body["contents"]]
    messages = body["messages"]
    if provider is not Provider.ANTHROPIC:
        messages = messages[1:]
    return [(m["role"], m["content"]) for m in messages]


@pytest.mark.parametrize("provider", list(Provider), ids=lambda p: p.value)
async def test_chat_then_stream_on_each_provider(api: ChatApi, provider: Provider) -> None:
    me = await api.user("desk@example.com")
    credential = await api.add_key(me, provider)
    session = await api.start(me, title="FX desk", system_prompt=SYSTEM)
    assert (session["llm_provider"], session["llm_model"], session["llm_credential_id"]) == (
        provider.value,
        MODELS[provider],
        credential["id"],
    )

    answered = await api.send(me, session["id"], "How is EUR/USD carry?")

    assert answered.status_code == 200, answered.text
    message = answered.json()
    assert (message["role"], message["content"], message["incomplete"]) == (
        "assistant",
        REPLY,
        False,
    )
    assert message["usage"] == {"input_tokens": 1200, "output_tokens": 80}
    assert message["cost_usd"] == COST[provider]

    streamed = await api.stream(me, session["id"], "And the main risk?")

    assert streamed.status_code == 200
    assert streamed.headers["content-type"].startswith("text/event-stream")
    events = parse_sse(streamed.text)
    deltas = [e for e in events if e.event == "delta"]
    assert [e.event for e in events] == ["delta"] * len(deltas) + ["done"]
    assert "".join(e.data["text"] for e in deltas) == REPLY
    done = events[-1].data
    assert done["usage"] == {"input_tokens": 1200, "output_tokens": 80}
    assert done["cost_usd"] == COST[provider]
    assert (done["incomplete"], done["provider"], done["model"]) == (
        False,
        provider.value,
        MODELS[provider],
    )

    upstream = api.upstreams[provider]
    first, second = upstream.bodies()
    assert _system_prompt_as_sent(provider, first) == SYSTEM
    assistant = "model" if provider is Provider.GOOGLE else "assistant"
    assert _turns_as_sent(provider, second) == [
        ("user", "How is EUR/USD carry?"),
        (assistant, REPLY),
        ("user", "And the main risk?"),
    ]

    stored = await api.messages(me, session["id"])
    assert [(m["role"], m["content"]) for m in stored] == [
        ("user", "How is EUR/USD carry?"),
        ("assistant", REPLY),
        ("user", "And the main risk?"),
        ("assistant", REPLY),
    ]
    assert stored[3]["id"] == done["message_id"]


@pytest.mark.parametrize("provider", list(Provider), ids=lambda p: p.value)
async def test_a_provider_dropping_mid_stream_is_stored_incomplete(
    api: ChatApi, provider: Provider
) -> None:
    me = await api.user("drop@example.com")
    await api.add_key(me, provider)
    session = await api.start(me)
    api.upstreams[provider].drop_after = 3

    streamed = await api.stream(me, session["id"], "Go on")

    assert streamed.status_code == 200
    events = parse_sse(streamed.text)
    assert [e.event for e in events] == ["delta", "delta", "delta", "error", "done"]
    error, done = events[-2].data, events[-1].data
    assert (error["status"], error["type"]) == (502, "/problems/provider-error")
    assert error["instance"] == f"/api/v1/agent-sessions/{session['id']}/messages"
    assert (done["incomplete"], done["usage"], done["cost_usd"]) == (True, None, None)
    stored = await api.messages(me, session["id"])
    assert stored[-1]["id"] == done["message_id"]
    assert (stored[-1]["content"], stored[-1]["incomplete"]) == ("Carry is positive;", True)
    usage = (await api.client.get("/api/v1/users/me/usage", headers=me)).json()
    # The provider never reported what it counted: the call is counted on an estimate from
    # the text, never as nothing (before: no usage at all).
    [total] = usage["totals"]
    assert total["calls"] == 1
    assert total["input_tokens"] > 0
    assert total["output_tokens"] == 5  # "Carry is positive;": 18 bytes


async def test_the_whole_flow_on_every_database(any_db_api: ChatApi) -> None:
    api = any_db_api
    me = await api.user("db@example.com")
    await api.add_key(me, Provider.ANTHROPIC)
    session = await api.start(me, system_prompt=SYSTEM)
    assert (await api.send(me, session["id"], "one")).status_code == 200
    events = parse_sse((await api.stream(me, session["id"], "two")).text)
    assert events[-1].event == "done"
    api.upstreams[Provider.ANTHROPIC].drop_after = 2
    cut = parse_sse((await api.stream(me, session["id"], "three")).text)
    assert cut[-1].data["incomplete"] is True

    stored = await api.messages(me, session["id"])
    assert [(m["role"], m["incomplete"]) for m in stored] == [
        ("user", False),
        ("assistant", False),
        ("user", False),
        ("assistant", False),
        ("user", False),
        ("assistant", True),
    ]
    assert stored[1]["cost_usd"] == "0.0048"
    usage = (await api.client.get("/api/v1/users/me/usage", headers=me)).json()
    assert [
        (t["provider"], t["model"], t["calls"], t["input_tokens"], t["output_tokens"])
        for t in usage["totals"]
    ] == [("anthropic", MODELS[Provider.ANTHROPIC], 3, 2457, 162)]
    # Two calls reported 1200 + 80 tokens each; the cut one is an estimate from its text (57
    # prompt tokens, "Carry is": 2 tokens), at the same price.
    assert Decimal(usage["cost_usd"]) == Decimal("0.0096") + Decimal("0.000201")
