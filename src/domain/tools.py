"""What agents ask of a model besides text: tools it may call, and the shape of its output."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from domain.errors import InvalidMessage

# The strictest of the providers' rules for a function name (OpenAI's and Gemini's).
TOOL_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")
MAX_TOOLS = 128
# What a call in a conversation may carry, whoever made it (a client's history, a stored reply).
MAX_CALL_ID_LENGTH = 200
MAX_TOOL_NAME_LENGTH = 64
# OpenAI's rule for a response format's name, which it refuses otherwise.
_OUTPUT_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# A JSON schema from a client is walked here, iteratively, before any adapter recurses over it.
MAX_SCHEMA_DEPTH = 32  # objects and arrays, the schema itself counting as 1
MAX_SCHEMA_BYTES = 64 * 1024  # encoded JSON (UTF-8), per schema
MAX_TOOLS_BYTES = 512 * 1024  # encoded JSON of every tool's schema and description together


@dataclass(frozen=True, slots=True)
class Tool:
    """A function the model may call; ``parameters`` is the JSON Schema of its arguments (an
    object schema)."""

    name: str
    parameters: Mapping[str, Any]
    description: str | None = None
    strict: bool | None = None


class ToolChoiceMode(StrEnum):
    AUTO = "auto"  # the model decides
    NONE = "none"  # no tool call
    REQUIRED = "required"  # at least one call (of ``name`` when given)


@dataclass(frozen=True, slots=True)
class ToolChoice:
    mode: ToolChoiceMode = ToolChoiceMode.AUTO
    name: str | None = None
    """With ``REQUIRED``: the one tool the model must call."""


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A call the model made. ``arguments`` is the JSON text of an object. ``signature`` is
    opaque provider state tied to the call (Gemini's ``thoughtSignature``), given back to that
    provider with the call when the conversation is replayed; other providers ignore it."""

    id: str
    name: str
    arguments: str = "{}"
    signature: str | None = None

    def arguments_object(self) -> dict[str, Any]:
        """The arguments as an object; ``{}`` when the model wrote something that is not one."""
        try:
            value = json.loads(self.arguments or "{}")
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}


@dataclass(frozen=True, slots=True)
class ToolCallDelta:
    """A streamed piece of the ``index``-th call: its id and name come first, then fragments of
    its arguments' JSON text."""

    index: int
    id: str | None = None
    name: str | None = None
    arguments: str = ""
    signature: str | None = None


class OutputKind(StrEnum):
    TEXT = "text"
    JSON_OBJECT = "json_object"  # any JSON object
    JSON_SCHEMA = "json_schema"  # JSON following ``schema``


@dataclass(frozen=True, slots=True)
class OutputFormat:
    kind: OutputKind = OutputKind.TEXT
    schema: Mapping[str, Any] | None = None
    name: str = "output"
    strict: bool | None = None
    description: str | None = None


def new_call_id() -> str:
    """An id for a call the provider gave none: unique, as a conversation's call ids must be."""
    return f"call_{uuid.uuid4().hex}"


def assemble_tool_calls(deltas: Iterable[ToolCallDelta]) -> tuple[ToolCall, ...]:
    """The calls a stream's deltas add up to, by index (ids, names and signatures from their
    first piece; a call streamed without an id gets a fresh one)."""
    ids: dict[int, str] = {}
    names: dict[int, str] = {}
    signatures: dict[int, str] = {}
    arguments: dict[int, list[str]] = {}
    for delta in deltas:
        if delta.id and delta.index not in ids:
            ids[delta.index] = delta.id
        if delta.name and delta.index not in names:
            names[delta.index] = delta.name
        if delta.signature and delta.index not in signatures:
            signatures[delta.index] = delta.signature
        arguments.setdefault(delta.index, []).append(delta.arguments)
    return tuple(
        ToolCall(
            ids.get(i) or new_call_id(),
            names.get(i, ""),
            "".join(arguments[i]) or "{}",
            signatures.get(i),
        )
        for i in sorted(arguments)
    )


