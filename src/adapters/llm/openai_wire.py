"""OpenAI Chat Completions wire shapes (also spoken by OpenAI-compatible servers).

Reference: platform.openai.com/docs/api-reference/chat (create, streaming chunk object),
/models (list). Unknown fields are ignored; fields servers leave out get defaults.
"""

from __future__ import annotations

import msgspec

# --- request ---------------------------------------------------------------------------------


class Message(msgspec.Struct, omit_defaults=True):
    role: str
    content: str


class StreamOptions(msgspec.Struct):
    include_usage: bool = True


class ChatRequest(msgspec.Struct, omit_defaults=True):
    model: str
    messages: list[Message]
    max_completion_tokens: int | None = None
    max_tokens: int | None = None
    temperature: float | None = None
    stop: list[str] | None = None
    stream: bool = False
    stream_options: StreamOptions | None = None


# --- responses -------------------------------------------------------------------------------


class Usage(msgspec.Struct):
    prompt_tokens: int = 0
    completion_tokens: int = 0


class ResponseMessage(msgspec.Struct):
    content: str | None = None
    role: str | None = None


class Choice(msgspec.Struct):
    message: ResponseMessage
    finish_reason: str | None = None
    index: int = 0


class ChatResponse(msgspec.Struct):
    choices: list[Choice]
    model: str | None = None
    usage: Usage | None = None


class Delta(msgspec.Struct):
    content: str | None = None
    role: str | None = None


class ChunkChoice(msgspec.Struct):
    delta: Delta = msgspec.field(default_factory=Delta)
    finish_reason: str | None = None
    index: int = 0


class ErrorBody(msgspec.Struct):
    message: str | None = None
    type: str | None = None
    code: str | int | None = None
    param: str | None = None


class ChatChunk(msgspec.Struct):
    # Some compatible servers send ``"choices": null`` on the usage chunk.
    choices: list[ChunkChoice] | None = None
    model: str | None = None
    usage: Usage | None = None
    error: ErrorBody | None = None


class ModelEntry(msgspec.Struct):
    id: str
    owned_by: str | None = None


class ModelList(msgspec.Struct):
    data: list[ModelEntry]


class ErrorEnvelope(msgspec.Struct):
    error: ErrorBody
