"""A message's images and tool calls as the JSON its columns hold (null when there are none)."""

from __future__ import annotations

import base64
from typing import Any

from domain.content import ImagePart
from domain.tools import ToolCall


def images_to_json(images: tuple[ImagePart, ...]) -> list[dict[str, Any]] | None:
    if not images:
        return None
    return [
        {
            "media_type": image.media_type,
            "data": None if image.data is None else image.base64(),
            "url": image.url,
            "detail": image.detail,
        }
        for image in images
    ]


def images_from_json(value: list[dict[str, Any]] | None) -> tuple[ImagePart, ...]:
    return tuple(
        ImagePart(
            media_type=item.get("media_type"),
            data=None if item.get("data") is None else base64.b64decode(item["data"]),
            url=item.get("url"),
            detail=item.get("detail"),
        )
        for item in value or ()
    )


def calls_to_json(calls: tuple[ToolCall, ...]) -> list[dict[str, Any]] | None:
    if not calls:
        return None
    return [{"id": c.id, "name": c.name, "arguments": c.arguments} for c in calls]


def calls_from_json(value: list[dict[str, Any]] | None) -> tuple[ToolCall, ...]:
    return tuple(ToolCall(c["id"], c["name"], c["arguments"]) for c in value or ())
