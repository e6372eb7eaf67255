"""Anthropic Messages API wire shapes (``anthropic-version: 2023-06-01``).

Reference: docs.anthropic.com/en/api/messages, /messages-streaming, /models-list, /errors.
"""

from __future__ import annotations

from typing import Any

import msgspec

# --- request ---------------------------------------------------------------------------------


class TextBlock(msgspec.Struct, tag="text", tag_field="type"):
    text: str


class Base64Source(msgspec.Struct, tag="base64", tag_field="type"):
    media_type: str
    data: str


class UrlSource(msgspec.Struct, tag="url", tag_field="type"):
    url: str


class ImageBlock(msgspec.Struct, tag="image", tag_field="type"):
    source: Base64Source | UrlSource


class ToolUseBlock(msgspec.Struct, tag="tool_use", tag_field="type"):
    id: str
    name: str
    input: dict[str, Any]


class ToolResultBlock(msgspec.Struct, tag="tool_result", tag_field="type", omit_defaults=True):
    tool_use_id: str
    content: str | None = None


Block = TextBlock | ImageBlock | ToolUseBlock | ToolResultBlock


class Message(msgspec.Struct):
    role: str
    content: str | list[Block]


class ToolDef(msgspec.Struct, omit_defaults=True):
    name: str
    input_schema: dict[str, Any]
    description: str | None = None


class ToolChoice(msgspec.Struct, omit_defaults=True):
    type: str  # auto | any | tool | none
    name: str | None = None
    disable_parallel_tool_use: bool | None = None


class Metadata(msgspec.Struct):
    user_id: str


class MessagesRequest(msgspec.Struct, omit_defaults=True):
    model: str
    max_tokens: int
    messages: list[Message]
    system: str | None = None
    temperature: float | None = None
    top_p: float | None = None
    stop_sequences: list[str] | None = None
    tools: list[ToolDef] | None = None
    tool_choice: ToolChoice | None = None
    metadata: Metadata | None = None
    stream: bool = False


# --- responses -------------------------------------------------------------------------------


class Usage(msgspec.Struct):
    input_tokens: int | None = None
    output_tokens: int | None = None


class ContentBlock(msgspec.Struct):
    """A ``text`` or ``tool_use`` block of a reply (other types are skipped)."""

    type: str
    text: str | None = None
    id: str | None = None
    name: str | None = None
    input: dict[str, Any] | None = None


class MessageResponse(msgspec.Struct):
    content: list[ContentBlock]
    model: str | None = None
    stop_reason: str | None = None
    usage: Usage = msgspec.field(default_factory=Usage)


class ModelEntry(msgspec.Struct):
    id: str
    display_name: str | None = None


class ModelList(msgspec.Struct):
    """A page, newest first; the next one is asked with ``after_id=last_id``."""

    data: list[ModelEntry]
    has_more: bool = False
    last_id: str | None = None


class ErrorBody(msgspec.Struct):
    type: str | None = None
    message: str | None = None


class ErrorEnvelope(msgspec.Struct):
    error: ErrorBody
    type: str = "error"


# --- stream events (the SSE ``event:`` name repeats the ``type`` field) ----------------------


class StartedMessage(msgspec.Struct):
    usage: Usage = msgspec.field(default_factory=Usage)
    model: str | None = None


class MessageStart(msgspec.Struct):
    message: StartedMessage


class ContentBlockStart(msgspec.Struct):
    content_block: ContentBlock
    index: int = 0


class TextDelta(msgspec.Struct):
    """``text_delta`` (``text``) or ``input_json_delta`` (``partial_json``)."""

    type: str
    text: str | None = None
    partial_json: str | None = None


class ContentBlockDelta(msgspec.Struct):
    delta: TextDelta
    index: int = 0


class MessageDeltaBody(msgspec.Struct):
    stop_reason: str | None = None


class MessageDelta(msgspec.Struct):
    delta: MessageDeltaBody = msgspec.field(default_factory=MessageDeltaBody)
    usage: Usage = msgspec.field(default_factory=Usage)


class StreamError(msgspec.Struct):
    error: ErrorBody
