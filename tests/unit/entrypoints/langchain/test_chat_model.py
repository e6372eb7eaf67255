"""``ByomChatModel`` over the facade: the LLM factory's choice, recorded usage, tool turns."""

from __future__ import annotations

from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.tools import tool

from domain.llm import Role
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
