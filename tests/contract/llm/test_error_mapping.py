"""A provider's error answers become the domain's errors, without any part of the key."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from domain.errors import (
    InvalidApiKey,
    ModelNotFound,
    ProviderProtocolError,
)
from tests.support.fake_http_api import reply, sse_reply
from tests.support.llm_contract import (
    CANARY,
    Case,
    Harness,
)


async def test_a_bad_key_is_invalid_api_key_and_not_retried(
    harness: Callable[..., Harness], case: Case
) -> None:
    h = harness(case.bad_key)
    with pytest.raises(InvalidApiKey) as caught:
        await h.list_models()
    assert caught.value.provider == case.provider
    assert len(h.api.requests) == 1
    assert h.sleeps == []


async def test_a_bad_key_message_carries_no_part_of_the_key(
    harness: Callable[..., Harness], case: Case
) -> None:
    h = harness(case.bad_key)
    for call in (h.list_models, h.complete, h.stream):
        with pytest.raises(InvalidApiKey) as caught:
            await call()
        text = f"{caught.value} {caught.value.message!r} {caught.value.args!r}"
        assert CANARY not in text
        assert "sk-canary" not in text
        assert CANARY[-8:] not in text
        assert CANARY[:8] not in text


async def test_an_unknown_model_is_model_not_found(
    harness: Callable[..., Harness], case: Case
) -> None:
    h = harness(case.unknown_model)
    with pytest.raises(ModelNotFound):
        await h.complete()
    with pytest.raises(ModelNotFound):
        await h.stream()
    assert len(h.api.requests) == 2


@pytest.mark.parametrize(
    "body",
    [
        b"<html>502 Bad Gateway</html>",
        b'{"choices": "nope", "candidates": 7, "content": 1, "data": 7, "models": "nope"}',
    ],
)
async def test_a_malformed_body_is_a_protocol_error(
    harness: Callable[..., Harness], case: Case, body: bytes
) -> None:
    h = harness(reply(200, body))
    with pytest.raises(ProviderProtocolError):
        await h.complete()
    with pytest.raises(ProviderProtocolError):
        await h.list_models()
    assert len(h.api.requests) == 2  # never retried


async def test_a_malformed_stream_event_is_a_protocol_error(
    harness: Callable[..., Harness], case: Case
) -> None:
    h = harness(sse_reply(b"event: content_block_delta\ndata: {not json\n\n"))
    with pytest.raises(ProviderProtocolError):
        await h.stream()


async def test_a_json_body_where_a_stream_was_asked_for_is_a_protocol_error(
    harness: Callable[..., Harness], case: Case
) -> None:
    h = harness(case.completion)
    with pytest.raises(ProviderProtocolError):
        await h.stream()
    assert len(h.api.requests) == 1


async def test_an_oversized_body_is_refused(harness: Callable[..., Harness], case: Case) -> None:
    h = harness(reply(200, b'{"data": [' + b" " * (9 * 1024 * 1024) + b"]}"))
    with pytest.raises(ProviderProtocolError):
        await h.list_models()


async def test_a_redirect_is_not_followed(harness: Callable[..., Harness], case: Case) -> None:
    h = harness(reply(307, b"", {"location": "http://169.254.169.254/latest/meta-data/"}))
    with pytest.raises(ProviderProtocolError) as caught:
        await h.list_models()
    assert "169.254" not in str(caught.value)
    assert len(h.api.requests) == 1
