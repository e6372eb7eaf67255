"""Gemini's own wire for tools, tool results, images, JSON output and sampling: the exact
request JSON, functionCall replies given stable ids, streamed calls, and what Gemini cannot take
refused before any call."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from domain.content import ImagePart, TextPart
from domain.errors import UnsupportedFeature
from domain.llm import ChatMessage, FinishReason, Role, Sampling
from domain.tools import (
    OutputFormat,
    OutputKind,
    Tool,
    ToolCall,
    ToolChoice,
    ToolChoiceMode,
    assemble_tool_calls,
)
from tests.support.fake_http_api import reply, sse_reply
from tests.support.llm_contract import CASE, Harness, make_harness
from tests.support.wire import gemini, sse

WEATHER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"city": {"type": "string", "description": "City name"}},
    "required": ["city"],
    "additionalProperties": False,
}
WEATHER = Tool("get_weather", WEATHER_SCHEMA, "The weather in a city")
TIME = Tool("get_time", {"type": "object", "properties": {}})
CALLS = [("get_weather", {"city": "Paris"}), ("get_time", {})]
PNG = b"\x89PNG\r\n\x1a\n-a-tiny-image"


def _harness(*replies: Any) -> Harness:
    case = CASE["gemini"]
    return make_harness(case, *(replies or (case.completion,)))


async def test_tools_and_each_tool_choice_in_geminis_wire() -> None:
    h = _harness()
    choices = [
        (None, None),
        (ToolChoice(ToolChoiceMode.AUTO), {"mode": "AUTO"}),
        (ToolChoice(ToolChoiceMode.NONE), {"mode": "NONE"}),
        (ToolChoice(ToolChoiceMode.REQUIRED), {"mode": "ANY"}),
        (
            ToolChoice(ToolChoiceMode.REQUIRED, "get_time"),
            {"mode": "ANY", "allowedFunctionNames": ["get_time"]},
        ),
    ]
    for choice, _ in choices:
        await h.complete(h.request(tools=(WEATHER, TIME), tool_choice=choice))
    for n, (_, expected) in enumerate(choices):
        body = h.api.body(n)
        assert body["tools"] == [
            {
                "functionDeclarations": [
                    {
                        "name": "get_weather",
                        "description": "The weather in a city",
                        "parametersJsonSchema": WEATHER_SCHEMA,
                    },
                    {
                        "name": "get_time",
                        "parametersJsonSchema": {"type": "object", "properties": {}},
                    },
                ]
            }
        ]
        if expected is None:
            assert "toolConfig" not in body
        else:
            assert body["toolConfig"] == {"functionCallingConfig": expected}


async def test_a_function_call_reply_gets_stable_ids_and_ends_in_tool_calls() -> None:
    h = _harness(reply(200, gemini.function_calls(CALLS, text="Let me look.")))
    first = await h.complete(h.request(tools=(WEATHER, TIME)))
    again = await h.complete(h.request(tools=(WEATHER, TIME)))
    assert first.finish_reason is FinishReason.TOOL_CALLS
    assert first.text == "Let me look."
    assert [(c.name, json.loads(c.arguments)) for c in first.tool_calls] == [
        ("get_weather", {"city": "Paris"}),
        ("get_time", {}),
    ]
    ids = [c.id for c in first.tool_calls]
    assert ids == [c.id for c in again.tool_calls]  # the same reply, the same ids
    assert len(set(ids)) == 2
    assert all(i.startswith("call_") for i in ids)
    other = _harness(reply(200, gemini.function_calls(CALLS, response_id="another-response")))
    assert set(ids).isdisjoint(c.id for c in (await other.complete()).tool_calls)


async def test_streamed_calls_become_deltas_indexed_across_the_stream() -> None:
    events = gemini.function_call_stream(CALLS)
    h = _harness(sse_reply(sse.encode(events, crlf=True)), reply(200, gemini.function_calls(CALLS)))
    chunks = await h.stream(h.request(tools=(WEATHER, TIME)))
    deltas = [d for c in chunks for d in c.tool_calls]
    assert [(d.index, d.name, d.arguments) for d in deltas] == [
        (0, "get_weather", '{"city": "Paris"}'),
        (1, "get_time", "{}"),
    ]
    assert chunks[-1].finish_reason is FinishReason.TOOL_CALLS
    streamed = assemble_tool_calls(deltas)
    completed = await h.complete(h.request(tools=(WEATHER, TIME)))
    assert streamed == completed.tool_calls  # one reply, streamed or not: the same calls and ids


async def test_history_replays_calls_as_model_turns_and_answers_as_function_responses() -> None:
    h = _harness()
    calls = (
        ToolCall("call_a", "get_weather", '{"city": "Paris"}', signature="c2lnLWE="),
        ToolCall("call_b", "get_time", "{}"),
    )
    messages = (
        ChatMessage(Role.USER, "Weather and time?"),
        ChatMessage(Role.ASSISTANT, "Checking.", tool_calls=calls),
        # answered out of order, with no names: matched back by id to position and name
        ChatMessage(Role.TOOL, "12:00", tool_call_id="call_b"),
        ChatMessage(Role.TOOL, '{"temp_c": 21}', tool_call_id="call_a"),
        ChatMessage(Role.USER, "Thanks"),
    )
    await h.complete(h.request(messages=messages, tools=(WEATHER, TIME), system=None))
    assert h.api.body()["contents"] == [
        {"role": "user", "parts": [{"text": "Weather and time?"}]},
        {
            "role": "model",
            "parts": [
                {"text": "Checking."},
                {
                    "functionCall": {"name": "get_weather", "args": {"city": "Paris"}},
                    "thoughtSignature": "c2lnLWE=",  # given back as it came, beside the call
                },
                {"functionCall": {"name": "get_time"}},  # args are optional: {} is left out
            ],
        },
        {  # the answers, then the user's text: ONE user content (user and model alternate)
            "role": "user",
            "parts": [
                {"functionResponse": {"name": "get_weather", "response": {"temp_c": 21}}},
                {"functionResponse": {"name": "get_time", "response": {"result": "12:00"}}},
                {"text": "Thanks"},
            ],
        },
    ]


async def test_answers_then_a_model_turn_stay_apart() -> None:
    h = _harness()
    call = ToolCall("call_a", "get_time", "{}")
    messages = (
        ChatMessage(Role.USER, "Time?"),
        ChatMessage(Role.ASSISTANT, "", tool_calls=(call,)),
        ChatMessage(Role.TOOL, "12:00", tool_call_id="call_a"),
        ChatMessage(Role.ASSISTANT, "It is noon."),
        ChatMessage(Role.USER, "Thanks"),
    )
    await h.complete(h.request(messages=messages, tools=(TIME,), system=None))
    assert [(c["role"], len(c["parts"])) for c in h.api.body()["contents"]] == [
        ("user", 1),
        ("model", 1),
        ("user", 1),
        ("model", 1),
        ("user", 1),
    ]


SIGNED = [("get_weather", {"city": "Paris"}, "CiQBjz1rX2Vz"), ("get_time", {}, None)]


async def test_a_calls_thought_signature_is_kept_streamed_or_not() -> None:
    events = gemini.signed_function_call_stream(SIGNED)
    h = _harness(reply(200, gemini.signed_function_calls(SIGNED)), sse_reply(sse.encode(events)))
    completed = await h.complete(h.request(tools=(WEATHER, TIME)))
    assert [(c.name, c.signature) for c in completed.tool_calls] == [
        ("get_weather", "CiQBjz1rX2Vz"),
        ("get_time", None),
    ]
    chunks = await h.stream(h.request(tools=(WEATHER, TIME)))
    deltas = [d for c in chunks for d in c.tool_calls]
    assert [d.signature for d in deltas] == ["CiQBjz1rX2Vz", None]
    assert assemble_tool_calls(deltas) == completed.tool_calls


async def test_without_a_response_id_calls_get_fresh_ids() -> None:
    body = gemini.signed_function_calls([("get_time", {}, None)], response_id=None)
    h = _harness(reply(200, body))
    first = await h.complete(h.request(tools=(TIME,)))
    again = await h.complete(h.request(tools=(TIME,)))
    (one,), (two,) = first.tool_calls, again.tool_calls
    assert one.id != two.id  # a conversation's call ids must be unique
    assert one.id.startswith("call_")
    assert len(one.id) == len("call_") + 32


@pytest.mark.parametrize("finish", ["MALFORMED_FUNCTION_CALL", "UNEXPECTED_TOOL_CALL"])
async def test_a_failed_function_call_ends_in_other_not_tool_calls(finish: str) -> None:
    body = gemini.failed_function_call(finish)
    h = _harness(reply(200, body), sse_reply(sse.encode([sse.data(body)])))
    completed = await h.complete(h.request(tools=(WEATHER,)))
    assert (completed.finish_reason, completed.tool_calls) == (FinishReason.OTHER, ())
    chunks = await h.stream(h.request(tools=(WEATHER,)))
    assert chunks[-1].finish_reason is FinishReason.OTHER
    assert not [d for c in chunks for d in c.tool_calls]


async def test_an_inline_image_is_inline_data() -> None:
    h = _harness()
    image = ImagePart(media_type="image/png", data=PNG)
    message = ChatMessage(Role.USER, (TextPart("What is this?"), image))
    await h.complete(h.request(messages=(message,)))
    assert h.api.body()["contents"] == [
        {
            "role": "user",
            "parts": [
                {"text": "What is this?"},
                {"inlineData": {"mimeType": "image/png", "data": base64.b64encode(PNG).decode()}},
            ],
        }
    ]


async def test_json_output_with_and_without_a_schema() -> None:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {"answer": {"type": "string"}, "n": {"type": "integer", "minimum": 0}},
        "required": ["answer"],
    }
    h = _harness(reply(200, gemini.response(['{"answer": "yes"}'])))
    await h.complete(h.request(output=OutputFormat(OutputKind.JSON_OBJECT)))
    done = await h.complete(h.request(output=OutputFormat(OutputKind.JSON_SCHEMA, schema)))
    await h.complete(h.request(output=OutputFormat(OutputKind.TEXT)))
    assert h.api.body(0)["generationConfig"] == {
        "maxOutputTokens": 64,
        "temperature": 0.2,
        "responseMimeType": "application/json",
    }
    assert h.api.body(1)["generationConfig"] == {
        "maxOutputTokens": 64,
        "temperature": 0.2,
        "responseMimeType": "application/json",
        "responseJsonSchema": schema,
    }
    assert "responseMimeType" not in h.api.body(2)["generationConfig"]
    assert done.text == '{"answer": "yes"}'
    assert done.tool_calls == ()


async def test_sampling_goes_in_generation_config() -> None:
    h = _harness()
    sampling = Sampling(
        top_p=0.9,
        seed=7,
        frequency_penalty=0.5,
        presence_penalty=-0.5,
        reasoning_effort="medium",
        user="end-user-1",
    )
    await h.complete(h.request(sampling=sampling))
    body = h.api.body()
    assert body["generationConfig"] == {
        "maxOutputTokens": 64,
        "temperature": 0.2,
        "topP": 0.9,
        "seed": 7,
        "frequencyPenalty": 0.5,
        "presencePenalty": -0.5,
        "thinkingConfig": {"thinkingBudget": 8192},
    }
    assert "end-user-1" not in h.api.requests[0].content.decode()  # user: not forwarded


REFUSED: list[tuple[str, dict[str, Any], str]] = [
    (
        "an image by URL",
        {"messages": (ChatMessage(Role.USER, (ImagePart(url="https://example.com/a.png"),)),)},
        "messages[0].content[0].image_url",
    ),
    (
        "no parallel calls",
        {"tools": (WEATHER,), "parallel_tool_calls": False},
        "parallel_tool_calls",
    ),
    (
        "a schema keyword Gemini ignores",
        {
            "output": OutputFormat(
                OutputKind.JSON_SCHEMA,
                {"type": "object", "properties": {"code": {"type": "string", "pattern": "^A"}}},
            )
        },
        "response_format.json_schema.schema.properties.code",
    ),
    (
        "a tool schema keyword Gemini ignores",
        {"tools": (Tool("t", {"type": "object", "allOf": []}),)},
        "tools[0].function.parameters",
    ),
    (
        "an effort Gemini has no budget for",
        {"sampling": Sampling(reasoning_effort="minimal")},
        "reasoning_effort",
    ),
    (
        "an effort on a model without a thinking budget",
        {"sampling": Sampling(reasoning_effort="high"), "model": "gemini-2.0-flash"},
        "reasoning_effort",
    ),
]


@pytest.mark.parametrize(
    ("overrides", "field"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED]
)
async def test_what_gemini_cannot_take_is_refused_before_any_call(
    overrides: dict[str, Any], field: str
) -> None:
    h = _harness()
    with pytest.raises(UnsupportedFeature) as refused:
        await h.complete(h.request(**overrides))
    with pytest.raises(UnsupportedFeature):
        await h.stream(h.request(**overrides))
    assert refused.value.provider == "google"
    assert refused.value.field == field
    assert field in str(refused.value)
    assert "Gemini" in str(refused.value)
    assert h.api.requests == []


async def test_an_image_url_names_the_data_url_way() -> None:
    h = _harness()
    message = ChatMessage(Role.USER, (ImagePart(url="https://example.com/a.png"),))
    with pytest.raises(UnsupportedFeature, match="Gemini takes images inline: send a data: URL"):
        await h.complete(h.request(messages=(message,)))
