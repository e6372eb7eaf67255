"""Tools, structured output, images and sampling in OpenAI's Chat Completions wire, for the
OpenAI adapter and the OpenAI-compatible one (same wire): the exact JSON sent, and tool calls,
refusals and JSON read back from replies and streams (tests.support.wire.openai)."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from domain.content import TextPart, image_from_url
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
from tests.support.llm_contract import CASE, Case, Harness, make_harness
from tests.support.wire import openai, sse

OPENAI_SHAPED = [CASE["openai"], CASE["openai_compatible"]]
PNG = "data:image/png;base64,iVBORw0KGgo="
PHOTO = "https://upload.wikimedia.org/wikipedia/commons/thumb/d/dd/Gfp-wisconsin-madison.jpg"
WEATHER = Tool(
    "get_weather",
    openai.WEATHER_PARAMETERS,
    description="Get current temperature for a given location.",
    strict=True,
)
TIME = Tool("get_time", {"type": "object", "properties": {"zone": {"type": "string"}}})
LOOKUP = ToolCall("call_Ab12", "get_weather", '{"location":"Paris, France","unit":"celsius"}')
CLOCK = ToolCall("call_Cd34", "get_time", '{"zone":"Europe/Paris"}')


@pytest.fixture(params=OPENAI_SHAPED, ids=[c.name for c in OPENAI_SHAPED])
def case(request: pytest.FixtureRequest) -> Case:
    chosen: Case = request.param
    return chosen


def _completion_harness(case: Case, body: dict[str, Any] | None = None) -> Harness:
    return make_harness(case, reply(200, body or openai.completion("Hello there")))


async def _sent(case: Case, **overrides: Any) -> dict[str, Any]:
    h = _completion_harness(case)
    await h.complete(h.request(**overrides))
    sent: dict[str, Any] = h.api.body()
    return sent


# --- requests ---------------------------------------------------------------------------------


async def test_tools_are_sent_as_function_tools(case: Case) -> None:
    body = await _sent(case, tools=(WEATHER, TIME))
    assert body["tools"] == [
        openai.function_tool(
            "get_weather",
            openai.WEATHER_PARAMETERS,
            "Get current temperature for a given location.",
            strict=True,
        ),
        openai.function_tool(
            "get_time", {"type": "object", "properties": {"zone": {"type": "string"}}}
        ),
    ]
    assert "tool_choice" not in body
    assert "parallel_tool_calls" not in body


@pytest.mark.parametrize(
    ("choice", "wire"),
    [
        (ToolChoice(ToolChoiceMode.AUTO), "auto"),
        (ToolChoice(ToolChoiceMode.NONE), "none"),
        (ToolChoice(ToolChoiceMode.REQUIRED), "required"),
        (
            ToolChoice(ToolChoiceMode.REQUIRED, "get_time"),
            {"type": "function", "function": {"name": "get_time"}},
        ),
    ],
)
async def test_each_tool_choice_in_openais_terms(
    case: Case, choice: ToolChoice, wire: str | dict[str, Any]
) -> None:
    body = await _sent(case, tools=(WEATHER, TIME), tool_choice=choice)
    assert body["tool_choice"] == wire


@pytest.mark.parametrize("parallel", [True, False])
async def test_parallel_tool_calls_goes_with_the_tools(case: Case, parallel: bool) -> None:
    body = await _sent(case, tools=(WEATHER,), parallel_tool_calls=parallel)
    assert body["parallel_tool_calls"] is parallel


async def test_without_tools_no_tool_field_is_sent(case: Case) -> None:
    """OpenAI refuses ``tool_choice`` and ``parallel_tool_calls`` without ``tools`` (and
    without tools neither changes anything)."""
    body = await _sent(case, tool_choice=ToolChoice(ToolChoiceMode.NONE), parallel_tool_calls=False)
    assert not {"tools", "tool_choice", "parallel_tool_calls"} & body.keys()


async def test_json_object_output_is_a_json_object_response_format(case: Case) -> None:
    body = await _sent(case, output=OutputFormat(OutputKind.JSON_OBJECT))
    assert body["response_format"] == {"type": "json_object"}


async def test_json_schema_output_is_a_json_schema_response_format(case: Case) -> None:
    schema = {
        "type": "object",
        "properties": {"city": {"type": "string"}, "celsius": {"type": "number"}},
        "required": ["city", "celsius"],
        "additionalProperties": False,
    }
    output = OutputFormat(
        OutputKind.JSON_SCHEMA, schema, name="weather", strict=True, description="Today's weather"
    )
    body = await _sent(case, output=output)
    assert body["response_format"] == {
        "type": "json_schema",
        "json_schema": {
            "name": "weather",
            "description": "Today's weather",
            "schema": schema,
            "strict": True,
        },
    }
    loose = await _sent(case, output=OutputFormat(OutputKind.JSON_SCHEMA, schema))
    assert loose["response_format"]["json_schema"] == {"name": "output", "schema": schema}


async def test_text_output_sends_no_response_format(case: Case) -> None:
    body = await _sent(case, output=OutputFormat(OutputKind.TEXT))
    assert "response_format" not in body


async def test_images_are_image_url_parts_by_data_url_and_by_https_url(case: Case) -> None:
    question = ChatMessage(
        Role.USER,
        (
            TextPart("What is in these images?"),
            image_from_url(PNG),
            image_from_url(PHOTO, detail="high"),
        ),
    )
    body = await _sent(case, messages=(question,), system=None)
    assert body["messages"] == [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "What is in these images?"},
                {"type": "image_url", "image_url": {"url": PNG}},
                {"type": "image_url", "image_url": {"url": PHOTO, "detail": "high"}},
            ],
        }
    ]


async def test_an_image_outside_a_user_message_is_refused_before_any_call(case: Case) -> None:
    h = _completion_harness(case)
    turns = (
        ChatMessage(Role.USER, "Draw"),
        ChatMessage(Role.ASSISTANT, (image_from_url(PNG),)),
        ChatMessage(Role.USER, "Again"),
    )
    with pytest.raises(UnsupportedFeature) as refused:
        await h.complete(h.request(messages=turns))
    assert refused.value.field == "messages[1].content"
    assert refused.value.provider == case.provider
    assert h.api.requests == []


async def test_a_tool_round_trip_replays_calls_and_results(case: Case) -> None:
    turns = (
        ChatMessage(Role.USER, "Weather and time in Paris?"),
        # a signature is Gemini's own: OpenAI never sees it
        ChatMessage(Role.ASSISTANT, tool_calls=(replace(LOOKUP, signature="c2ln"), CLOCK)),
        ChatMessage(Role.TOOL, '{"celsius": 14}', tool_call_id="call_Ab12", name="get_weather"),
        ChatMessage(Role.TOOL, "09:30", tool_call_id="call_Cd34", name="get_time"),
        ChatMessage(Role.ASSISTANT, "Let me check tomorrow too.", tool_calls=(LOOKUP,)),
        ChatMessage(Role.TOOL, '{"celsius": 17}', tool_call_id="call_Ab12"),
    )
    body = await _sent(case, messages=turns, tools=(WEATHER, TIME), system=None)
    assert body["messages"] == [
        {"role": "user", "content": "Weather and time in Paris?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                openai.tool_call("call_Ab12", "get_weather", LOOKUP.arguments),
                openai.tool_call("call_Cd34", "get_time", CLOCK.arguments),
            ],
        },
        {"role": "tool", "content": '{"celsius": 14}', "tool_call_id": "call_Ab12"},
        {"role": "tool", "content": "09:30", "tool_call_id": "call_Cd34"},
        {
            "role": "assistant",
            "content": "Let me check tomorrow too.",
            "tool_calls": [openai.tool_call("call_Ab12", "get_weather", LOOKUP.arguments)],
        },
        {"role": "tool", "content": '{"celsius": 17}', "tool_call_id": "call_Ab12"},
    ]


@pytest.mark.parametrize(
    ("sampling", "field", "value"),
    [
        (Sampling(top_p=0.9), "top_p", 0.9),
        (Sampling(seed=42), "seed", 42),
        (Sampling(frequency_penalty=0.5), "frequency_penalty", 0.5),
        (Sampling(presence_penalty=-0.5), "presence_penalty", -0.5),
        (Sampling(reasoning_effort="low"), "reasoning_effort", "low"),
        (Sampling(user="user-1234"), "user", "user-1234"),
    ],
)
async def test_each_sampling_parameter_is_forwarded(
    case: Case, sampling: Sampling, field: str, value: object
) -> None:
    body = await _sent(case, sampling=sampling)
    assert body[field] == value
    others = {"top_p", "seed", "frequency_penalty", "presence_penalty", "reasoning_effort", "user"}
    assert not (others - {field}) & body.keys()


async def test_a_stream_request_carries_tools_and_output_too(case: Case) -> None:
    h = make_harness(case, sse_reply(sse.encode(openai.stream(["{}"]))))
    request = h.request(
        tools=(WEATHER,),
        tool_choice=ToolChoice(ToolChoiceMode.REQUIRED),
        output=OutputFormat(OutputKind.JSON_OBJECT),
        sampling=Sampling(seed=7),
    )
    await h.stream(request)
    body = h.api.body()
    assert body["stream"] is True
    assert body["tools"][0]["function"]["name"] == "get_weather"
    assert body["tool_choice"] == "required"
    assert body["response_format"] == {"type": "json_object"}
    assert body["seed"] == 7


# --- replies ----------------------------------------------------------------------------------


async def test_a_reply_of_tool_calls_is_a_completion_with_calls(case: Case) -> None:
    body = openai.tool_calls_completion(
        openai.tool_call("call_Ab12", "get_weather", LOOKUP.arguments),
        openai.tool_call("call_Cd34", "get_time", CLOCK.arguments),
    )
    h = _completion_harness(case, body)
    completion = await h.complete(h.request(tools=(WEATHER, TIME)))
    assert completion.text == ""
    assert completion.tool_calls == (LOOKUP, CLOCK)
    assert completion.finish_reason is FinishReason.TOOL_CALLS
    assert completion.usage == Usage(82, 17)


async def test_calls_a_compatible_server_ends_with_stop_still_end_in_tool_calls() -> None:
    """Some servers (older Ollama) end a turn of calls with ``stop``, give no id, or send the
    arguments as an object."""
    call = {"type": "function", "function": {"name": "get_time", "arguments": {"zone": "UTC"}}}
    body = openai.tool_calls_completion(call, finish="stop")
    h = make_harness(CASE["openai_compatible"], reply(200, body), reply(200, body))
    completion = await h.complete()
    (made,) = completion.tool_calls
    assert (made.name, made.arguments) == ("get_time", '{"zone": "UTC"}')
    assert completion.finish_reason is FinishReason.TOOL_CALLS
    # an invented id is unique (a conversation's ids must be), not the call's position
    assert made.id.startswith("call_")
    assert len(made.id) == len("call_") + 32
    assert (await h.complete()).tool_calls[0].id != made.id


async def test_json_output_comes_back_as_the_replys_text(case: Case) -> None:
    answer = '{"city":"Paris","celsius":14}'
    h = _completion_harness(case, openai.completion(answer))
    completion = await h.complete(h.request(output=OutputFormat(OutputKind.JSON_OBJECT)))
    assert json.loads(completion.text) == {"city": "Paris", "celsius": 14}
    assert completion.tool_calls == ()


async def test_a_refusal_is_the_text_and_a_content_filter_finish(case: Case) -> None:
    h = _completion_harness(case, openai.refusal_completion("I'm sorry, I cannot help."))
    completion = await h.complete()
    assert completion.text == "I'm sorry, I cannot help."
    assert completion.finish_reason is FinishReason.CONTENT_FILTER


# --- streams ----------------------------------------------------------------------------------


def _calls(chunks: list[CompletionChunk]) -> tuple[ToolCall, ...]:
    return assemble_tool_calls(d for c in chunks for d in c.tool_calls)


async def test_streamed_calls_arrive_as_deltas_by_index(case: Case) -> None:
    events = openai.tool_calls_stream(
        [
            ("call_Ab12", "get_weather", ['{"loc', 'ation":"Paris, France"', ',"unit":"celsius"}']),
            ("call_Cd34", "get_time", ['{"zone":', '"Europe/Paris"}']),
        ]
    )
    h = make_harness(case, sse_reply(sse.encode(events)))
    chunks = await h.stream(h.request(tools=(WEATHER, TIME)))
    pieces = [d for c in chunks for d in c.tool_calls]
    assert [(p.index, p.id, p.name) for p in pieces if p.id] == [
        (0, "call_Ab12", "get_weather"),
        (1, "call_Cd34", "get_time"),
    ]
    assert [p.arguments for p in pieces if p.index == 0] == [
        "",
        '{"loc',
        'ation":"Paris, France"',
        ',"unit":"celsius"}',
    ]
    assert _calls(chunks) == (LOOKUP, CLOCK)
    assert "".join(c.delta for c in chunks) == ""
    final = chunks[-1]
    assert final.finish_reason is FinishReason.TOOL_CALLS
    assert final.usage == Usage(82, 17)


async def test_streamed_pieces_of_several_calls_in_one_chunk_are_kept_apart(case: Case) -> None:
    """Servers that stream parallel calls interleaved put pieces of several indexes in one
    delta; a piece with no index is placed by its position."""
    both = [
        openai.tool_call_delta(0, call_id="call_Ab12", name="get_weather"),
        openai.tool_call_delta(1, call_id="call_Cd34", name="get_time"),
    ]
    events = [
        sse.data(openai.chunk({"tool_calls": both})),
        sse.data(
            openai.chunk(
                {
                    "tool_calls": [
                        openai.tool_call_delta(1, arguments=CLOCK.arguments),
                        openai.tool_call_delta(0, arguments=LOOKUP.arguments),
                    ]
                }
            )
        ),
        sse.data(openai.chunk({}, "tool_calls")),
        sse.data(openai.usage_chunk(82, 17)),
        openai.DONE,
    ]
    h = make_harness(case, sse_reply(sse.encode(events)))
    assert _calls(await h.stream()) == (LOOKUP, CLOCK)


async def test_a_streamed_text_and_call_turn_keeps_both(case: Case) -> None:
    events = [
        sse.data(openai.chunk({"role": "assistant", "content": "Checking"})),
        sse.data(openai.chunk({"content": "."})),
        *openai.tool_calls_stream([("call_Cd34", "get_time", [CLOCK.arguments])])[1:],
    ]
    h = make_harness(case, sse_reply(sse.encode(events)))
    chunks = await h.stream()
    assert "".join(c.delta for c in chunks) == "Checking."
    assert _calls(chunks) == (CLOCK,)
    assert chunks[-1].finish_reason is FinishReason.TOOL_CALLS


async def test_streamed_json_output_is_the_streamed_text(case: Case) -> None:
    h = make_harness(case, sse_reply(sse.encode(openai.stream(['{"city":', '"Paris"}']))))
    chunks = await h.stream(h.request(output=OutputFormat(OutputKind.JSON_OBJECT)))
    assert json.loads("".join(c.delta for c in chunks)) == {"city": "Paris"}
    assert chunks[-1].finish_reason is FinishReason.STOP


async def test_a_streamed_refusal_is_text_and_a_content_filter_finish(case: Case) -> None:
    events = [
        sse.data(openai.chunk({"role": "assistant", "content": None, "refusal": ""})),
        sse.data(openai.chunk({"refusal": "I'm sorry"})),
        sse.data(openai.chunk({"refusal": ", I cannot help."})),
        sse.data(openai.chunk({}, "stop")),
        sse.data(openai.usage_chunk(12, 5)),
        openai.DONE,
    ]
    h = make_harness(case, sse_reply(sse.encode(events)))
    chunks = await h.stream()
    assert "".join(c.delta for c in chunks) == "I'm sorry, I cannot help."
    assert chunks[-1].finish_reason is FinishReason.CONTENT_FILTER
