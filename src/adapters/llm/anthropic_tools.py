"""The Anthropic request beyond plain text: content blocks, tools and JSON output.

- A conversation in Anthropic's pairing: an assistant turn's calls are ``tool_use`` blocks; the
  tool turns answering them are ``tool_result`` blocks of ONE user message (a user turn right
  after them joins that message, as Anthropic wants user and assistant to alternate).
- Images: ``image`` blocks with a ``base64`` or a ``url`` source (OpenAI's ``detail`` has no
  Anthropic counterpart: Claude sizes images itself).
- Tools: ``tools[].input_schema``; ``tool_choice`` auto / any / tool / none;
  ``parallel_tool_calls: false`` is ``disable_parallel_tool_use``. Anthropic refuses a history
  with ``tool_use`` / ``tool_result`` blocks in a request without ``tools``: such a request
  declares the tools its history names (any object input, described as no longer offered) with
  ``tool_choice`` none.
- JSON output (``json_object``, ``json_schema``): one forced tool whose input schema is the
  requested schema; its input is the reply's text, never a tool call (``OutputTool``). A
  ``strict`` flag is best effort: the 2023-06-01 API has no strict mode.
- Sampling: ``top_p``; ``user`` is ``metadata.user_id``. Anthropic has no ``seed``,
  ``frequency_penalty`` or ``presence_penalty``; ``reasoning_effort`` is refused (extended
  thinking is not mapped): each is an ``UnsupportedFeature`` before any call.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from adapters.llm import anthropic_wire as wire
from domain.content import ImagePart, TextPart
from domain.errors import UnsupportedFeature
from domain.llm import ChatMessage, CompletionRequest, Role
from domain.provider import Provider
from domain.tools import OutputKind, ToolChoice, ToolChoiceMode

# Anthropic's rule for a tool name (no '.', which the domain allows for OpenAI and Gemini).
_TOOL_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
OUTPUT_DESCRIPTION = (
    "Give your final answer by calling this tool: its input is your answer, "
    "a JSON object following the input schema."
)
HISTORY_TOOL_DESCRIPTION = (
    "No longer offered: called earlier in this conversation; do not call it again."
)
_UNSUPPORTED_SAMPLING = ("seed", "frequency_penalty", "presence_penalty", "reasoning_effort")


def _unsupported(field: str, message: str) -> UnsupportedFeature:
    return UnsupportedFeature(Provider.ANTHROPIC.value, field, f"Anthropic: {message}")


def refuse_unsupported(request: CompletionRequest) -> None:
    """What Anthropic cannot do, refused before any call."""
    for field in _UNSUPPORTED_SAMPLING:
        if getattr(request.sampling, field) is not None:
            raise _unsupported(field, f"{field} is not supported by Anthropic's Messages API")
    for i, tool in enumerate(request.tools):
        if not _TOOL_NAME.fullmatch(tool.name):
            raise _unsupported(
                f"tools[{i}].function.name",
                f"tool name {tool.name!r} must be 1-64 letters, digits, '_' or '-'",
            )
    for i, m in enumerate(request.messages):
        for j, call in enumerate(m.tool_calls):
            if not _TOOL_NAME.fullmatch(call.name):
                raise _unsupported(
                    f"messages[{i}].tool_calls[{j}].function.name",
                    f"tool name {call.name!r} must be 1-64 letters, digits, '_' or '-'",
                )
    if output_tool(request) is not None and request.tools:
        raise _unsupported(
            "response_format",
            "response_format json_object / json_schema cannot be combined with tools "
            "(BYOM gives Anthropic's JSON output through a forced tool of its own)",
        )


def output_tool(request: CompletionRequest) -> str | None:
    """The name of the forced tool that carries a JSON output, ``None`` for a text output."""
    output = request.output
    if output is None or output.kind is OutputKind.TEXT:
        return None
    return re.sub(r"[^A-Za-z0-9_-]", "_", output.name)[:64] or "output"


def _object_schema(schema: Mapping[str, Any] | None) -> dict[str, Any]:
    """Anthropic wants ``type: object`` spelt out; the domain lets it default."""
    return {"type": "object", **(schema or {})}


def tools(request: CompletionRequest) -> tuple[list[wire.ToolDef] | None, wire.ToolChoice | None]:
    """``tools`` and ``tool_choice``: the caller's, or the one forced tool of a JSON output."""
    forced = output_tool(request)
    if forced is not None:
        output = request.output
        schema = (
            output.schema if output is not None and output.kind is OutputKind.JSON_SCHEMA else None
        )
        return (
            [wire.ToolDef(forced, _object_schema(schema), OUTPUT_DESCRIPTION)],
            wire.ToolChoice("tool", name=forced, disable_parallel_tool_use=True),
        )
    if not request.tools:
        return _history_tools(request)
    defs = [
        wire.ToolDef(t.name, _object_schema(t.parameters), t.description) for t in request.tools
    ]
    return defs, _choice(request.tool_choice, single=request.parallel_tool_calls is False)


