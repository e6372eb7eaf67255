"""OpenAI's ``messages`` -> the domain's ``ChatMessage`` turns.

- system / developer: text; user: text, or text and image parts (``image_url`` with a data URL
  or an https URL); assistant: text and ``tool_calls`` (their arguments the JSON text of an
  object); tool: the answer to one call, by ``tool_call_id``;
- the pairing rules (``domain.conversation``) are checked here, so a refusal names the index of
  the message as the client sent it.
"""

from __future__ import annotations

import json
import re

from domain.content import ContentPart, ImagePart, TextPart, image_from_url
from domain.conversation import check_conversation
from domain.errors import InvalidMessage
from domain.llm import ChatMessage, Role
from domain.tools import ToolCall
from entrypoints.http.gateway import wire
from entrypoints.http.gateway.errors import NOT_SUPPORTED, BadRequest, UnsupportedRequest, param_of

_ROLES = {
    "system": Role.SYSTEM,
    "developer": Role.SYSTEM,
    "user": Role.USER,
    "assistant": Role.ASSISTANT,
    "tool": Role.TOOL,
}
_INDEX = re.compile(r"^messages\[(\d+)\]")


def messages(raw: list[wire.MessageIn]) -> tuple[ChatMessage, ...]:
    if not raw:
        raise BadRequest("messages must not be empty", "messages")
    kept: list[tuple[int, ChatMessage]] = []
    names: dict[str, str] = {}  # call id -> tool name, for the tool turns that answer them
    for i, message in enumerate(raw):
        translated = _message(i, message, names)
        if translated is not None:
            kept.append((i, translated))
            names.update((c.id, c.name) for c in translated.tool_calls)
    _check_pairing(kept)
    return tuple(m for _, m in kept)


def _check_pairing(kept: list[tuple[int, ChatMessage]]) -> None:
    turns = [(i, m) for i, m in kept if m.role is not Role.SYSTEM]
    try:
        check_conversation(tuple(m for _, m in turns))
    except InvalidMessage as exc:
        message = _INDEX.sub(lambda found: f"messages[{turns[int(found[1])][0]}]", exc.message)
        raise BadRequest(message, param_of(message)) from None


def _message(index: int, raw: wire.MessageIn, names: dict[str, str]) -> ChatMessage | None:
    where = f"messages[{index}]"
    role = _ROLES.get(raw.role)
    if role is None:
        hint = " (use tool messages)" if raw.role == "function" else ""
        raise UnsupportedRequest(f"role {raw.role!r} {NOT_SUPPORTED}{hint}", f"{where}.role")
    if raw.function_call is not None:
        raise UnsupportedRequest(
            f"the legacy function_call message {NOT_SUPPORTED} (use tool_calls)",
            f"{where}.function_call",
        )
    if raw.tool_calls and role is not Role.ASSISTANT:
        raise BadRequest(f"{where}: only assistant messages hold tool_calls", f"{where}.tool_calls")
    if role is Role.TOOL:
        return _tool_result(where, raw, names)
    if role is Role.USER:
        parts = _parts(where, raw.content, images=True)
        if not any(isinstance(p, ImagePart) or p.text.strip() for p in parts):
            raise BadRequest(f"{where}.content must not be empty", f"{where}.content")
        if any(isinstance(p, ImagePart) for p in parts):
            return ChatMessage(role, parts)
        return ChatMessage(role, _joined(parts))
    text = _joined(_parts(where, raw.content, images=False))
    if role is Role.SYSTEM:
        if not text.strip():
            raise BadRequest(f"{where}.content must not be empty", f"{where}.content")
        return ChatMessage(role, text)
    calls = tuple(_call(f"{where}.tool_calls[{j}]", c) for j, c in enumerate(raw.tool_calls or ()))
    if not text.strip() and not calls:
        return None  # an empty assistant turn carries nothing providers would accept
    return ChatMessage(role, text, tool_calls=calls)


def _tool_result(where: str, raw: wire.MessageIn, names: dict[str, str]) -> ChatMessage:
    if not raw.tool_call_id:
        raise BadRequest(f"{where}: a tool message needs tool_call_id", f"{where}.tool_call_id")
    text = _joined(_parts(where, raw.content, images=False))
    name = names.get(raw.tool_call_id) or raw.name
    return ChatMessage(Role.TOOL, text, tool_call_id=raw.tool_call_id, name=name)


def _call(where: str, raw: wire.ToolCallIn) -> ToolCall:
    if raw.type != "function":
        raise UnsupportedRequest(f"tool calls of type {raw.type!r} {NOT_SUPPORTED}", where)
    try:
        arguments = json.loads(raw.function.arguments)
    except ValueError:
        arguments = None
    if not isinstance(arguments, dict):
        raise BadRequest(
            f"{where}.function.arguments must be the JSON text of an object",
            f"{where}.function.arguments",
        )
    return ToolCall(raw.id, raw.function.name, raw.function.arguments)


def _parts(
    where: str, content: str | list[wire.ContentPart] | None, *, images: bool
) -> tuple[ContentPart, ...]:
    if content is None or isinstance(content, str):
        return (TextPart(content),) if content else ()
    parts: list[ContentPart] = []
    for i, part in enumerate(content):
        here = f"{where}.content[{i}]"
        if part.type == "text" and part.text is None:
            raise BadRequest(f"{here}: a text part needs a text string", f"{here}.text")
        if part.type == "text" and part.text is not None:
            parts.append(TextPart(part.text))
        elif part.type == "image_url" and part.image_url is not None and images:
            parts.append(_image(here, part.image_url))
        elif part.type == "image_url":
            raise BadRequest(f"{where}: only user messages hold images", here)
        else:
            raise UnsupportedRequest(
                f"content parts of type {part.type!r} (audio, files) {NOT_SUPPORTED}", here
            )
    return tuple(parts)


def _image(where: str, raw: wire.ImageUrl | str) -> ImagePart:
    url, detail = (raw, None) if isinstance(raw, str) else (raw.url, raw.detail)
    param = f"{where}.image_url"
    try:
        return image_from_url(url, detail=detail, where=param)
    except InvalidMessage as exc:
        raise BadRequest(exc.message, param) from None


def _joined(parts: tuple[ContentPart, ...]) -> str:
    return "\n".join(p.text for p in parts if isinstance(p, TextPart))
