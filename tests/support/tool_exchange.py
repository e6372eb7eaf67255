"""The ``quote`` tool exchange that the every-provider tests run (gateway and sessions alike):
the call each provider's stand-in makes, and how its answer must reach the provider again."""

from __future__ import annotations

from typing import Any

from domain.provider import Provider
from tests.support.wire import openai as openai_wire

REPLY = "Carry is positive; watch the ECB on Thursday."
ARGUMENTS = '{"pair": "EURUSD"}'
# The id each provider's model gives its call (Gemini gives none: BYOM makes one).
CALL_IDS = {
    Provider.OPENAI: "call_q1",
    Provider.OPENAI_COMPATIBLE: "call_q1",
    Provider.ANTHROPIC: "toolu_01Q1",
    Provider.GOOGLE: None,
}


def answer_reached(provider: Provider, sent: dict[str, Any], call_id: str) -> None:
    """The second request replays the call and its answer in the provider's own pairing."""
    if provider is Provider.ANTHROPIC:
        assert sent["messages"][1:] == [
            {
                "role": "assistant",
                "content": [
                    {
                        "type": "tool_use",
                        "id": call_id,
                        "name": "quote",
                        "input": {"pair": "EURUSD"},
                    }
                ],
            },
            {
                "role": "user",
                "content": [{"type": "tool_result", "tool_use_id": call_id, "content": "1.0842"}],
            },
        ]
    elif provider is Provider.GOOGLE:
        assert sent["contents"][1:] == [
            {
                "role": "model",
                "parts": [{"functionCall": {"name": "quote", "args": {"pair": "EURUSD"}}}],
            },
            {
                "role": "user",
                "parts": [
                    {"functionResponse": {"name": "quote", "response": {"result": "1.0842"}}}
                ],
            },
        ]
    else:
        turns = [m for m in sent["messages"] if m["role"] != "system"]
        assert turns[1]["tool_calls"] == [openai_wire.tool_call(call_id, "quote", ARGUMENTS)]
        assert turns[2] == {"role": "tool", "tool_call_id": call_id, "content": "1.0842"}
