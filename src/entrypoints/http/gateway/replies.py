"""BYOM's completions and chunks -> OpenAI's ``chat.completion`` and ``chat.completion.chunk``."""

from __future__ import annotations

from domain.llm import Completion, CompletionChunk, FinishReason, Usage
from domain.tools import ToolCallDelta, new_call_id
from entrypoints.http.gateway import wire

_FINISH = {
    FinishReason.STOP: "stop",
    FinishReason.LENGTH: "length",
    FinishReason.CONTENT_FILTER: "content_filter",
    FinishReason.TOOL_CALLS: "tool_calls",
    # OpenAI has no "other": the answer ended normally as far as a client can tell.
    FinishReason.OTHER: "stop",
}


def finish_reason(reason: FinishReason | None, *, called: bool = False) -> str:
    """OpenAI's name; an answer that ended normally with tool calls ends in ``tool_calls``
    (what clients look for), whatever the provider called its stop."""
    name = _FINISH[reason or FinishReason.STOP]
    return "tool_calls" if called and name == "stop" else name


def usage(u: Usage) -> wire.ChatUsageOut:
    return wire.ChatUsageOut(u.input_tokens, u.output_tokens, u.total_tokens)


def completion(reply: Completion, *, id_: str, created: int, model: str) -> wire.ChatCompletionOut:
    message = wire.ChatMessageOut(content=reply.text)
    if reply.tool_calls:
        message.content = reply.text or None
        message.tool_calls = [
            wire.ChatToolCallOut(c.id, wire.FunctionOut(c.name, c.arguments))
            for c in reply.tool_calls
        ]
    return wire.ChatCompletionOut(
        id=id_,
        created=created,
        model=model,
        choices=[
            wire.ChoiceOut(
                index=0,
                message=message,
                finish_reason=finish_reason(reply.finish_reason, called=bool(reply.tool_calls)),
            )
        ],
        usage=usage(reply.usage),
    )


class ChunkWriter:
    """OpenAI's chunk sequence: a role chunk, content and ``tool_calls`` chunks, a finish
    chunk, then (with ``include_usage``) one chunk with empty choices and the usage. A call's
    first piece carries its id, type and name; the next ones only argument fragments."""

    def __init__(self, *, id_: str, created: int, model: str, include_usage: bool) -> None:
        self._id = id_
        self._created = created
        self._model = model
        self._include_usage = include_usage
        self._calls: set[int] = set()

    def _chunk(
        self, choices: list[wire.ChunkChoiceOut], u: wire.ChatUsageOut | None = None
    ) -> wire.ChunkOut:
        chunk = wire.ChunkOut(self._id, self._created, self._model, choices)
        if self._include_usage:
            chunk.usage = u
        return chunk

    def role(self) -> wire.ChunkOut:
        return self._chunk([wire.ChunkChoiceOut(0, wire.DeltaOut(role="assistant", content=""))])

    def content(self, chunk: CompletionChunk) -> wire.ChunkOut | None:
        calls = [self._call(d) for d in chunk.tool_calls]
        if not chunk.delta and not calls:
            return None
        delta = wire.DeltaOut(content=chunk.delta or None, tool_calls=calls or None)
        return self._chunk([wire.ChunkChoiceOut(0, delta)])

    def finish(self, reason: FinishReason | None) -> wire.ChunkOut:
        name = finish_reason(reason, called=bool(self._calls))
        return self._chunk([wire.ChunkChoiceOut(0, wire.DeltaOut(), name)])

    def usage(self, u: Usage | None) -> wire.ChunkOut | None:
        if not self._include_usage:
            return None
        return self._chunk([], usage(u or Usage()))

    def _call(self, delta: ToolCallDelta) -> wire.ToolCallDeltaOut:
        function = wire.FunctionDeltaOut(delta.arguments)
        if delta.index in self._calls:
            return wire.ToolCallDeltaOut(delta.index, function)
        self._calls.add(delta.index)
        function.name = delta.name or ""
        id_ = delta.id or new_call_id()
        return wire.ToolCallDeltaOut(delta.index, function, id_, "function")
