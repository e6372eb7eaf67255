"""What the fake provider answers when a request asks for tools or JSON: a scripted stand-in
for a model, deterministic and simple, not a language model.

- tools offered (tool choice not ``none``) and the last turn the user's: one call of the named
  tool (or the first), its required arguments filled from their JSON Schema: integers and
  numbers from the first number in the user's text (else 1), strings the first phrase it
  quotes ('like this', else "stand-in"), booleans
  true, arrays empty, objects filled the same way;
- JSON following a schema: an object filled the same way;
- any JSON object: the keys the user's text quotes ('like' 'this'), each a short string, or
  ``{"reply": <the fake's reply>}``;
- otherwise (and after a tool's answer): the fake's plain reply.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from domain.llm import CompletionRequest, Reply, Role
from domain.tools import OutputKind, ToolCall, ToolChoiceMode

_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_QUOTED = re.compile(r"'([A-Za-z_][A-Za-z0-9_]*)'")
_PHRASE = re.compile(r"'([^']+)'")


def scripted_reply(request: CompletionRequest, default: str) -> Reply:
    last = request.messages[-1] if request.messages else None
    user_text = last.text if last is not None and last.role is Role.USER else ""
    choice = request.tool_choice
    calling = choice is None or choice.mode is not ToolChoiceMode.NONE
    if request.tools and calling and last is not None and last.role is Role.USER:
        name = choice.name if choice is not None and choice.name else request.tools[0].name
        tool = next(t for t in request.tools if t.name == name)
        arguments = json.dumps(_fill(tool.parameters, user_text))
        return Reply("", (ToolCall(f"call_{len(request.messages)}", name, arguments),))
    output = request.output
    if output is not None and output.kind is OutputKind.JSON_SCHEMA and output.schema:
        return Reply(json.dumps(_fill(output.schema, user_text)))
    if output is not None and output.kind is OutputKind.JSON_OBJECT:
        keys = _QUOTED.findall(user_text)
        value = dict.fromkeys(keys, "stand-in") if keys else {"reply": default}
        return Reply(json.dumps(value))
    return Reply(default)


def _fill(schema: Mapping[str, Any], text: str) -> Any:
    kind = schema.get("type")
    if "anyOf" in schema:
        return _fill(schema["anyOf"][0], text)
    if kind == "object" or "properties" in schema:
        properties: Mapping[str, Any] = schema.get("properties", {})
        return {name: _fill(properties[name], text) for name in schema.get("required", ())}
    if kind in ("integer", "number"):
        found = _NUMBER.search(text)
        value = float(found.group()) if found else 1.0
        return int(value) if kind == "integer" else value
    if kind == "boolean":
        return True
    if kind == "array":
        return []
    if "enum" in schema:
        return schema["enum"][0]
    phrase = _PHRASE.search(text)
    return phrase.group(1) if phrase else "stand-in"
