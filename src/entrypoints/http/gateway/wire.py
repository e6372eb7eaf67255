"""OpenAI's Chat Completions wire format, as the gateway reads and writes it.

Reference: platform.openai.com/docs/api-reference/chat. Requests accept the parameters OpenAI
clients send: messages with text and image parts, tool calls and tool results, tools and
tool_choice, response_format (text, json_object, json_schema) and the sampling parameters.
Parameters that would change the answer in ways the gateway cannot reproduce (several
choices, logprobs, audio) are refused with a 400. Unknown fields are ignored rather than
refused, as OpenAI-compatible servers do: clients add parameters faster than any list, and
nothing from this body is stored.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

import msgspec


class ImageUrl(msgspec.Struct):
    url: str
    detail: Literal["auto", "low", "high"] | None = None


class ContentPart(msgspec.Struct):
    type: str
    text: str | None = None
    image_url: ImageUrl | str | None = None


class FunctionCallIn(msgspec.Struct):
    name: str
    arguments: str = ""


class ToolCallIn(msgspec.Struct):
    id: str
    function: FunctionCallIn
    type: str = "function"


class MessageIn(msgspec.Struct):
    role: str
    content: str | list[ContentPart] | None = None
    name: str | None = None
    tool_calls: list[ToolCallIn] | None = None
    tool_call_id: str | None = None
    function_call: Any | None = None


class StreamOptions(msgspec.Struct):
    include_usage: bool = False


class FunctionIn(msgspec.Struct):
    name: str
    description: str | None = None
    parameters: dict[str, Any] | None = None
    strict: bool | None = None


class ChatToolIn(msgspec.Struct):
    function: FunctionIn
    type: str = "function"


class NamedFunction(msgspec.Struct):
    name: str


class ChatNamedToolChoice(msgspec.Struct):
    function: NamedFunction
    type: str = "function"


class JsonSchemaIn(msgspec.Struct):
    name: str = "output"
    schema_: dict[str, Any] | None = msgspec.field(default=None, name="schema")
    description: str | None = None
    strict: bool | None = None


class ResponseFormat(msgspec.Struct):
    type: str
    json_schema: JsonSchemaIn | None = None


class ChatCompletionIn(msgspec.Struct):
    model: str
    messages: list[MessageIn]
    max_tokens: int | None = None
    max_completion_tokens: int | None = None
    temperature: float | None = None
    top_p: float | None = None
    seed: int | None = None
    frequency_penalty: float | None = None
    presence_penalty: float | None = None
    reasoning_effort: str | None = None
    user: str | None = None
    stop: str | list[str] | None = None
    stream: bool | None = None
    stream_options: StreamOptions | None = None
    n: int | None = None
    tools: list[ChatToolIn] | None = None
    tool_choice: str | ChatNamedToolChoice | None = None
    parallel_tool_calls: bool | None = None
    # OpenAI's legacy function calling: read only to be refused with a pointer to tools.
    functions: Any | None = None
    function_call: Any | None = None
    response_format: ResponseFormat | None = None
    logprobs: bool | None = None
    top_logprobs: int | None = None
    audio: Any | None = None
    modalities: list[str] | None = None
    prediction: Any | None = None


class FunctionOut(msgspec.Struct):
    name: str
    arguments: str


class ChatToolCallOut(msgspec.Struct):
    id: str
    function: FunctionOut
    type: str = "function"


class ChatMessageOut(msgspec.Struct):
    content: str | None
    role: str = "assistant"
    refusal: None = None
    # Present only when the model called tools, as in OpenAI's answers.
    tool_calls: list[ChatToolCallOut] | msgspec.UnsetType = msgspec.UNSET


class ChoiceOut(msgspec.Struct):
    index: int
    message: ChatMessageOut
    finish_reason: str
    logprobs: None = None


class ChatUsageOut(msgspec.Struct):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class ChatCompletionOut(msgspec.Struct):
    id: str
    created: int
    model: str
    choices: list[ChoiceOut]
    usage: ChatUsageOut
    object: str = "chat.completion"
    system_fingerprint: None = None


class FunctionDeltaOut(msgspec.Struct):
    arguments: str
    name: str | msgspec.UnsetType = msgspec.UNSET


class ToolCallDeltaOut(msgspec.Struct, omit_defaults=True):
    index: int
    function: FunctionDeltaOut
    id: str | None = None
    type: str | None = None


class DeltaOut(msgspec.Struct, omit_defaults=True):
    role: str | None = None
    content: str | None = None
    tool_calls: list[ToolCallDeltaOut] | None = None


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
    usage: ChatUsageOut | msgspec.UnsetType | None = msgspec.UNSET


class GatewayModelOut(msgspec.Struct):
    """OpenAI's model object (``owned_by``: the provider) and whose key serves it:
    ``paid_by`` ``user`` (their ``credential_id``) or ``platform`` (the system default).
    ``live``: the provider listed it for that key lately (false: the catalog's or the
    operator's name, not confirmed); the catalog's limits and prices, null where it does not
    know the model."""

    id: str
    owned_by: str
    object: str = "model"
    created: int = 0
    provider: str | None = None
    paid_by: Literal["user", "platform"] | None = None
    credential_id: UUID | None = None
    live: bool = False
    context_window: int | None = None
    max_output_tokens: int | None = None
    input_usd_per_mtok: Decimal | None = None
    output_usd_per_mtok: Decimal | None = None


class ModelListOut(msgspec.Struct):
    data: list[GatewayModelOut]
    object: str = "list"


class ErrorBody(msgspec.Struct):
    message: str
    type: str
    param: str | None = None
    code: str | None = None


class ErrorOut(msgspec.Struct):
    error: ErrorBody
