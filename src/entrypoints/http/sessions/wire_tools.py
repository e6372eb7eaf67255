"""What a session message may carry besides text: images, tools, tool choice, output format and
tool results (request bodies), and tool calls and images (responses)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

from application.sessions.send_message import MAX_MESSAGE_IMAGE_BYTES
from domain.agent_session import ToolResult
from domain.content import (
    MAX_IMAGE_BYTES,
    MAX_IMAGES_PER_MESSAGE,
    ContentPart,
    ImagePart,
    TextPart,
    image_from_url,
)
from domain.tools import (
    MAX_TOOLS,
    OutputFormat,
    OutputKind,
    Tool,
    ToolCall,
    ToolChoice,
    ToolChoiceMode,
)

# A data: URL of the largest image allowed, and its prefix.
MAX_IMAGE_URL = 4 * -(-MAX_IMAGE_BYTES // 3) + 64
MAX_SCHEMA_BYTES = 64 * 1024
# What a message may carry beyond its text: its images (MAX_MESSAGE_IMAGE_BYTES together, in
# base64, with their prefixes) and the tools' schemas.
EXTRA_BODY_BYTES = (
    4 * -(-MAX_MESSAGE_IMAGE_BYTES // 3)
    + MAX_IMAGES_PER_MESSAGE * 256
    + MAX_TOOLS * MAX_SCHEMA_BYTES // 4
)
MAX_PARTS = 64
MAX_TOOL_RESULTS = 128

ToolName = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
CallId = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class TextPartIn(msgspec.Struct, tag="text", tag_field="type", forbid_unknown_fields=True):
    text: str


class ImagePartIn(msgspec.Struct, tag="image", tag_field="type", forbid_unknown_fields=True):
    """``url``: an ``https://`` URL (the provider fetches it) or a base64 ``data:`` URL
    (image/png, image/jpeg, image/gif or image/webp, at most ``MAX_IMAGE_BYTES`` decoded)."""

    url: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_IMAGE_URL)]
    detail: Literal["low", "high", "auto"] | None = None


PartIn = TextPartIn | ImagePartIn


class ToolIn(msgspec.Struct, forbid_unknown_fields=True):
    """A function the model may call; ``parameters`` is the JSON Schema of its arguments."""

    name: ToolName
    description: Annotated[str, msgspec.Meta(max_length=4096)] | None = None
    parameters: dict[str, Any] = msgspec.field(
        default_factory=lambda: {"type": "object", "properties": {}}
    )
    strict: bool | None = None


class NamedToolChoice(msgspec.Struct, forbid_unknown_fields=True):
    """The model must call this tool."""

    name: ToolName


class OutputFormatIn(msgspec.Struct, forbid_unknown_fields=True):
    """``json_object``: any JSON object; ``json_schema``: JSON following ``schema``. The JSON
    is the reply's text."""

    type: Literal["text", "json_object", "json_schema"] = "text"
    schema: dict[str, Any] | None = None
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=64)] = "output"
    strict: bool | None = None


class ToolResultIn(msgspec.Struct, forbid_unknown_fields=True):
    """What the caller's tool returned for the call ``tool_call_id`` of the last reply."""

    tool_call_id: CallId
    content: str


class ToolCallOut(msgspec.Struct):
    """A call the model made; ``arguments`` is the JSON text of an object."""

    id: str
    name: str
    arguments: str

    @classmethod
    def of(cls, call: ToolCall) -> ToolCallOut:
        return cls(call.id, call.name, call.arguments)


class ImageOut(msgspec.Struct):
    """A stored image: its ``https://`` URL, or a base64 ``data:`` URL."""

    url: str
    detail: str | None
    type: str = "image"

    @classmethod
    def of(cls, image: ImagePart) -> ImageOut:
        return cls(image.url or image.data_url(), image.detail)


def parts(content: str | list[PartIn]) -> str | tuple[ContentPart, ...]:
    if isinstance(content, str):
        return content
    return tuple(
        TextPart(p.text)
        if isinstance(p, TextPartIn)
        else image_from_url(p.url, detail=p.detail, where=f"content[{i}].url")
        for i, p in enumerate(content)
    )


def tools(given: list[ToolIn] | None) -> tuple[Tool, ...]:
    return tuple(Tool(t.name, t.parameters, t.description, t.strict) for t in given or ())


def tool_choice(
    given: Literal["auto", "none", "required"] | NamedToolChoice | None,
) -> ToolChoice | None:
    if given is None:
        return None
    if isinstance(given, NamedToolChoice):
        return ToolChoice(ToolChoiceMode.REQUIRED, given.name)
    return ToolChoice(ToolChoiceMode(given))


def output(given: OutputFormatIn | None) -> OutputFormat | None:
    if given is None:
        return None
    return OutputFormat(OutputKind(given.type), given.schema, given.name, given.strict)


def tool_results(given: list[ToolResultIn] | None) -> tuple[ToolResult, ...]:
    return tuple(ToolResult(r.tool_call_id, r.content) for r in given or ())
