"""The Anthropic adapter beyond text, against the Messages API's real shapes: tools and tool
choice, the ``tool_use`` / ``tool_result`` pairing (a turn's results in one user message),
images, JSON output through a forced tool (returned as text), sampling, and what Anthropic
cannot do refused before any call."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from adapters.llm.anthropic_tools import HISTORY_TOOL_DESCRIPTION, OUTPUT_DESCRIPTION
from domain.content import ImagePart, TextPart
from domain.errors import UnsupportedFeature
from domain.llm import ChatMessage, CompletionChunk, FinishReason, Role, Sampling, Usage
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
from tests.support.wire import anthropic, sse

WEATHER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "unit": {"enum": ["c", "f"]}},
    "required": ["city"],
}
WEATHER = Tool("get_weather", WEATHER_SCHEMA, "The weather in a city")
TIME = Tool("get_time", {"properties": {"tz": {"type": "string"}}})
ANSWER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"answer": {"type": "string"}, "confidence": {"type": "number"}},
    "required": ["answer", "confidence"],
}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


def _harness(*events: Any) -> Harness:
    case = CASE["anthropic"]
    handlers = [
        sse_reply(sse.encode(e)) if isinstance(e, list) else reply(200, e) for e in events
    ] or [case.completion]
    return make_harness(case, *handlers)


WEATHER_WIRE = {
    "name": "get_weather",
    "description": "The weather in a city",
    "input_schema": WEATHER_SCHEMA,
}
TIME_WIRE = {"name": "get_time", "input_schema": {"type": "object", **TIME.parameters}}


@pytest.mark.parametrize(
    ("choice", "parallel", "expected"),
    [
        (None, None, None),
        (None, True, None),
        (None, False, {"type": "auto", "disable_parallel_tool_use": True}),
        (ToolChoice(ToolChoiceMode.AUTO), None, {"type": "auto"}),
        (ToolChoice(ToolChoiceMode.REQUIRED), None, {"type": "any"}),
        (
            ToolChoice(ToolChoiceMode.REQUIRED),
            False,
            {"type": "any", "disable_parallel_tool_use": True},
        ),
        (
            ToolChoice(ToolChoiceMode.REQUIRED, "get_time"),
            None,
            {"type": "tool", "name": "get_time"},
        ),
        (
            ToolChoice(ToolChoiceMode.REQUIRED, "get_time"),
            False,
            {"type": "tool", "name": "get_time", "disable_parallel_tool_use": True},
        ),
        (ToolChoice(ToolChoiceMode.NONE), False, {"type": "none"}),
    ],
)
async def test_tools_and_tool_choice_in_anthropics_shape(
    choice: ToolChoice | None, parallel: bool | None, expected: dict[str, Any] | None
) -> None:
    h = _harness()
    await h.complete(
        h.request(tools=(WEATHER, TIME), tool_choice=choice, parallel_tool_calls=parallel)
    )
    body = h.api.body()
    assert body["tools"] == [WEATHER_WIRE, TIME_WIRE]
    assert body.get("tool_choice") == expected


async def test_a_tool_choice_without_tools_sends_neither() -> None:
    h = _harness()
    await h.complete(
        h.request(tool_choice=ToolChoice(ToolChoiceMode.NONE), parallel_tool_calls=False)
    )
    assert "tools" not in h.api.body()
    assert "tool_choice" not in h.api.body()


async def test_a_conversation_with_calls_results_and_images_in_anthropics_pairing() -> None:
    h = _harness()
    messages = (
        ChatMessage(Role.USER, (TextPart("What is in this picture?"), ImagePart("image/png", PNG))),
        ChatMessage(
            Role.ASSISTANT,
            "A map. Checking the weather there.",
            tool_calls=(
                ToolCall("toolu_01A", "get_weather", '{"city": "Paris"}'),
                ToolCall("toolu_01B", "get_time", "{}"),
            ),
        ),
        ChatMessage(Role.TOOL, "18 C, cloudy", tool_call_id="toolu_01A", name="get_weather"),
        ChatMessage(Role.TOOL, "", tool_call_id="toolu_01B", name="get_time"),
        ChatMessage(Role.USER, "And this one?"),
        ChatMessage(
            Role.ASSISTANT, tool_calls=(ToolCall("toolu_02", "get_time", '{"tz": "UTC"}'),)
        ),
        ChatMessage(Role.TOOL, "12:00", tool_call_id="toolu_02", name="get_time"),
        ChatMessage(Role.ASSISTANT, "Noon."),
        ChatMessage(Role.USER, (ImagePart(url="https://example.com/b.jpg"), TextPart("Now?"))),
    )
    await h.complete(h.request(messages=messages, tools=(WEATHER, TIME)))
    assert h.api.body()["messages"] == [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "What is in this picture?"},
                {
                    "type": "image",
                    "source": {
                        "type": "base64",
                        "media_type": "image/png",
                        "data": base64.b64encode(PNG).decode(),
                    },
                },
            ],
        },
        {
            "role": "assistant",
            "content": [
                {"type": "text", "text": "A map. Checking the weather there."},
                anthropic.tool_use_block("toolu_01A", "get_weather", {"city": "Paris"}),
                anthropic.tool_use_block("toolu_01B", "get_time", {}),
            ],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "toolu_01A", "content": "18 C, cloudy"},
                {"type": "tool_result", "tool_use_id": "toolu_01B"},
                {"type": "text", "text": "And this one?"},
            ],
        },
        {
            "role": "assistant",
            "content": [anthropic.tool_use_block("toolu_02", "get_time", {"tz": "UTC"})],
        },
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": "toolu_02", "content": "12:00"}],
        },
        {"role": "assistant", "content": "Noon."},
        {
            "role": "user",
            "content": [
                {"type": "image", "source": {"type": "url", "url": "https://example.com/b.jpg"}},
                {"type": "text", "text": "Now?"},
            ],
        },
    ]


async def test_a_tool_use_reply_is_tool_calls() -> None:
    h = _harness(
        anthropic.tool_use_message(
            [
                anthropic.tool_use_block(
                    "toolu_01A", "get_weather", {"city": "Paris", "unit": "c"}
                ),
                anthropic.tool_use_block("toolu_01B", "get_time", {}),
            ],
            text="Let me look.",
        )
    )
    completion = await h.complete(h.request(tools=(WEATHER, TIME)))
    assert completion.text == "Let me look."
    assert completion.tool_calls == (
        ToolCall("toolu_01A", "get_weather", json.dumps({"city": "Paris", "unit": "c"})),
        ToolCall("toolu_01B", "get_time", "{}"),
    )
    assert completion.finish_reason is FinishReason.TOOL_CALLS
    assert completion.usage == Usage(40, 18)


async def test_streamed_tool_calls_come_as_deltas_indexed_among_the_calls() -> None:
    h = _harness(
        anthropic.tool_use_stream(
            [
                ("toolu_01A", "get_weather", ['{"ci', 'ty": "Par', 'is"}']),
                ("toolu_01B", "get_time", []),
            ],
            text=["Let me ", "look."],
        )
    )
    chunks = await h.stream(h.request(tools=(WEATHER, TIME)))
    assert "".join(c.delta for c in chunks) == "Let me look."
    deltas = [d for c in chunks for d in c.tool_calls]
    assert [(d.index, d.id, d.name) for d in deltas if d.id] == [
        (0, "toolu_01A", "get_weather"),
        (1, "toolu_01B", "get_time"),
    ]
    assert [d.arguments for d in deltas if d.arguments] == ['{"ci', 'ty": "Par', 'is"}']
    assert assemble_tool_calls(deltas) == (
        ToolCall("toolu_01A", "get_weather", '{"city": "Paris"}'),
        ToolCall("toolu_01B", "get_time", "{}"),
    )
    assert chunks[-1] == CompletionChunk(usage=Usage(40, 18), finish_reason=FinishReason.TOOL_CALLS)


JSON_SCHEMA_OUTPUT = OutputFormat(OutputKind.JSON_SCHEMA, ANSWER_SCHEMA, name="answer", strict=True)
FORCED_TOOL = {
    "tools": [{"name": "answer", "description": OUTPUT_DESCRIPTION, "input_schema": ANSWER_SCHEMA}],
    "tool_choice": {"type": "tool", "name": "answer", "disable_parallel_tool_use": True},
}
ANSWER = {"answer": "Paris", "confidence": 0.9}


async def test_json_schema_output_is_a_forced_tool_whose_input_is_the_reply_text() -> None:
    h = _harness(
        anthropic.tool_use_message([anthropic.tool_use_block("toolu_9", "answer", ANSWER)])
    )
    completion = await h.complete(h.request(output=JSON_SCHEMA_OUTPUT))
    body = h.api.body()
    assert {k: body[k] for k in ("tools", "tool_choice")} == FORCED_TOOL
    assert json.loads(completion.text) == ANSWER
    assert completion.tool_calls == ()
    assert completion.finish_reason is FinishReason.STOP


async def test_json_object_output_forces_a_tool_taking_any_object() -> None:
    h = _harness(
        anthropic.tool_use_message([anthropic.tool_use_block("toolu_9", "output", {"a": 1})])
    )
    completion = await h.complete(h.request(output=OutputFormat(OutputKind.JSON_OBJECT)))
    body = h.api.body()
    assert body["tools"] == [
        {"name": "output", "description": OUTPUT_DESCRIPTION, "input_schema": {"type": "object"}}
    ]
    assert body["tool_choice"] == {
        "type": "tool",
        "name": "output",
        "disable_parallel_tool_use": True,
    }
    assert completion.text == '{"a": 1}'
    assert completion.tool_calls == ()


async def test_a_text_output_sends_no_tool() -> None:
    h = _harness()
    await h.complete(h.request(output=OutputFormat(OutputKind.TEXT)))
    assert "tools" not in h.api.body()


async def test_streamed_json_output_comes_as_text_deltas() -> None:
    h = _harness(
        anthropic.tool_use_stream(
            [("toolu_9", "answer", ['{"answer": "Pa', 'ris", "confidence": 0.9}'])]
        )
    )
    chunks = await h.stream(h.request(output=JSON_SCHEMA_OUTPUT))
    assert [c.delta for c in chunks if c.delta] == ['{"answer": "Pa', 'ris", "confidence": 0.9}']
    assert json.loads("".join(c.delta for c in chunks)) == ANSWER
    assert all(not c.tool_calls for c in chunks)
    assert chunks[-1] == CompletionChunk(usage=Usage(40, 18), finish_reason=FinishReason.STOP)
    assert {k: h.api.body()[k] for k in ("tools", "tool_choice")} == FORCED_TOOL


async def test_a_streamed_json_output_with_an_empty_input_is_an_empty_object() -> None:
    h = _harness(anthropic.tool_use_stream([("toolu_9", "output", [])]))
    chunks = await h.stream(h.request(output=OutputFormat(OutputKind.JSON_OBJECT)))
    assert "".join(c.delta for c in chunks) == "{}"


async def test_top_p_and_user_are_forwarded() -> None:
    h = _harness()
    await h.complete(h.request(sampling=Sampling(top_p=0.9, user="user-7f3a")))
    body = h.api.body()
    assert body["top_p"] == 0.9
    assert body["metadata"] == {"user_id": "user-7f3a"}


async def test_a_plain_request_sends_none_of_the_new_fields() -> None:
    h = _harness()
    await h.complete()
    assert not {"tools", "tool_choice", "top_p", "metadata"} & set(h.api.body())


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"sampling": Sampling(seed=7)}, "seed"),
        ({"sampling": Sampling(frequency_penalty=0.5)}, "frequency_penalty"),
        ({"sampling": Sampling(presence_penalty=0.5)}, "presence_penalty"),
        ({"sampling": Sampling(reasoning_effort="high")}, "reasoning_effort"),
        ({"tools": (Tool("weather.get", WEATHER_SCHEMA),)}, "tools[0].function.name"),
        ({"tools": (WEATHER,), "output": JSON_SCHEMA_OUTPUT}, "response_format"),
        ({"tools": (WEATHER,), "output": OutputFormat(OutputKind.JSON_OBJECT)}, "response_format"),
    ],
)
@pytest.mark.parametrize("streamed", [False, True])
async def test_what_anthropic_cannot_do_is_refused_before_any_call(
    overrides: dict[str, Any], field: str, streamed: bool
) -> None:
    h = _harness()
    call = h.stream if streamed else h.complete
    with pytest.raises(UnsupportedFeature) as refused:
        await call(h.request(**overrides))
    assert refused.value.field == field
    assert refused.value.provider == "anthropic"
    assert "Anthropic" in str(refused.value)
    assert h.api.requests == []


async def test_a_history_with_calls_but_no_tools_declares_the_tools_it_names() -> None:
    """Anthropic refuses tool_use / tool_result blocks in a request without ``tools``: the
    tools named by the history are declared (any object input) and none may be called."""
    h = _harness()
    messages = (
        ChatMessage(Role.USER, "Weather in Paris?"),
        ChatMessage(
            Role.ASSISTANT,
            "",
            tool_calls=(
                # a signature is Gemini's own: Anthropic never sees it
                ToolCall("toolu_01A", "get_weather", '{"city": "Paris"}', signature="c2ln"),
                ToolCall("toolu_01B", "get_weather", '{"city": "Lyon"}'),
            ),
        ),
        ChatMessage(Role.TOOL, '{"temp_c": 21}', tool_call_id="toolu_01A"),
        ChatMessage(Role.TOOL, '{"temp_c": 23}', tool_call_id="toolu_01B"),
    )
    await h.complete(h.request(messages=messages, system=None, max_tokens=100, temperature=None))
    assert h.api.body() == {
        "model": "claude-sonnet-4-5-20250929",
        "max_tokens": 100,
        "messages": [
            {"role": "user", "content": "Weather in Paris?"},
            {
                "role": "assistant",
                "content": [
                    {
                        "type": "tool_use",
                        "id": "toolu_01A",
                        "name": "get_weather",
                        "input": {"city": "Paris"},
                    },
                    {
                        "type": "tool_use",
                        "id": "toolu_01B",
                        "name": "get_weather",
                        "input": {"city": "Lyon"},
                    },
                ],
            },
            {
                "role": "user",
                "content": [
                    {
                        "type": "tool_result",
                        "tool_use_id": "toolu_01A",
                        "content": '{"temp_c": 21}',
                    },
                    {
                        "type": "tool_result",
                        "tool_use_id": "toolu_01B",
                        "content": '{"temp_c": 23}',
                    },
                ],
            },
        ],
        "tools": [
            {
                "name": "get_weather",
                "input_schema": {"type": "object"},
                "description": HISTORY_TOOL_DESCRIPTION,
            }
        ],
        "tool_choice": {"type": "none"},
    }


async def test_a_history_tool_name_anthropic_refuses_is_refused_before_any_call() -> None:
    h = _harness()
    messages = (
        ChatMessage(Role.USER, "Weather?"),
        ChatMessage(Role.ASSISTANT, "", tool_calls=(ToolCall("c1", "weather.get", "{}"),)),
        ChatMessage(Role.TOOL, "sunny", tool_call_id="c1"),
    )
    with pytest.raises(UnsupportedFeature) as refused:
        await h.complete(h.request(messages=messages))
    assert refused.value.field == "messages[1].tool_calls[0].function.name"
    assert h.api.requests == []


async def test_a_tool_use_without_an_id_gets_a_fresh_unique_one() -> None:
    block = anthropic.tool_use_block("", "get_time", {})
    h = _harness(anthropic.tool_use_message([block]), anthropic.tool_use_message([block]))
    first = (await h.complete(h.request(tools=(TIME,)))).tool_calls[0].id
    again = (await h.complete(h.request(tools=(TIME,)))).tool_calls[0].id
    assert first != again
    assert first.startswith("call_")
    assert len(first) == len("call_") + 32
