"""``ByomChatModel`` over the facade: the LLM factory's choice, recorded usage, tool turns."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.tools import tool

from domain.llm import Role, Sampling
from domain.provider import Provider
from domain.usage import UsageSource
from entrypoints.langchain import ByomChatModel
from tests.unit.entrypoints.langchain.test_standard import byom_world


@tool
def price(symbol: str) -> str:
    """The last price of a symbol."""
    return "1.08"


def test_a_tool_round_trip_names_the_choice_and_records_in_process_usage() -> None:
    world, byom, user_id = byom_world()
    model = ByomChatModel(byom=byom, user_id=user_id).bind_tools([price])

    asked = HumanMessage("Price of 'EURUSD'?")
    call = model.invoke([asked])
    assert isinstance(call, AIMessage)
    assert [(c["name"], c["args"]) for c in call.tool_calls] == [("price", {"symbol": "EURUSD"})]
    assert call.response_metadata["model_name"] == "model-a"
    assert call.response_metadata["byom_provider"] == "openai"
    assert call.usage_metadata is not None
    assert call.usage_metadata["total_tokens"] == 17

    answer = ToolMessage("1.08", tool_call_id=call.tool_calls[0]["id"] or "")
    final = model.invoke([asked, call, answer])
    assert final.content == "Hello from the fake model."
    sent = world.providers.by_provider[Provider.OPENAI].requests[-1]
    assert (sent.messages[-1].role, sent.messages[-1].name) == (Role.TOOL, "price")

    records = list(world.db.usage.values())
    assert [(r.source, r.input_tokens) for r in records] == [(UsageSource.IN_PROCESS, 12)] * 2


def test_sampling_fields_and_kwargs_reach_the_provider_and_a_call_kwarg_wins() -> None:
    world, byom, user_id = byom_world()
    model = ByomChatModel(
        byom=byom, user_id=user_id, top_p=0.5, seed=3, reasoning_effort="low", user="desk"
    )

    model.invoke("hi", frequency_penalty=0.1, presence_penalty=0.2, seed=9)
    sent = world.providers.by_provider[Provider.OPENAI].requests[-1]
    model.bind(top_p=0.25).invoke("again")
    bound = world.providers.by_provider[Provider.OPENAI].requests[-1]

    assert sent.sampling == Sampling(0.5, 9, 0.1, 0.2, "low", "desk")
    assert bound.sampling == Sampling(0.25, 3, None, None, "low", "desk")


def test_an_unknown_kwarg_is_refused_naming_it() -> None:
    world, byom, user_id = byom_world()
    model = ByomChatModel(byom=byom, user_id=user_id)

    with pytest.raises(ValueError, match="does not take logit_bias, n;"):
        model.invoke("hi", logit_bias={"1": 2}, n=2)
    assert world.providers.by_provider[Provider.OPENAI].requests == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"tools": [{"name": "price"}]}, r"tools\[0\] must be OpenAI-shaped"),
        ({"tools": [{"type": "function", "function": {}}]}, r"tools\[0\] must be OpenAI-shaped"),
        ({"response_format": {"type": "json_schema"}}, "json_schema needs"),
        ({"response_format": {"type": "json_schema", "json_schema": {}}}, "json_schema needs"),
        ({"tool_choice": {"type": "function", "function": {}}}, "tool_choice"),
    ],
)
def test_malformed_tool_and_output_dicts_are_value_errors(
    kwargs: dict[str, Any], message: str
) -> None:
    _, byom, user_id = byom_world()

    with pytest.raises(ValueError, match=message):
        ByomChatModel(byom=byom, user_id=user_id).invoke("hi", **kwargs)
