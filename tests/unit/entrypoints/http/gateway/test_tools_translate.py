"""Tools, tool messages, images, response formats and sampling: OpenAI's wire <-> the domain."""

from __future__ import annotations

import base64
import json
from typing import Any

import msgspec
import pytest

from domain.content import ImagePart, TextPart
from domain.llm import ChatMessage, Completion, CompletionChunk, FinishReason, Role, Sampling, Usage
from domain.tools import (
    OutputFormat,
    OutputKind,
    Tool,
    ToolCall,
    ToolCallDelta,
    ToolChoice,
    ToolChoiceMode,
)
from entrypoints.http.gateway import wire
from entrypoints.http.gateway.errors import BadRequest
from entrypoints.http.gateway.replies import ChunkWriter, completion
from entrypoints.http.gateway.translate import relay_request

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
QUOTE = {
    "type": "function",
    "function": {
        "name": "quote",
        "description": "Latest price of a pair",
        "parameters": {
            "type": "object",
            "properties": {"pair": {"type": "string"}},
            "required": ["pair"],
        },
        "strict": True,
    },
}
CALL = {
    "id": "call_1",
    "type": "function",
    "function": {"name": "quote", "arguments": '{"pair": "EURUSD"}'},
}


def _body(**fields: Any) -> wire.ChatCompletionIn:
    raw = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}], **fields}
    return msgspec.convert(raw, wire.ChatCompletionIn)


def _encoded(value: object) -> Any:
    return msgspec.json.decode(msgspec.json.encode(value))


def test_a_tool_round_trip_translates() -> None:
    request = relay_request(
        _body(
            messages=[
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": "EURUSD?"},
                {"role": "assistant", "content": None, "tool_calls": [CALL]},
                {"role": "tool", "tool_call_id": "call_1", "content": "1.0842"},
            ],
            tools=[QUOTE],
            tool_choice="required",
            parallel_tool_calls=False,
        )
    )

    assert request.messages == (
        ChatMessage(Role.SYSTEM, "Be brief."),
        ChatMessage(Role.USER, "EURUSD?"),
        ChatMessage(
            Role.ASSISTANT, "", tool_calls=(ToolCall("call_1", "quote", '{"pair": "EURUSD"}'),)
        ),
        ChatMessage(Role.TOOL, "1.0842", tool_call_id="call_1", name="quote"),
    )
    assert request.tools == (
        Tool(
            "quote",
            QUOTE["function"]["parameters"],  # type: ignore[index]
            "Latest price of a pair",
            True,
        ),
    )
    assert request.tool_choice == ToolChoice(ToolChoiceMode.REQUIRED)
    assert request.parallel_tool_calls is False


def test_a_named_tool_choice_and_text_parts_of_a_tool_result() -> None:
    named = relay_request(
        _body(tools=[QUOTE], tool_choice={"type": "function", "function": {"name": "quote"}})
    )
    parts = relay_request(
        _body(
            messages=[
                {"role": "user", "content": "EURUSD?"},
                {"role": "assistant", "tool_calls": [CALL]},
                {
                    "role": "tool",
                    "tool_call_id": "call_1",
                    "content": [{"type": "text", "text": "1"}],
                },
            ]
        )
    )

    assert named.tool_choice == ToolChoice(ToolChoiceMode.REQUIRED, "quote")
    assert parts.messages[-1].text == "1"


