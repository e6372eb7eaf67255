"""OpenAI's Chat Completions wire format, as the gateway reads and writes it.

Reference: platform.openai.com/docs/api-reference/chat. Requests accept the parameters OpenAI
clients send (and ignore ones the gateway cannot honour but that change nothing essential,
such as ``top_p`` or ``user``); parameters that would change the answer in ways the gateway
cannot reproduce (tools, several choices, images, JSON modes) are refused with a 400.
Unknown fields are ignored rather than refused, as OpenAI-compatible servers do: clients add
parameters faster than any list, and nothing from this body is stored.
"""

from __future__ import annotations

from typing import Any

import msgspec


class ContentPart(msgspec.Struct):
    type: str
    text: str | None = None


class MessageIn(msgspec.Struct):
    role: str
    content: str | list[ContentPart] | None = None
    name: str | None = None
    tool_calls: list[Any] | None = None
    tool_call_id: str | None = None
    function_call: Any | None = None


class StreamOptions(msgspec.Struct):
    include_usage: bool = False


class ResponseFormat(msgspec.Struct):
    type: str


class ChatCompletionIn(msgspec.Struct):
    model: str
    messages: list[MessageIn]
    max_tokens: int | None = None
    max_completion_tokens: int | None = None
    temperature: float | None = None
    stop: str | list[str] | None = None
    stream: bool | None = None
    stream_options: StreamOptions | None = None
    n: int | None = None
    tools: list[Any] | None = None
    functions: list[Any] | None = None
    response_format: ResponseFormat | None = None
    logprobs: bool | None = None
    audio: Any | None = None


class MessageOut(msgspec.Struct):
    content: str
    role: str = "assistant"
    refusal: None = None


class ChoiceOut(msgspec.Struct):
    index: int
    message: MessageOut
    finish_reason: str
    logprobs: None = None


class UsageOut(msgspec.Struct):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class ChatCompletionOut(msgspec.Struct):
    id: str
    created: int
    model: str
    choices: list[ChoiceOut]
    usage: UsageOut
    object: str = "chat.completion"
    system_fingerprint: None = None


class DeltaOut(msgspec.Struct, omit_defaults=True):
    role: str | None = None
    content: str | None = None


class ChunkChoiceOut(msgspec.Struct):
    index: int
    delta: DeltaOut
    finish_reason: str | None = None
    logprobs: None = None


class ChunkOut(msgspec.Struct):
    id: str
    created: int
    model: str
    choices: list[ChunkChoiceOut]
    object: str = "chat.completion.chunk"
    system_fingerprint: None = None
    # OpenAI sends ``"usage": null`` on every chunk when include_usage is set, else no field.
    usage: UsageOut | msgspec.UnsetType | None = msgspec.UNSET


class ModelOut(msgspec.Struct):
    id: str
    owned_by: str
    object: str = "model"
    created: int = 0


class ModelListOut(msgspec.Struct):
    data: list[ModelOut]
    object: str = "list"


class ErrorBody(msgspec.Struct):
    message: str
    type: str
    param: str | None = None
    code: str | None = None


class ErrorOut(msgspec.Struct):
    error: ErrorBody