def _history_tools(
    request: CompletionRequest,
) -> tuple[list[wire.ToolDef] | None, wire.ToolChoice | None]:
    """Without tools, a tool choice asks nothing (Anthropic refuses one), but a history with
    calls needs the tools it names declared: they are, with ``tool_choice`` none."""
    names = dict.fromkeys(c.name for m in request.messages for c in m.tool_calls)
    if not names:
        return None, None
    defs = [wire.ToolDef(n, {"type": "object"}, HISTORY_TOOL_DESCRIPTION) for n in names]
    return defs, wire.ToolChoice("none")


def _choice(choice: ToolChoice | None, *, single: bool) -> wire.ToolChoice | None:
    disable = True if single else None
    if choice is None:
        return wire.ToolChoice("auto", disable_parallel_tool_use=True) if single else None
    if choice.mode is ToolChoiceMode.NONE:
        return wire.ToolChoice("none")
    if choice.mode is ToolChoiceMode.REQUIRED and choice.name:
        return wire.ToolChoice("tool", name=choice.name, disable_parallel_tool_use=disable)
    if choice.mode is ToolChoiceMode.REQUIRED:
        return wire.ToolChoice("any", disable_parallel_tool_use=disable)
    return wire.ToolChoice("auto", disable_parallel_tool_use=disable)


def metadata(request: CompletionRequest) -> wire.Metadata | None:
    user = request.sampling.user
    return wire.Metadata(user_id=user) if user else None


def messages(request: CompletionRequest) -> list[wire.Message]:
    """The conversation (system turns go to ``system``), in Anthropic's pairing."""
    out: list[wire.Message] = []
    results: list[wire.Block] | None = None  # the open user message of a turn's tool results
    for m in request.messages:
        if m.role is Role.SYSTEM:
            continue
        if m.role is Role.TOOL:
            block = wire.ToolResultBlock(tool_use_id=m.tool_call_id or "", content=m.text or None)
            if results is None:
                results = [block]
                out.append(wire.Message("user", results))
            else:
                results.append(block)
            continue
        if m.role is Role.USER and results is not None:
            results.extend(_blocks(m))
        else:
            out.append(wire.Message(m.role.value, _content(m)))
        results = None
    return out


def _content(m: ChatMessage) -> str | list[wire.Block]:
    """Plain text stays a string; images or tool calls make blocks."""
    if m.tool_calls or any(isinstance(p, ImagePart) for p in m.parts):
        return _blocks(m)
    return m.text


def _blocks(m: ChatMessage) -> list[wire.Block]:
    blocks: list[wire.Block] = []
    for part in m.parts:
        if isinstance(part, TextPart):
            if part.text:
                blocks.append(wire.TextBlock(part.text))
        else:
            blocks.append(_image(part))
    blocks += [
        wire.ToolUseBlock(id=c.id, name=c.name, input=c.arguments_object()) for c in m.tool_calls
    ]
    return blocks


def _image(part: ImagePart) -> wire.ImageBlock:
    if part.data is not None:
        return wire.ImageBlock(wire.Base64Source(part.media_type or "", part.base64()))
    return wire.ImageBlock(wire.UrlSource(part.url or ""))