def test_images_response_formats_and_sampling_translate() -> None:
    data_url = "data:image/png;base64," + base64.b64encode(PNG).decode()
    request = relay_request(
        _body(
            messages=[
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "What is on this chart?"},
                        {"type": "image_url", "image_url": {"url": data_url, "detail": "low"}},
                        {"type": "image_url", "image_url": {"url": "https://x.test/c.png"}},
                    ],
                }
            ],
            response_format={
                "type": "json_schema",
                "json_schema": {
                    "name": "trend",
                    "description": "Whether the chart trends up",
                    "schema": {"type": "object", "properties": {"up": {"type": "boolean"}}},
                    "strict": True,
                },
            },
            top_p=0.9,
            seed=7,
            frequency_penalty=0.1,
            presence_penalty=0.2,
            reasoning_effort="low",
            user="desk-7",
        )
    )

    assert request.messages[0].content == (
        TextPart("What is on this chart?"),
        ImagePart(media_type="image/png", data=PNG, detail="low"),
        ImagePart(url="https://x.test/c.png"),
    )
    assert request.output == OutputFormat(
        OutputKind.JSON_SCHEMA,
        {"type": "object", "properties": {"up": {"type": "boolean"}}},
        "trend",
        True,
        description="Whether the chart trends up",
    )
    assert request.sampling == Sampling(0.9, 7, 0.1, 0.2, "low", "desk-7")
    assert relay_request(_body(response_format={"type": "json_object"})).output == OutputFormat(
        OutputKind.JSON_OBJECT
    )
    assert relay_request(_body(response_format={"type": "text"})).output is None


@pytest.mark.parametrize(
    ("fields", "param", "pointer"),
    [
        ({"functions": [{"name": "quote"}]}, "functions", "tools"),
        ({"functions": [{"name": "quote"}], "tools": [QUOTE]}, "functions", "tools"),
        ({"function_call": {"name": "quote"}}, "function_call", "tool_choice"),
        ({"function_call": "auto", "tools": [QUOTE]}, "function_call", "tool_choice"),
    ],
)
def test_legacy_functions_are_refused_pointing_to_tools(
    fields: dict[str, Any], param: str, pointer: str
) -> None:
    with pytest.raises(BadRequest) as caught:
        relay_request(_body(**fields))

    assert caught.value.param == param
    assert f"use {pointer}" in caught.value.message or f"in {pointer}" in caught.value.message


def _tool_turns(*turns: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"role": "user", "content": "EURUSD?"}, *turns]


@pytest.mark.parametrize(
    ("fields", "param"),
    [
        (
            {"messages": _tool_turns({"role": "tool", "tool_call_id": "c9", "content": "1"})},
            "messages[1]",
        ),
        (
            {
                "messages": [
                    {"role": "system", "content": "Be brief."},
                    *_tool_turns(
                        {"role": "assistant", "tool_calls": [CALL]},
                        {"role": "user", "content": "well?"},
                    ),
                ]
            },
            "messages[3]",
        ),
        ({"messages": _tool_turns({"role": "tool", "content": "1"})}, "messages[1].tool_call_id"),
        (
            {
                "messages": _tool_turns(
                    {
                        "role": "assistant",
                        "tool_calls": [
                            {**CALL, "function": {"name": "quote", "arguments": "[1, 2]"}}
                        ],
                    }
                )
            },
            "messages[1].tool_calls[0].function.arguments",
        ),
        (
            {
                "messages": [
                    {
                        "role": "user",
                        "content": [
                            {"type": "image_url", "image_url": {"url": "data:image/png;base64,@@"}}
                        ],
                    }
                ]
            },
            "messages[0].content[0].image_url",
        ),
        (
            {
                "messages": [
                    {
                        "role": "user",
                        "content": [{"type": "image_url", "image_url": {"url": "http://x.test"}}],
                    }
                ]
            },
            "messages[0].content[0].image_url",
        ),
        (
            {
                "messages": [
                    {"role": "system", "content": [{"type": "image_url", "image_url": "https://x"}]}
                ]
            },
            "messages[0].content[0]",
        ),
        (
            {"tools": [{**QUOTE, "function": {"name": "quote", "parameters": {"type": "array"}}}]},
            "tools[0].function.parameters",
        ),
        ({"tools": [QUOTE, QUOTE]}, "tools[1].function.name"),
        ({"tools": [QUOTE], "tool_choice": "sometimes"}, "tool_choice"),
        (
            {"tools": [QUOTE], "tool_choice": {"type": "function", "function": {"name": "x"}}},
            "tool_choice",
        ),
        ({"response_format": {"type": "json_schema"}}, "response_format.json_schema"),
        (
            {
                "response_format": {
                    "type": "json_schema",
                    "json_schema": {"name": "x", "schema": {"type": "string"}},
                }
            },
            "response_format.json_schema.schema",
        ),
    ],
)
def test_malformed_exchanges_are_bad_requests_naming_the_param(
    fields: dict[str, Any], param: str
) -> None:
    with pytest.raises(BadRequest) as caught:
        relay_request(_body(**fields))
    assert caught.value.param == param


