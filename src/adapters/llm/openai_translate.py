"""The domain's requests in OpenAI's Chat Completions wire, and the tool calls of its replies
and streams in the domain's terms. Shared by the OpenAI and OpenAI-compatible adapters.

Reference: platform.openai.com/docs/api-reference/chat/create (``tools``, ``tool_choice``,
``parallel_tool_calls``, ``response_format``, content parts, ``tool`` messages) and the
chunk object (``delta.tool_calls``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from adapters.llm import openai_wire as wire
from adapters.llm._wire import finish_reason
from domain.content import ImagePart, TextPart
from domain.errors import UnsupportedFeature
from domain.llm import ChatMessage, CompletionRequest, FinishReason, Role
from domain.provider import Provider
from domain.tools import (
    OutputKind,
    ToolCall,
    ToolCallDelta,
    ToolChoice,
    ToolChoiceMode,
    new_call_id,
)


def chat_body(
    request: CompletionRequest, *, provider: Provider, stream: bool, legacy_max_tokens: bool
) -> wire.ChatRequest:
    """The body of ``POST /chat/completions``. ``tool_choice`` and ``parallel_tool_calls`` go
    only with tools (OpenAI refuses them alone; without tools neither means anything)."""
    messages = [wire.Message("system", request.system)] if request.system else []
    messages += [_message(m, i, provider) for i, m in enumerate(request.messages)]
    sampling = request.sampling
    body = wire.ChatRequest(
        model=request.model,
        messages=messages,
        temperature=request.temperature,
        stop=list(request.stop) or None,
        top_p=sampling.top_p,
        seed=sampling.seed,
        frequency_penalty=sampling.frequency_penalty,
        presence_penalty=sampling.presence_penalty,
        reasoning_effort=sampling.reasoning_effort,
        user=sampling.user,
    )
    if request.tools:
        body.tools = [
            wire.ToolSpec(wire.FunctionSpec(t.name, _plain(t.parameters), t.description, t.strict))
            for t in request.tools
        ]
        body.tool_choice = _tool_choice(request.tool_choice)
        body.parallel_tool_calls = request.parallel_tool_calls
    output = request.output
    if output is not None and output.kind is OutputKind.JSON_OBJECT:
        body.response_format = wire.JsonObjectFormat()
    elif output is not None and output.kind is OutputKind.JSON_SCHEMA:
        spec = wire.JsonSchemaSpec(
            output.name, _plain(output.schema or {}), output.strict, output.description
        )
        body.response_format = wire.JsonSchemaFormat(spec)
    if request.max_tokens is not None and legacy_max_tokens:
        body.max_tokens = request.max_tokens
    elif request.max_tokens is not None:
        body.max_completion_tokens = request.max_tokens
    if stream:
        body.stream = True
        body.stream_options = wire.StreamOptions(include_usage=True)
    return body


def _message(message: ChatMessage, index: int, provider: Provider) -> wire.Message:
    role = message.role.value
    if message.role is Role.USER:
        if isinstance(message.content, str):
            return wire.Message(role, message.content)
        return wire.Message(role, [_part(p) for p in message.content])
    if any(isinstance(p, ImagePart) for p in message.parts):
        raise UnsupportedFeature(
            provider.value,
            f"messages[{index}].content",
            f"{provider.label}: only user messages can hold images",
        )
    if message.role is Role.TOOL:
        return wire.Message(role, message.text, tool_call_id=message.tool_call_id)
    if message.role is Role.ASSISTANT and message.tool_calls:
        calls = [
            wire.ToolCall(c.id, wire.FunctionCall(c.name, c.arguments or "{}"))
            for c in message.tool_calls
        ]
        return wire.Message(role, message.text or None, tool_calls=calls)
    return wire.Message(role, message.text)


def _part(part: TextPart | ImagePart) -> wire.TextPart | wire.ImagePart:
    if isinstance(part, TextPart):
        return wire.TextPart(part.text)
    url = part.data_url() if part.data is not None else part.url
    assert url is not None  # noqa: S101 - an ImagePart is inline or by URL
    return wire.ImagePart(wire.ImageUrl(url, part.detail))


def _tool_choice(choice: ToolChoice | None) -> str | wire.NamedToolChoice | None:
    if choice is None:
        return None
    if choice.mode is ToolChoiceMode.REQUIRED and choice.name is not None:
        return wire.NamedToolChoice(wire.FunctionName(choice.name))
    return choice.mode.value


def _plain(value: Any) -> Any:
    """A JSON Schema as plain dicts and lists (the domain may hold read-only mappings)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _arguments(raw: str | dict[str, Any] | None) -> str:
    if raw is None:
        return ""
    return raw if isinstance(raw, str) else json.dumps(raw)


def tool_calls_of(message: wire.ResponseMessage) -> tuple[ToolCall, ...]:
    """The calls of a reply; a call a server left without an id gets a fresh unique one."""
    calls = []
    for call in message.tool_calls or ():
        function = call.function or wire.CalledFunction()
        calls.append(
            ToolCall(
                call.id or new_call_id(),
                function.name or "",
                _arguments(function.arguments) or "{}",
            )
        )
    return tuple(calls)


def tool_call_deltas(delta: wire.Delta) -> tuple[ToolCallDelta, ...]:
    """The pieces of calls in one streamed delta; a piece without an index is placed by its
    position in the list."""
    pieces = []
    for i, call in enumerate(delta.tool_calls or ()):
        function = call.function or wire.CalledFunction()
        index = call.index if call.index is not None else i
        pieces.append(
            ToolCallDelta(
                index, call.id or None, function.name or None, _arguments(function.arguments)
            )
        )
    return tuple(pieces)


_FINISH = {
    "stop": FinishReason.STOP,
    "length": FinishReason.LENGTH,
    "content_filter": FinishReason.CONTENT_FILTER,
    "tool_calls": FinishReason.TOOL_CALLS,
    "function_call": FinishReason.TOOL_CALLS,
}


def openai_finish(raw: str | None) -> FinishReason:
    return finish_reason(_FINISH, raw)


def settled_finish(reported: FinishReason, *, calls: bool, refused: bool) -> FinishReason:
    """Some compatible servers end a turn of calls with ``stop``: a reply with calls that
    stopped ended in them. A refusal stopped by the model's filter."""
    if calls and reported is FinishReason.STOP:
        return FinishReason.TOOL_CALLS
    if refused and reported is FinishReason.STOP:
        return FinishReason.CONTENT_FILTER
    return reported
