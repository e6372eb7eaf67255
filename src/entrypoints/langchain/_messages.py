"""LangChain messages and tools to BYOM's domain, and BYOM's answers back to LangChain."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    InvalidToolCall,
    SystemMessage,
    ToolMessage,
)
from langchain_core.messages import (
    ToolCall as LcToolCall,
)

from domain.content import ContentPart, ImagePart, TextPart, image_from_url
from domain.llm import ChatMessage, Role
from domain.tools import OutputFormat, OutputKind, Tool, ToolCall, ToolChoice, ToolChoiceMode


def to_messages(messages: Sequence[BaseMessage]) -> tuple[ChatMessage, ...]:
    """System, human (text and images), AI (text and tool calls) and tool messages; any
    other kind is refused (``ValueError``)."""
    names: dict[str, str] = {}
    turns: list[ChatMessage] = []
    for i, message in enumerate(messages):
        where = f"messages[{i}]"
        if isinstance(message, SystemMessage):
            turns.append(ChatMessage(Role.SYSTEM, _text(message.content, where)))
        elif isinstance(message, HumanMessage):
            turns.append(ChatMessage(Role.USER, _parts(message.content, where)))
        elif isinstance(message, AIMessage):
            calls = tuple(
                ToolCall(call["id"] or f"call_{i}_{n}", call["name"], json.dumps(call["args"]))
                for n, call in enumerate(message.tool_calls)
            )
            names.update((call.id, call.name) for call in calls)
            turns.append(ChatMessage(Role.ASSISTANT, _text(message.content, where), calls))
        elif isinstance(message, ToolMessage):
            call_id = message.tool_call_id
            name = message.name or names.get(call_id)
            content = _text(message.content, where)
            turns.append(ChatMessage(Role.TOOL, content, tool_call_id=call_id, name=name))
        else:
            raise ValueError(f"{where}: a {message.type} message is not supported by BYOM")
    return tuple(turns)


def _text(content: str | list[str | dict[str, Any]], where: str) -> str:
    if isinstance(content, str):
        return content
    pieces: list[str] = []
    for block in content:
        if isinstance(block, str):
            pieces.append(block)
        elif block.get("type") == "text":
            pieces.append(str(block.get("text", "")))
        elif block.get("type") in ("tool_use", "tool_call", "reasoning", "thinking"):
            continue  # an AI message's own record of its calls, carried by ``tool_calls``
        else:
            raise ValueError(f"{where}: content of type {block.get('type')!r} is only text here")
    return "".join(pieces)


def _parts(content: str | list[str | dict[str, Any]], where: str) -> str | tuple[ContentPart, ...]:
    if isinstance(content, str):
        return content
    parts: list[ContentPart] = []
    for j, block in enumerate(content):
        at = f"{where}.content[{j}]"
        if isinstance(block, str):
            parts.append(TextPart(block))
        elif block.get("type") == "text":
            parts.append(TextPart(str(block.get("text", ""))))
        elif block.get("type") == "image_url":
            image = block.get("image_url")
            url, detail = (
                (image.get("url"), image.get("detail"))
                if isinstance(image, dict)
                else (
                    image,
                    None,
                )
            )
            parts.append(image_from_url(str(url), detail=detail, where=at))
        elif block.get("type") == "image":
            parts.append(_image_block(block, at))
        else:
            raise ValueError(f"{at}: content of type {block.get('type')!r} is not supported")
    return tuple(parts)


def _image_block(block: Mapping[str, Any], where: str) -> ImagePart:
    """LangChain's standard image block: ``base64`` (or ``data``) with ``mime_type``, or
    ``url``."""
    data = block.get("base64") or block.get("data")
    if data:
        mime = block.get("mime_type") or "image/jpeg"
        return image_from_url(f"data:{mime};base64,{data}", where=where)
    if block.get("url"):
        return image_from_url(str(block["url"]), where=where)
    raise ValueError(f"{where}: an image block needs base64 data or a url")


def to_tools(tools: Sequence[Mapping[str, Any]]) -> tuple[Tool, ...]:
    """OpenAI-shaped tools (``convert_to_openai_tool``) to the domain's."""
    found: list[Tool] = []
    for i, tool in enumerate(tools):
        function = tool.get("function") if isinstance(tool, Mapping) else None
        if not isinstance(function, Mapping) or not isinstance(function.get("name"), str):
            raise ValueError(
                f"tools[{i}] must be OpenAI-shaped: "
                '{"type": "function", "function": {"name": ..., "parameters": {...}}}'
            )
        found.append(
            Tool(
                name=function["name"],
                parameters=function.get("parameters") or {"type": "object", "properties": {}},
                description=function.get("description"),
                strict=function.get("strict"),
            )
        )
    return tuple(found)


def to_tool_choice(choice: Any) -> ToolChoice | None:
    """``auto`` / ``none`` / ``required`` (or ``any``, or ``True``), a tool's name, or OpenAI's
    ``{"type": "function", "function": {"name": ...}}``."""
    if choice is None or choice is False:
        return None
    if choice is True or choice in ("any", "required"):
        return ToolChoice(ToolChoiceMode.REQUIRED)
    if choice == "auto":
        return ToolChoice(ToolChoiceMode.AUTO)
    if choice == "none":
        return ToolChoice(ToolChoiceMode.NONE)
    if isinstance(choice, str):
        return ToolChoice(ToolChoiceMode.REQUIRED, choice)
    if isinstance(choice, Mapping) and isinstance(choice.get("function"), Mapping):
        name = choice["function"].get("name")
        if isinstance(name, str):
            return ToolChoice(ToolChoiceMode.REQUIRED, name)
    raise ValueError(f"tool_choice {choice!r} is not one BYOM understands")


def to_output(response_format: Mapping[str, Any] | None) -> OutputFormat | None:
    """OpenAI's ``response_format``: ``json_object``, or ``json_schema`` with its schema."""
    if response_format is None:
        return None
    kind = response_format.get("type")
    if kind == "json_object":
        return OutputFormat(OutputKind.JSON_OBJECT)
    if kind == "json_schema":
        spec = response_format.get("json_schema")
        if not isinstance(spec, Mapping) or not isinstance(spec.get("schema"), Mapping):
            raise ValueError(
                'response_format json_schema needs {"json_schema": {"name": ..., "schema": {...}}}'
            )
        return OutputFormat(
            OutputKind.JSON_SCHEMA, spec["schema"], spec.get("name", "output"), spec.get("strict")
        )
    if kind == "text":
        return OutputFormat(OutputKind.TEXT)
    raise ValueError(f"response_format {kind!r} is not one BYOM understands")


def tool_calls_of(calls: Sequence[ToolCall]) -> tuple[list[LcToolCall], list[InvalidToolCall]]:
    """The model's calls as LangChain's; arguments that are not a JSON object are invalid."""
    valid: list[LcToolCall] = []
    invalid: list[InvalidToolCall] = []
    for call in calls:
        try:
            args = json.loads(call.arguments or "{}")
        except ValueError:
            args = None
        if isinstance(args, dict):
            valid.append(LcToolCall(name=call.name, args=args, id=call.id, type="tool_call"))
        else:
            invalid.append(
                InvalidToolCall(
                    name=call.name,
                    args=call.arguments,
                    id=call.id,
                    error="arguments are not a JSON object",
                    type="invalid_tool_call",
                )
            )
    return valid, invalid