def test_a_null_text_part_is_refused_clearly_and_an_image_detail_is_one_of_three() -> None:
    content = [{"type": "text", "text": None}]
    with pytest.raises(BadRequest) as caught:
        relay_request(_body(messages=[{"role": "user", "content": content}]))
    image = {"type": "image_url", "image_url": {"url": "https://x.test/c.png", "detail": "max"}}

    assert caught.value.param == "messages[0].content[0].text"
    assert "needs a text string" in caught.value.message
    with pytest.raises(msgspec.ValidationError, match="detail"):
        _body(messages=[{"role": "user", "content": [image]}])


def test_a_reply_with_tool_calls_has_null_content_and_finishes_in_tool_calls() -> None:
    reply = Completion(
        "",
        "gpt-4o",
        Usage(3, 4),
        FinishReason.TOOL_CALLS,
        (ToolCall("call_1", "quote", '{"pair": "EURUSD"}'),),
    )

    out = _encoded(completion(reply, id_="c", created=1, model="gpt-4o"))
    text = _encoded(completion(Completion("hi", "m", Usage()), id_="c", created=1, model="m"))

    assert out["choices"][0] == {
        "index": 0,
        "message": {
            "content": None,
            "role": "assistant",
            "refusal": None,
            "tool_calls": [CALL],
        },
        "finish_reason": "tool_calls",
        "logprobs": None,
    }
    assert "tool_calls" not in text["choices"][0]["message"]


def test_streamed_tool_calls_carry_id_type_and_name_on_their_first_piece() -> None:
    writer = ChunkWriter(id_="c", created=1, model="m", include_usage=False)
    pieces = [
        CompletionChunk(tool_calls=(ToolCallDelta(0, "call_1", "quote", ""),)),
        CompletionChunk(tool_calls=(ToolCallDelta(0, arguments='{"pair":'),)),
        CompletionChunk(
            tool_calls=(ToolCallDelta(0, arguments='"EURUSD"}'), ToolCallDelta(1, "call_2", "news"))
        ),
    ]

    deltas = [_encoded(writer.content(p))["choices"][0]["delta"] for p in pieces]
    finish = _encoded(writer.finish(FinishReason.STOP))

    assert deltas == [
        {
            "tool_calls": [
                {
                    "index": 0,
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "quote", "arguments": ""},
                }
            ]
        },
        {"tool_calls": [{"index": 0, "function": {"arguments": '{"pair":'}}]},
        {
            "tool_calls": [
                {"index": 0, "function": {"arguments": '"EURUSD"}'}},
                {
                    "index": 1,
                    "id": "call_2",
                    "type": "function",
                    "function": {"name": "news", "arguments": ""},
                },
            ]
        },
    ]
    assert finish["choices"][0]["finish_reason"] == "tool_calls"
    assert json.loads('{"pair":' + '"EURUSD"}') == {"pair": "EURUSD"}


def test_a_tool_choice_without_tools_is_dropped_unless_it_requires_a_call() -> None:
    assert relay_request(_body(tool_choice="auto")).tool_choice is None
    assert relay_request(_body(tool_choice="none")).tool_choice is None
    with pytest.raises(BadRequest) as caught:
        relay_request(_body(tool_choice="required"))
    assert caught.value.param == "tool_choice"
