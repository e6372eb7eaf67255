"""The JSON of a message's parts and tool calls: order kept, and a provider's signature on a
call carried when there is one."""

from __future__ import annotations

from adapters.persistence.sqlalchemy._message_parts import (
    calls_from_json,
    calls_to_json,
    parts_from_json,
    parts_to_json,
)
from domain.content import ImagePart, TextPart
from domain.tools import ToolCall


def test_parts_keep_their_order_and_their_bytes() -> None:
    parts = (
        TextPart("a"),
        ImagePart(media_type="image/png", data=b"\x89PNG\x00"),
        TextPart("b"),
        ImagePart(url="https://example.com/x.png", detail="low"),
    )

    encoded = parts_to_json(parts)

    assert encoded is not None
    assert [p["type"] for p in encoded] == ["text", "image", "text", "image"]
    assert parts_from_json(encoded) == parts
    assert parts_to_json(()) is None


def test_calls_read_back_and_a_signature_key_is_understood() -> None:
    calls = (ToolCall("call_1", "f", "{}"),)
    encoded = calls_to_json(calls)

    assert encoded == [{"id": "call_1", "name": "f", "arguments": "{}"}]
    assert calls_from_json(encoded) == calls
    # A provider's signature on a call (Gemini's thoughtSignature) is kept both ways.
    signed = calls_from_json([{**encoded[0], "signature": "c2ln"}])
    assert signed == (ToolCall("call_1", "f", "{}", "c2ln"),)
    assert calls_to_json(signed) == [{**encoded[0], "signature": "c2ln"}]
