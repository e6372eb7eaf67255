"""Tool calls, images and output formats: the rules checked before any provider sees them."""

from __future__ import annotations

import base64

import pytest

from domain.content import MAX_IMAGE_BYTES, ImagePart, TextPart, image_from_url
from domain.conversation import check_conversation
from domain.errors import InvalidMessage
from domain.llm import ChatMessage, Role
from domain.tools import (
    MAX_SCHEMA_BYTES,
    MAX_SCHEMA_DEPTH,
    MAX_TOOLS_BYTES,
    OutputFormat,
    OutputKind,
    Tool,
    ToolCall,
    ToolCallDelta,
    ToolChoice,
    ToolChoiceMode,
    assemble_tool_calls,
    check_tools,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
QUOTE = Tool("get_quote", {"type": "object", "properties": {"symbol": {"type": "string"}}})


def asks(*calls: ToolCall) -> ChatMessage:
    return ChatMessage(Role.ASSISTANT, "", tool_calls=calls)


def answers(call_id: str, text: str = "1.09") -> ChatMessage:
    return ChatMessage(Role.TOOL, text, tool_call_id=call_id)


def test_a_full_tool_round_trip_is_accepted() -> None:
    check_conversation(
        (
            ChatMessage(Role.USER, "EUR/USD?"),
            asks(ToolCall("c1", "get_quote", '{"symbol": "EURUSD"}'), ToolCall("c2", "x")),
            answers("c2"),
            answers("c1"),
            ChatMessage(Role.ASSISTANT, "1.09"),
        )
    )


@pytest.mark.parametrize(
    ("messages", "says"),
    [
        ((ChatMessage(Role.USER, "hi"), answers("c1")), "answers no call"),
        ((asks(ToolCall("c1", "get_quote")), ChatMessage(Role.USER, "and?")), "not answered"),
        ((ChatMessage(Role.USER, "hi"), asks(ToolCall("c1", "get_quote"))), "not answered"),
        ((asks(ToolCall("c1", "q")), answers("c1"), answers("c1")), "answers no call"),
        ((ChatMessage(Role.TOOL, "x"),), "needs tool_call_id"),
        ((ChatMessage(Role.USER, "x", tool_calls=(ToolCall("c", "q"),)),), "only assistant"),
        ((asks(ToolCall("c", "q"), ToolCall("c", "q")),), "unique"),
        ((asks(ToolCall("c" * 201, "q")), answers("c" * 201)), "at most 200"),
        ((asks(ToolCall("c\x00", "q")), answers("c\x00")), "no NUL"),
        ((asks(ToolCall("c", "")), answers("c")), "names its tool"),
        ((asks(ToolCall("c", "q" * 65)), answers("c")), "names its tool"),
        (
            (ChatMessage(Role.ASSISTANT, (ImagePart("image/png", PNG),)),),
            "only user messages hold images",
        ),
    ],
)
def test_broken_exchanges_are_refused(messages: tuple[ChatMessage, ...], says: str) -> None:
    with pytest.raises(InvalidMessage, match=says):
        check_conversation(messages)


def test_streamed_call_pieces_add_up_by_index() -> None:
    calls = assemble_tool_calls(
        [
            ToolCallDelta(0, id="c1", name="get_quote"),
            ToolCallDelta(1, id="c2", name="other", arguments="{}"),
            ToolCallDelta(0, arguments='{"sym'),
            ToolCallDelta(0, arguments='bol": "EURUSD"}'),
        ]
    )
    assert calls == (
        ToolCall("c1", "get_quote", '{"symbol": "EURUSD"}'),
        ToolCall("c2", "other", "{}"),
    )
    assert calls[0].arguments_object() == {"symbol": "EURUSD"}
    assert ToolCall("c", "q", "not json").arguments_object() == {}


def test_streamed_calls_keep_their_first_signature_and_get_unique_ids_when_given_none() -> None:
    deltas = [
        ToolCallDelta(0, name="get_quote", signature="first"),
        ToolCallDelta(0, arguments="{}", signature="second"),
        ToolCallDelta(1, name="other"),
    ]
    calls = assemble_tool_calls(deltas)
    assert [(c.name, c.signature) for c in calls] == [("get_quote", "first"), ("other", None)]
    ids = [c.id for c in calls] + [c.id for c in assemble_tool_calls(deltas)]
    assert len(set(ids)) == 4  # never call_0 twice: ids are unique across a conversation
    assert all(i.startswith("call_") and len(i) == len("call_") + 32 for i in ids)


def test_data_urls_become_bytes_and_https_urls_stay_urls() -> None:
    url = "data:image/png;base64," + base64.b64encode(PNG).decode()
    assert image_from_url(url) == ImagePart("image/png", PNG)
    assert image_from_url(url).data_url() == url
    assert image_from_url("https://example.com/a.png") == ImagePart(url="https://example.com/a.png")


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("data:image/png;base64,@@@", "not a base64 data URL"),
        ("data:image/png;base64,AAA", "invalid base64"),
        ("data:text/html;base64,AAAA", "not supported"),
        ("data:image/png;base64,", "no image"),
        ("http://example.com/a.png", "https://"),
        ("file:///etc/passwd", "https://"),
        (
            "data:image/png;base64," + base64.b64encode(b"x" * (MAX_IMAGE_BYTES + 1)).decode(),
            "at most",
        ),
    ],
)
def test_broken_image_urls_are_refused(url: str, says: str) -> None:
    with pytest.raises(InvalidMessage, match=says):
        image_from_url(url)


