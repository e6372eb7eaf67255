"""``python -m tests.support.standin`` (``make standin``), the stand-in the README starts: once it
accepts connections it prints one line saying where it listens and how to point BYOM at it."""

from __future__ import annotations

import json
from typing import Any

import httpx
from litestar.testing import TestClient

from tests.support.live_server import standin_served
from tests.support.standin import app


def test_the_standin_says_where_it_listens_once_it_accepts_connections() -> None:
    with standin_served() as standin:
        assert standin.ready_line == (
            f"OpenAI stand-in listening on {standin.base_url}; "
            f"point BYOM at it: BYOM_OPENAI_BASE_URL={standin.base_url}"
        )
        # Printed only once it accepts: the very next request is answered.
        models = httpx.get(
            f"{standin.base_url}/models", headers={"authorization": "Bearer sk-test"}
        )
        assert models.status_code == 200
        assert "gpt-4o-mini" in {m["id"] for m in models.json()["data"]}


# What an integrator tries first through the gateway on the stand-in: a tool call, the client's
# tool loop (an assistant turn with null content, then the result), and structured output.
KEY = {"authorization": "Bearer sk-test"}
PRICE = {
    "type": "function",
    "function": {
        "name": "get_price",
        "parameters": {
            "type": "object",
            "properties": {"symbol": {"type": "string"}, "days": {"type": "integer"}},
            "required": ["symbol", "days"],
        },
    },
}


def _chat(**body: object) -> dict[str, Any]:
    with TestClient(app) as client:
        answer = client.post(
            "/v1/chat/completions", json={"model": "gpt-4o-mini", **body}, headers=KEY
        )
    assert answer.status_code == 200, answer.text
    reply: dict[str, Any] = answer.json()["choices"][0]
    return reply


def test_asked_with_tools_the_standin_calls_the_first_with_arguments_of_its_schema() -> None:
    reply = _chat(messages=[{"role": "user", "content": "Price AAPL"}], tools=[PRICE])

    assert reply["finish_reason"] == "tool_calls"
    (call,) = reply["message"]["tool_calls"]
    assert call["function"]["name"] == "get_price"
    assert json.loads(call["function"]["arguments"]) == {"symbol": "standin", "days": 1}


def test_the_tool_loop_ends_with_text_once_the_results_are_sent() -> None:
    call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "get_price", "arguments": "{}"},
    }
    messages = [
        {"role": "user", "content": [{"type": "text", "text": "Price AAPL"}]},
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "call_1", "content": "190.1"},
    ]

    reply = _chat(messages=messages, tools=[PRICE])

    assert reply["message"]["content"] == "You said: Price AAPL"


def test_asked_for_a_json_schema_the_standin_answers_json_of_that_shape() -> None:
    schema = {
        "type": "object",
        "properties": {"pair": {"type": "string"}, "view": {"$ref": "#/$defs/View"}},
        "$defs": {"View": {"enum": ["long", "short"]}},
    }
    wanted = {"type": "json_schema", "json_schema": {"name": "v", "schema": schema}}

    reply = _chat(messages=[{"role": "user", "content": "view"}], response_format=wanted)

    assert json.loads(reply["message"]["content"]) == {"pair": "standin", "view": "long"}
