"""LangChain's ``ChatOpenAI`` pointed at the gateway, as agents built on LangChain use it:
``bind_tools`` (a tool round trip, invoked and streamed) and ``with_structured_output``."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI
from pydantic import BaseModel, SecretStr

from domain.provider import Provider
from tests.support.gateway import Gateway
from tests.support.wire import openai as openai_wire

REPLY = "Carry is positive; watch the ECB on Thursday."
ARGUMENTS = '{"pair": "EURUSD"}'


@tool
def quote(pair: str) -> str:
    """Latest price of a currency pair."""
    return "1.0842"


class Trend(BaseModel):
    trend: str
    confidence: float


async def _chat_model(gateway: Gateway, email: str) -> ChatOpenAI:
    client = await gateway.user_with_key(email, Provider.OPENAI)
    upstream = gateway.api.upstreams[Provider.OPENAI]
    upstream.tool_calls = [openai_wire.tool_call("call_q1", "quote", ARGUMENTS)]
    return ChatOpenAI(
        model="gpt-4o-mini",
        api_key=SecretStr(client.api_key),
        base_url="http://byom.test/v1",
        http_async_client=gateway.sdk_http,
        max_retries=0,
    )


async def test_bind_tools_round_trip(gateway: Gateway) -> None:
    llm = (await _chat_model(gateway, "lc-tools@example.com")).bind_tools([quote])
    question = HumanMessage("Where is EURUSD?")

    called = await llm.ainvoke([question])
    assert isinstance(called, AIMessage)
    assert called.tool_calls == [
        {"name": "quote", "args": {"pair": "EURUSD"}, "id": "call_q1", "type": "tool_call"}
    ]
    result = await quote.ainvoke(called.tool_calls[0])
    assert isinstance(result, ToolMessage)

    answered = await llm.ainvoke([question, called, result])

    assert answered.content == REPLY
    sent = gateway.api.upstreams[Provider.OPENAI].bodies()
    assert [t["function"]["name"] for t in sent[0]["tools"]] == ["quote"]
    assert sent[1]["messages"][-1] == {
        "role": "tool",
        "tool_call_id": "call_q1",
        "content": "1.0842",
    }


async def test_bind_tools_streamed(gateway: Gateway) -> None:
    llm = (await _chat_model(gateway, "lc-stream@example.com")).bind_tools([quote])

    merged: Any = None
    async for piece in llm.astream("Where is EURUSD?"):
        assert isinstance(piece, AIMessageChunk)
        merged = piece if merged is None else merged + piece

    assert merged is not None
    assert merged.tool_calls == [
        {"name": "quote", "args": {"pair": "EURUSD"}, "id": "call_q1", "type": "tool_call"}
    ]


async def test_with_structured_output(gateway: Gateway) -> None:
    llm = await _chat_model(gateway, "lc-schema@example.com")
    gateway.api.upstreams[Provider.OPENAI].reply = '{"trend": "up", "confidence": 0.7}'

    trend = await llm.with_structured_output(Trend).ainvoke("EURUSD trend?")

    assert trend == Trend(trend="up", confidence=0.7)
    [sent] = gateway.api.upstreams[Provider.OPENAI].bodies()
    assert sent["response_format"]["type"] == "json_schema"
    assert sent["response_format"]["json_schema"]["name"] == "Trend"


async def test_plain_invoke(gateway: Gateway) -> None:
    llm = await _chat_model(gateway, "lc-plain@example.com")

    reply = await llm.ainvoke("How is EURUSD carry?")

    assert reply.content == REPLY
