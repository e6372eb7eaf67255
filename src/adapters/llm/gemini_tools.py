"""Gemini's function calling, and the JSON Schemas it is given.

- Tools go as ``functionDeclarations`` with ``parametersJsonSchema``; the tool choice as
  ``toolConfig.functionCallingConfig`` (``AUTO``, ``ANY`` with ``allowedFunctionNames`` for a named
  tool, ``NONE``).
- Gemini gives calls no ids: BYOM derives them from the response id, the call's position and its
  name and arguments, so the same reply gives the same ids (a reply without a response id gets
  fresh random ids); answers go back as ``functionResponse`` parts matched by name, in the order
  of the calls.
- A call's ``thoughtSignature`` (a sibling of ``functionCall`` in its part) is kept as the
  call's opaque ``signature`` and sent back on the replayed ``functionCall`` part, as Gemini 3
  requires (ai.google.dev/gemini-api/docs/thought-signatures).
- A JSON Schema holding a keyword Gemini does not apply (its reference lists those it does) is
  refused, not sent to be ignored.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from adapters.llm import gemini_wire as wire
from domain.errors import UnsupportedFeature
from domain.llm import CompletionRequest
from domain.provider import Provider
from domain.tools import ToolCall, ToolChoiceMode, new_call_id

PROVIDER = Provider.GOOGLE.value

# What ai.google.dev/api/generate-content#FIELDS.response_json_schema says Gemini applies ...
_APPLIED = frozenset(
    {
        "$id", "$defs", "$ref", "$anchor", "type", "format", "title", "description", "enum",
        "items", "prefixItems", "minItems", "maxItems", "minimum", "maximum", "anyOf", "oneOf",
        "properties", "additionalProperties", "required", "propertyOrdering",
    }
)  # fmt: skip
# ... and annotations, which constrain nothing (so nothing is lost when Gemini ignores them).
_ANNOTATIONS = frozenset(
    {"$schema", "$comment", "default", "examples", "deprecated", "readOnly", "writeOnly"}
)
# Keywords whose value is a map of names to schemas, or a schema, or a list of schemas.
_SCHEMA_MAPS = frozenset({"properties", "$defs", "definitions"})
_SCHEMA_VALUES = frozenset({"items", "additionalProperties"})
_SCHEMA_LISTS = frozenset({"anyOf", "oneOf", "prefixItems"})


def check_schema(schema: Mapping[str, Any], where: str) -> dict[str, Any]:
    """The schema as sent, after refusing any keyword Gemini would not apply."""
    _check(schema, where)
    return dict(schema)


def _check(schema: Any, where: str) -> None:
    if not isinstance(schema, Mapping):
        return  # true / false schemas
    for key, value in schema.items():
        if key not in _APPLIED and key not in _ANNOTATIONS:
            raise UnsupportedFeature(
                PROVIDER,
                where,
                f"{where}: Gemini does not apply the JSON Schema keyword {key!r} (it takes "
                f"{', '.join(sorted(_APPLIED))}); remove it or use another provider",
            )
        if key in _SCHEMA_MAPS and isinstance(value, Mapping):
            for name, sub in value.items():
                _check(sub, f"{where}.{key}.{name}")
        elif key in _SCHEMA_VALUES:
            _check(value, f"{where}.{key}")
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            for i, sub in enumerate(value):
                _check(sub, f"{where}.{key}[{i}]")


def declarations(request: CompletionRequest) -> list[wire.ToolDeclarations] | None:
    if not request.tools:
        return None
    return [
        wire.ToolDeclarations(
            [
                wire.FunctionDeclaration(
                    name=tool.name,
                    description=tool.description,
                    parameters_json_schema=check_schema(
                        tool.parameters, f"tools[{i}].function.parameters"
                    ),
                )
                for i, tool in enumerate(request.tools)
            ]
        )
    ]


def tool_config(request: CompletionRequest) -> wire.ToolConfig | None:
    """Gemini calls several functions at once when it sees fit and has no switch to stop it:
    ``parallel_tool_calls: false`` is refused."""
    if request.parallel_tool_calls is False and request.tools:
        raise UnsupportedFeature(
            PROVIDER,
            "parallel_tool_calls",
            "parallel_tool_calls: Gemini has no way to turn parallel function calls off",
        )
    choice = request.tool_choice
    if choice is None or not request.tools:
        return None
    if choice.mode is ToolChoiceMode.REQUIRED:
        names = [choice.name] if choice.name else None
        config = wire.FunctionCallingConfig("ANY", allowed_function_names=names)
    else:
        config = wire.FunctionCallingConfig(choice.mode.value.upper())
    return wire.ToolConfig(config)


def function_call(call: ToolCall) -> wire.Part:
    return wire.Part(
        function_call=wire.FunctionCall(call.name, call.arguments_object()),
        thought_signature=call.signature,
    )


def function_response(name: str, output: str) -> wire.Part:
    """``response`` must be an object: a JSON object output is passed as is, anything else is
    wrapped as ``{"result": output}``."""
    try:
        value = json.loads(output)
    except ValueError:
        value = None
    response = value if isinstance(value, dict) else {"result": output}
    return wire.Part(function_response=wire.FunctionResponse(name, response))


def call_id(response_id: str | None, position: int, call: wire.FunctionCall) -> str:
    """A stable id for the ``position``-th call of a reply; a fresh one without a response id
    (position, name and arguments alone repeat across replies)."""
    if not response_id:
        return new_call_id()
    arguments = json.dumps(call.args, sort_keys=True, separators=(",", ":"))
    seed = f"{response_id}\x00{position}\x00{call.name}\x00{arguments}"
    return f"call_{hashlib.sha256(seed.encode()).hexdigest()[:24]}"


def tool_call(response_id: str | None, position: int, part: wire.Part) -> ToolCall:
    """The call of a ``functionCall`` part, with the part's ``thoughtSignature``."""
    call = part.function_call or wire.FunctionCall("")
    return ToolCall(
        call_id(response_id, position, call),
        call.name,
        json.dumps(call.args),
        part.thought_signature or None,
    )
