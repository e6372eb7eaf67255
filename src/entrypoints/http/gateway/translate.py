"""OpenAI Chat Completions <-> BYOM's provider-neutral types.

The provider adapters already speak each provider's wire (system prompt placement, roles,
stop reasons, usage), so the gateway only translates between OpenAI's shape and the domain's.
"""

from __future__ import annotations

from application.gateway.relay_completion import RelayRequest
from domain.llm import ChatMessage, Completion, CompletionChunk, FinishReason, Role, Usage
from entrypoints.http.gateway import wire

_ROLES = {
    "system": Role.SYSTEM,
    "developer": Role.SYSTEM,
    "user": Role.USER,
    "assistant": Role.ASSISTANT,
}
_FINISH = {
    FinishReason.STOP: "stop",
    FinishReason.LENGTH: "length",
    FinishReason.CONTENT_FILTER: "content_filter",
    FinishReason.TOOL_CALLS: "tool_calls",
    # OpenAI has no "other": the answer ended normally as far as a client can tell.
    FinishReason.OTHER: "stop",
}
NOT_SUPPORTED = "is not supported by the BYOM gateway"


class UnsupportedRequest(ValueError):
    """A request the gateway cannot relay faithfully; ``param`` names the offending field."""

    def __init__(self, message: str, param: str | None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param


def relay_request(body: wire.ChatCompletionIn) -> RelayRequest:
    _refuse_unsupported(body)
    if not body.messages:
        raise UnsupportedRequest("messages must not be empty", "messages")
    messages = tuple(
        m for i, raw in enumerate(body.messages) if (m := _message(i, raw)) is not None
    )
    stop = (body.stop,) if isinstance(body.stop, str) else tuple(body.stop or ())
    return RelayRequest(
        model=body.model,
        messages=messages,
        max_tokens=body.max_completion_tokens or body.max_tokens,
        temperature=body.temperature,
        stop=stop,
    )


def finish_reason(reason: FinishReason | None) -> str:
    return _FINISH[reason or FinishReason.STOP]


def usage(u: Usage) -> wire.UsageOut:
    return wire.UsageOut(u.input_tokens, u.output_tokens, u.total_tokens)


def completion(reply: Completion, *, id_: str, created: int, model: str) -> wire.ChatCompletionOut:
    return wire.ChatCompletionOut(
        id=id_,
        created=created,
        model=model,
        choices=[
            wire.ChoiceOut(
                index=0,
                message=wire.MessageOut(content=reply.text),
                finish_reason=finish_reason(reply.finish_reason),
            )
        ],
        usage=usage(reply.usage),
    )


class ChunkWriter:
    """OpenAI's chunk sequence: a role chunk, content chunks, a finish chunk, then (with
    ``include_usage``) one chunk with empty choices and the usage."""

    def __init__(self, *, id_: str, created: int, model: str, include_usage: bool) -> None:
        self._id = id_
        self._created = created
        self._model = model
        self._include_usage = include_usage

    def _chunk(
        self, choices: list[wire.ChunkChoiceOut], u: wire.UsageOut | None = None
    ) -> wire.ChunkOut:
        chunk = wire.ChunkOut(self._id, self._created, self._model, choices)
        if self._include_usage:
            chunk.usage = u
        return chunk

    def role(self) -> wire.ChunkOut:
        return self._chunk([wire.ChunkChoiceOut(0, wire.DeltaOut(role="assistant", content=""))])

    def content(self, chunk: CompletionChunk) -> wire.ChunkOut | None:
        if not chunk.delta:
            return None
        return self._chunk([wire.ChunkChoiceOut(0, wire.DeltaOut(content=chunk.delta))])

    def finish(self, reason: FinishReason | None) -> wire.ChunkOut:
        return self._chunk([wire.ChunkChoiceOut(0, wire.DeltaOut(), finish_reason(reason))])

    def usage(self, u: Usage | None) -> wire.ChunkOut | None:
        if not self._include_usage:
            return None
        return self._chunk([], usage(u or Usage()))


def _refuse_unsupported(body: wire.ChatCompletionIn) -> None:
    if body.tools or body.functions:
        field = "tools" if body.tools else "functions"
        raise UnsupportedRequest(f"tools / function calling {NOT_SUPPORTED}", field)
    if body.n not in (None, 1):
        raise UnsupportedRequest(f"n > 1 (several choices) {NOT_SUPPORTED}", "n")
    if body.response_format is not None and body.response_format.type != "text":
        raise UnsupportedRequest(
            f"response_format {body.response_format.type!r} {NOT_SUPPORTED}", "response_format"
        )
    if body.logprobs:
        raise UnsupportedRequest(f"logprobs {NOT_SUPPORTED}", "logprobs")
    if body.audio is not None:
        raise UnsupportedRequest(f"audio output {NOT_SUPPORTED}", "audio")


def _message(index: int, raw: wire.MessageIn) -> ChatMessage | None:
    where = f"messages[{index}]"
    role = _ROLES.get(raw.role)
    if role is None:
        raise UnsupportedRequest(
            f"role {raw.role!r} {NOT_SUPPORTED} (tool results need function calling)",
            f"{where}.role",
        )
    if raw.tool_calls or raw.function_call:
        raise UnsupportedRequest(f"tool calls {NOT_SUPPORTED}", f"{where}.tool_calls")
    text = _text(where, raw.content)
    if not text.strip():
        if role is Role.ASSISTANT:
            return None  # an empty assistant turn carries nothing providers would accept
        raise UnsupportedRequest(f"{where}.content must not be empty", f"{where}.content")
    return ChatMessage(role, text)


def _text(where: str, content: str | list[wire.ContentPart] | None) -> str:
    if content is None or isinstance(content, str):
        return content or ""
    pieces = []
    for i, part in enumerate(content):
        if part.type != "text" or part.text is None:
            raise UnsupportedRequest(
                f"content parts of type {part.type!r} (images, audio, files) {NOT_SUPPORTED}",
                f"{where}.content[{i}]",
            )
        pieces.append(part.text)
    return "\n".join(pieces)
