"""A message's parts and tool calls as the JSON its columns hold (null when there are none)."""

from __future__ import annotations

import base64
from typing import Any

from domain.content import ContentPart, ImagePart, TextPart
from domain.tools import ToolCall


def parts_to_json(parts: tuple[ContentPart, ...]) -> list[dict[str, Any]] | None:
    """In order: ``{"type": "text", "text"}`` and ``{"type": "image", "media_type", "data"
    (base64), "url", "detail"}``."""
    if not parts:
        return None
    return [
        {"type": "text", "text": part.text}
        if isinstance(part, TextPart)
        else {
            "type": "image",
            "media_type": part.media_type,
            "data": None if part.data is None else part.base64(),
            "url": part.url,
            "detail": part.detail,
        }
        for part in parts
    ]


def parts_from_json(value: list[dict[str, Any]] | None) -> tuple[ContentPart, ...]:
    return tuple(_part(item) for item in value or ())


def _part(item: dict[str, Any]) -> ContentPart:
    if item.get("type") == "text":
        return TextPart(item["text"])
    return ImagePart(
        media_type=item.get("media_type"),
        data=None if item.get("data") is None else base64.b64decode(item["data"]),
        url=item.get("url"),
        detail=item.get("detail"),
    )


def calls_to_json(calls: tuple[ToolCall, ...]) -> list[dict[str, Any]] | None:
    """``[{"id", "name", "arguments", "signature"?}]``."""
    if not calls:
        return None
    return [_call_json(c) for c in calls]


def _call_json(call: ToolCall) -> dict[str, Any]:
    item: dict[str, Any] = {"id": call.id, "name": call.name, "arguments": call.arguments}
    if call.signature is not None:
        # A provider's opaque token for the call (Gemini's thoughtSignature), sent back on replay.
        item["signature"] = call.signature
    return item


def calls_from_json(value: list[dict[str, Any]] | None) -> tuple[ToolCall, ...]:
    return tuple(_call(c) for c in value or ())


def _call(item: dict[str, Any]) -> ToolCall:
    return ToolCall(item["id"], item["name"], item["arguments"], item.get("signature"))
