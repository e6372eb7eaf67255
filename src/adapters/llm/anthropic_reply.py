"""An Anthropic reply in the domain's terms: ``text`` blocks are the text, ``tool_use`` blocks the
calls (``arguments`` = the JSON text of ``input``). When the request asked for JSON output
(``anthropic_tools.output_tool``), the forced tool's input IS the reply's text and the reply ends
in a stop, not in tool calls (text blocks beside it, which a forced tool does not produce, are
left out so that the text stays one JSON object)."""

from __future__ import annotations

import json

from adapters.llm import anthropic_wire as wire
from domain.llm import CompletionChunk, FinishReason
from domain.tools import ToolCall, ToolCallDelta, new_call_id


def reply_text_and_calls(
    content: list[wire.ContentBlock], output_tool: str | None
) -> tuple[str, tuple[ToolCall, ...]]:
    uses = [b for b in content if b.type == "tool_use"]
    if output_tool is not None:
        answer = next((b for b in uses if b.name == output_tool), None)
        return ("" if answer is None else json.dumps(answer.input or {})), ()
    text = "".join(b.text or "" for b in content if b.type == "text")
    calls = tuple(
        ToolCall(b.id or new_call_id(), b.name or "", json.dumps(b.input or {})) for b in uses
    )
    return text, calls


def json_finish(finish: FinishReason, output_tool: str | None) -> FinishReason:
    """The forced tool's ``tool_use`` stop is, for the caller, the end of its answer."""
    if output_tool is not None and finish is FinishReason.TOOL_CALLS:
        return FinishReason.STOP
    return finish


class StreamBlocks:
    """Streamed content blocks as chunks. A call's index is its position among the
    ``tool_use`` blocks (0, 1, ...), not the content block's index."""

    def __init__(self, output_tool: str | None) -> None:
        self._output_tool = output_tool
        self._calls: dict[int, int] = {}  # content block index -> call index
        self._answered = False  # the JSON output got a fragment

    def start(self, event: wire.ContentBlockStart) -> CompletionChunk | None:
        block = event.content_block
        if block.type != "tool_use":
            return None
        if self._output_tool is not None:
            if not self._calls and block.name == self._output_tool:
                self._calls[event.index] = 0
            return None
        call = len(self._calls)
        self._calls[event.index] = call
        return CompletionChunk(tool_calls=(ToolCallDelta(call, id=block.id, name=block.name),))

    def delta(self, event: wire.ContentBlockDelta) -> CompletionChunk | None:
        delta = event.delta
        if delta.type == "text_delta" and delta.text and self._output_tool is None:
            return CompletionChunk(delta=delta.text)
        if delta.type != "input_json_delta" or not delta.partial_json:
            return None
        call = self._calls.get(event.index)
        if call is None:
            return None
        if self._output_tool is not None:
            self._answered = True
            return CompletionChunk(delta=delta.partial_json)
        return CompletionChunk(tool_calls=(ToolCallDelta(call, arguments=delta.partial_json),))

    def end(self) -> CompletionChunk | None:
        """A JSON output whose forced tool came with an empty input is ``{}``."""
        if self._output_tool is not None and self._calls and not self._answered:
            return CompletionChunk(delta="{}")
        return None