def test_a_message_reads_as_text_or_parts() -> None:
    assert ChatMessage(Role.USER, "hi").parts == (TextPart("hi"),)
    mixed = ChatMessage(Role.USER, (TextPart("a"), ImagePart(url="https://x/y.png"), TextPart("b")))
    assert mixed.text == "ab"


@pytest.mark.parametrize(
    ("tools", "choice", "output", "says"),
    [
        ((Tool("bad name", {}),), None, None, "function.name"),
        ((QUOTE, QUOTE), None, None, "declared twice"),
        ((Tool("q", {"type": "string"}),), None, None, "must describe an object"),
        ((Tool("q", {"type": "object", "required": "x"}),), None, None, "required"),
        ((), ToolChoice(ToolChoiceMode.REQUIRED), None, "requires tools"),
        ((QUOTE,), ToolChoice(ToolChoiceMode.REQUIRED, "nope"), None, "not in tools"),
        ((), None, OutputFormat(OutputKind.JSON_SCHEMA), "schema is required"),
        ((), None, OutputFormat(OutputKind.JSON_SCHEMA, {}, name=""), "name must be"),
        ((), None, OutputFormat(OutputKind.JSON_SCHEMA, {}, name="a\x00b"), "name must be"),
        ((), None, OutputFormat(OutputKind.JSON_SCHEMA, {"type": "array"}), "an object"),
    ],
)
def test_bad_tools_and_schemas_are_refused(
    tools: tuple[Tool, ...], choice: ToolChoice | None, output: OutputFormat | None, says: str
) -> None:
    with pytest.raises(InvalidMessage, match=says):
        check_tools(tools, choice, output)


def test_good_tools_pass() -> None:
    check_tools((QUOTE,), ToolChoice(ToolChoiceMode.REQUIRED, "get_quote"), None)
    check_tools((), ToolChoice(ToolChoiceMode.NONE), OutputFormat(OutputKind.JSON_OBJECT))


def _deep(levels: int) -> dict[str, object]:
    schema: dict[str, object] = {"type": "object"}
    for _ in range(levels - 1):
        schema = {"type": "object", "not": schema}
    return schema


def test_schemas_are_walked_without_recursion_and_capped_in_depth_and_size() -> None:
    check_tools((Tool("f", _deep(MAX_SCHEMA_DEPTH)),), None, None)
    with pytest.raises(InvalidMessage, match=r"^tools\[0\]\.function\.parameters is nested"):
        check_tools((Tool("f", _deep(MAX_SCHEMA_DEPTH + 1)),), None, None)
    with pytest.raises(InvalidMessage, match=r"^tools\[1\]\.function\.parameters is nested"):
        check_tools((QUOTE, Tool("f", _deep(5000))), None, None)
    with pytest.raises(InvalidMessage, match=r"^response_format\.json_schema\.schema is nested"):
        check_tools((), None, OutputFormat(OutputKind.JSON_SCHEMA, _deep(5000)))
    big = {"type": "object", "description": "x" * MAX_SCHEMA_BYTES}
    with pytest.raises(InvalidMessage, match=r"^tools\[0\]\.function\.parameters is too large"):
        check_tools((Tool("f", big),), None, None)
    with pytest.raises(InvalidMessage, match=r"^response_format\.json_schema\.schema is too"):
        check_tools((), None, OutputFormat(OutputKind.JSON_SCHEMA, big))
    with pytest.raises(InvalidMessage, match=r"^tools\[0\]\.function\.parameters holds a value"):
        check_tools((Tool("f", {"type": "object", "default": object()}),), None, None)


def test_the_tools_together_are_capped() -> None:
    half = {"type": "object", "description": "x" * (MAX_SCHEMA_BYTES - 100)}
    many = tuple(Tool(f"t{i}", half) for i in range(MAX_TOOLS_BYTES // MAX_SCHEMA_BYTES + 1))

    with pytest.raises(InvalidMessage, match=r"^tools: .* add up to more than 512 KiB"):
        check_tools(many, None, None)
    check_tools(many[:-2], None, None)
