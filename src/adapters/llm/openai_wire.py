"""OpenAI Chat Completions wire shapes (also spoken by OpenAI-compatible servers).

Reference: platform.openai.com/docs/api-reference/chat (create, streaming chunk object),
/models (list). Unknown fields are ignored; fields servers leave out get defaults.
"""

from __future__ import annotations

from typing import Any

import msgspec

# --- request ---------------------------------------------------------------------------------


class TextPart(msgspec.Struct, tag="text", tag_field="type"):
    text: str


class ImageUrl(msgspec.Struct, omit_defaults=True):
    url: str  # an https URL or a ``data:<type>;base64,...`` URL
    detail: str | None = None


class ImagePart(msgspec.Struct, tag="image_url", tag_field="type"):
    image_url: ImageUrl


class FunctionCall(msgspec.Struct):
    name: str
    arguments: str  # JSON text


class ToolCall(msgspec.Struct, tag="function", tag_field="type"):
    id: str
    function: FunctionCall


class Message(msgspec.Struct, omit_defaults=True):
    role: str
    # ``None`` is sent (``"content": null``: an assistant turn of calls only); UNSET is left out.
    content: str | list[TextPart | ImagePart] | msgspec.UnsetType | None = msgspec.UNSET
    tool_calls: list[ToolCall] | None = None
    tool_call_id: str | None = None


class FunctionSpec(msgspec.Struct, omit_defaults=True):
    name: str
    parameters: dict[str, Any]
    description: str | None = None
    strict: bool | None = None


class ToolSpec(msgspec.Struct, tag="function", tag_field="type"):
    function: FunctionSpec


class FunctionName(msgspec.Struct):
    name: str


class NamedToolChoice(msgspec.Struct, tag="function", tag_field="type"):
    function: FunctionName


class JsonObjectFormat(msgspec.Struct, tag="json_object", tag_field="type"):
    pass


class JsonSchemaSpec(msgspec.Struct, omit_defaults=True):
    name: str
    schema: dict[str, Any]
    strict: bool | None = None
    description: str | None = None


class JsonSchemaFormat(msgspec.Struct, tag="json_schema", tag_field="type"):
    json_schema: JsonSchemaSpec


class StreamOptions(msgspec.Struct):
    include_usage: bool = True


class ChatRequest(msgspec.Struct, omit_defaults=True):
    model: str
    messages: list[Message]
    max_completion_tokens: int | None = None
    max_tokens: int | None = None
    temperature: float | None = None
    stop: list[str] | None = None
    tools: list[ToolSpec] | None = None
    tool_choice: str | NamedToolChoice | None = None  # "auto" | "none" | "required" | named
    parallel_tool_calls: bool | None = None
    response_format: JsonObjectFormat | JsonSchemaFormat | None = None
    top_p: float | None = None
    seed: int | None = None
    frequency_penalty: float | None = None
    presence_penalty: float | None = None
    reasoning_effort: str | None = None
    user: str | None = None
    stream: bool = False
    stream_options: StreamOptions | None = None


# --- responses -------------------------------------------------------------------------------


class Usage(msgspec.Struct):
    prompt_tokens: int = 0
    completion_tokens: int = 0


class CalledFunction(msgspec.Struct):
    name: str | None = None
    # JSON text; a few compatible servers send the object itself.
    arguments: str | dict[str, Any] | None = None


class ResponseToolCall(msgspec.Struct):
    id: str | None = None
    type: str | None = None
    function: CalledFunction | None = None


class ResponseMessage(msgspec.Struct):
    content: str | None = None
    role: str | None = None
    refusal: str | None = None
    tool_calls: list[ResponseToolCall] | None = None


class Choice(msgspec.Struct):
    message: ResponseMessage
    finish_reason: str | None = None
    index: int = 0


class ChatResponse(msgspec.Struct):
    choices: list[Choice]
    model: str | None = None
    usage: Usage | None = None


class DeltaToolCall(msgspec.Struct):
    """A piece of the ``index``-th call: id, type and name in its first piece, then fragments
    of the arguments."""

    index: int | None = None
    id: str | None = None
    type: str | None = None
    function: CalledFunction | None = None


class Delta(msgspec.Struct):
    content: str | None = None
    role: str | None = None
    refusal: str | None = None
    tool_calls: list[DeltaToolCall] | None = None


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
