"""OpenAI wire <-> provider-neutral types, without HTTP."""

from __future__ import annotations

import msgspec
import pytest

from domain.llm import ChatMessage, CompletionChunk, FinishReason, Role, Usage
from entrypoints.http.gateway import wire
from entrypoints.http.gateway.errors import BadRequest, UnsupportedRequest
from entrypoints.http.gateway.replies import ChunkWriter, finish_reason
from entrypoints.http.gateway.translate import relay_request


def _body(**fields: object) -> wire.ChatCompletionIn:
    raw = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}], **fields}
    return msgspec.convert(raw, wire.ChatCompletionIn)


def test_roles_parameters_and_stop_words_translate() -> None:
    request = relay_request(
        _body(
            messages=[
                {"role": "developer", "content": "Be brief."},
                {"role": "user", "content": "hi"},
                {"role": "assistant", "content": None},
                {"role": "assistant", "content": "hello"},
            ],
            max_tokens=10,
            max_completion_tokens=20,
            temperature=0.5,
            stop="END",
            top_p=0.9,
            user="someone",
        )
    )
    assert request.messages == (
        ChatMessage(Role.SYSTEM, "Be brief."),
        ChatMessage(Role.USER, "hi"),
        ChatMessage(Role.ASSISTANT, "hello"),
    )
    assert (request.max_tokens, request.temperature, request.stop) == (20, 0.5, ("END",))


@pytest.mark.parametrize(
    ("fields", "param"),
    [
        ({"messages": [{"role": "function", "content": "42", "name": "f"}]}, "messages[0].role"),
        ({"n": 2}, "n"),
        ({"logprobs": True}, "logprobs"),
        ({"audio": {"voice": "alloy"}}, "audio"),
        ({"response_format": {"type": "grammar"}}, "response_format.type"),
    ],
)
def test_requests_the_gateway_cannot_relay_name_their_param(
    fields: dict[str, object], param: str
) -> None:
    with pytest.raises(UnsupportedRequest) as caught:
        relay_request(_body(**fields))
    assert caught.value.param == param


@pytest.mark.parametrize(
    ("fields", "param"),
    [
        ({"messages": [{"role": "user", "content": "  "}]}, "messages[0].content"),
        ({"messages": []}, "messages"),
    ],
)
def test_invalid_requests_name_their_param(fields: dict[str, object], param: str) -> None:
    with pytest.raises(BadRequest) as caught:
        relay_request(_body(**fields))
    assert caught.value.param == param


def test_finish_reasons_map_to_openais_names() -> None:
    assert [finish_reason(r) for r in FinishReason] == [
        "stop",
        "length",
        "content_filter",
        "tool_calls",
        "stop",
    ]
    assert finish_reason(None) == "stop"


def test_chunks_carry_usage_null_only_when_asked() -> None:
    with_usage = ChunkWriter(id_="c", created=1, model="m", include_usage=True)
    without = ChunkWriter(id_="c", created=1, model="m", include_usage=False)

    def encoded(chunk: wire.ChunkOut | None) -> dict[str, object]:
        assert chunk is not None
        decoded: dict[str, object] = msgspec.json.decode(msgspec.json.encode(chunk))
        return decoded

    assert encoded(with_usage.role())["usage"] is None
    assert "usage" not in encoded(without.role())
    assert encoded(with_usage.content(CompletionChunk(delta="x")))["choices"] == [
        {"index": 0, "delta": {"content": "x"}, "finish_reason": None, "logprobs": None}
    ]
    assert with_usage.content(CompletionChunk(usage=Usage(1, 2))) is None
    last = encoded(with_usage.usage(Usage(3, 4)))
    assert (last["choices"], last["usage"]) == (
        [],
        {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7},
    )
    assert without.usage(Usage(3, 4)) is None
