"""Anthropic Messages API wire shapes (``anthropic-version: 2023-06-01``).

Reference: docs.anthropic.com/en/api/messages, /messages-streaming, /models-list, /errors.
"""

from __future__ import annotations

import msgspec

# --- request ---------------------------------------------------------------------------------


class Message(msgspec.Struct):
    role: str
    content: str


class MessagesRequest(msgspec.Struct, omit_defaults=True):
    model: str
    max_tokens: int
    messages: list[Message]
    system: str | None = None
    temperature: float | None = None
    stop_sequences: list[str] | None = None
    stream: bool = False


# --- responses -------------------------------------------------------------------------------


class Usage(msgspec.Struct):
    input_tokens: int | None = None
    output_tokens: int | None = None


class ContentBlock(msgspec.Struct):
    type: str
    text: str | None = None


class MessageResponse(msgspec.Struct):
    content: list[ContentBlock]
    model: str | None = None
    stop_reason: str | None = None
    usage: Usage = msgspec.field(default_factory=Usage)


class ModelEntry(msgspec.Struct):
    id: str
    display_name: str | None = None


class ModelList(msgspec.Struct):
    data: list[ModelEntry]
    has_more: bool = False


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


class TextDelta(msgspec.Struct):
    type: str
    text: str | None = None


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