def check_tools(
    tools: tuple[Tool, ...], choice: ToolChoice | None, output: OutputFormat | None
) -> None:
    """- tool names are unique and what every provider accepts; parameters are object schemas;
    - a named tool choice names a declared tool; a tool choice needs tools;
    - a JSON schema output carries an object schema."""
    if len(tools) > MAX_TOOLS:
        raise InvalidMessage(f"tools: at most {MAX_TOOLS} tools")
    seen: set[str] = set()
    total = 0
    for i, tool in enumerate(tools):
        if not TOOL_NAME.fullmatch(tool.name):
            raise InvalidMessage(
                f"tools[{i}].function.name must be 1-64 letters, digits, '_', '.' or '-', "
                "starting with a letter or '_'"
            )
        if tool.name in seen:
            raise InvalidMessage(f"tools[{i}].function.name {tool.name!r} is declared twice")
        seen.add(tool.name)
        where = f"tools[{i}].function.parameters"
        total += _check_json_size(where, tool.parameters) + len((tool.description or "").encode())
        _check_object_schema(tool.parameters, where)
        if total > MAX_TOOLS_BYTES:
            raise InvalidMessage(
                f"tools: their parameters and descriptions add up to more than "
                f"{MAX_TOOLS_BYTES // 1024} KiB"
            )
    if choice is not None and choice.mode is ToolChoiceMode.REQUIRED and not tools:
        raise InvalidMessage("tool_choice requires tools")
    if choice is not None and choice.name is not None and choice.name not in seen:
        raise InvalidMessage(f"tool_choice names {choice.name!r}, which is not in tools")
    if output is not None and output.kind is OutputKind.JSON_SCHEMA:
        if not _OUTPUT_NAME.fullmatch(output.name):
            raise InvalidMessage(
                "response_format.json_schema.name must be 1-64 letters, digits, '_' or '-'"
            )
        if output.schema is None:
            raise InvalidMessage("response_format.json_schema.schema is required")
        where = "response_format.json_schema.schema"
        _check_json_size(where, output.schema)
        _check_object_schema(output.schema, where)


def _check_json_size(where: str, schema: object) -> int:
    """The size of ``schema`` as encoded JSON, once its depth, types and size are checked
    without recursion (a hostile schema nested thousands deep must not reach the adapters)."""
    if not isinstance(schema, Mapping):
        raise InvalidMessage(f"{where} must be a JSON Schema object")
    stack: list[tuple[object, int]] = [(schema, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, Mapping | list | tuple):
            if depth > MAX_SCHEMA_DEPTH:
                raise InvalidMessage(f"{where} is nested too deep (at most {MAX_SCHEMA_DEPTH})")
            if isinstance(value, Mapping):
                if not all(isinstance(k, str) for k in value):
                    raise InvalidMessage(f"{where} has a key that is not a string")
                stack.extend((v, depth + 1) for v in value.values())
            else:
                stack.extend((v, depth + 1) for v in value)
        elif value is not None and not isinstance(value, str | int | float | bool):
            raise InvalidMessage(f"{where} holds a value that is not JSON")
    # Depth and types are checked: encoding recurses at most MAX_SCHEMA_DEPTH deep.
    size = len(json.dumps(schema, ensure_ascii=False, separators=(",", ":")).encode())
    if size > MAX_SCHEMA_BYTES:
        raise InvalidMessage(
            f"{where} is too large: {size} bytes of JSON, at most {MAX_SCHEMA_BYTES // 1024} KiB"
        )
    return size


def _check_object_schema(schema: Mapping[str, Any], where: str) -> None:
    if not isinstance(schema, Mapping):
        raise InvalidMessage(f"{where} must be a JSON Schema object")
    kind = schema.get("type", "object")
    if kind != "object":
        raise InvalidMessage(f"{where} must describe an object (type 'object'), not {kind!r}")
    properties = schema.get("properties", {})
    if not isinstance(properties, Mapping) or not all(
        isinstance(v, Mapping) for v in properties.values()
    ):
        raise InvalidMessage(f"{where}.properties must map names to schemas")
    required = schema.get("required", [])
    if not isinstance(required, list) or not all(isinstance(r, str) for r in required):
        raise InvalidMessage(f"{where}.required must be a list of property names")
