"""The official openai SDK against the gateway with malformed exchanges: 400s in OpenAI's shape
that reach no provider."""

from __future__ import annotations

from typing import Any

import openai
import pytest

from domain.provider import Provider
from tests.support.gateway import Gateway
from tests.support.wire import openai as openai_wire

ARGUMENTS = '{"pair": "EURUSD"}'
CALL = openai_wire.tool_call("call_q1", "quote", ARGUMENTS)


async def _openai_client(gateway: Gateway, email: str) -> openai.AsyncOpenAI:
    client = await gateway.user_with_key(email, Provider.OPENAI)
    gateway.api.upstreams[Provider.OPENAI].tool_calls = [CALL]
    return client


def _image(url: str) -> Any:
    return {"role": "user", "content": [{"type": "image_url", "image_url": {"url": url}}]}


QUESTION: Any = {"role": "user", "content": "Where is EURUSD?"}
ASKED: Any = {"role": "assistant", "content": None, "tool_calls": [CALL]}
BAD_SCHEMA: Any = {
    "type": "function",
    "function": {"name": "quote", "parameters": {"type": "array"}},
}


@pytest.mark.parametrize(
    ("messages", "extra", "param", "says"),
    [
        (
            [QUESTION, {"role": "tool", "tool_call_id": "call_x", "content": "1.08"}],
            {},
            "messages[1]",
            "answers no call",
        ),
        ([QUESTION, ASKED], {}, None, "not answered"),
        (
            [QUESTION, ASKED, {"role": "user", "content": "well?"}],
            {},
            "messages[2]",
            "not answered",
        ),
        ([QUESTION], {"tools": [BAD_SCHEMA]}, "tools[0].function.parameters", "object"),
        (
            [QUESTION],
            {"response_format": {"type": "json_schema", "json_schema": {"name": "x"}}},
            "response_format.json_schema",
            "schema",
        ),
        (
            [_image("data:image/png;base64,not base64!")],
            {},
            "messages[0].content[0].image_url",
            "data URL",
        ),
        ([_image("data:image/tiff;base64,AAAA")], {}, "messages[0].content[0].image_url", "tiff"),
        (
            [
                QUESTION,
                {
                    **ASKED,
                    "tool_calls": [{**CALL, "function": {"name": "quote", "arguments": "{"}}],
                },
            ],
            {},
            "messages[1].tool_calls[0].function.arguments",
            "JSON",
        ),
    ],
    ids=[
        "orphan-tool-result",
        "unanswered-call-at-the-end",
        "unanswered-call-then-user",
        "bad-tool-schema",
        "json-schema-without-schema",
        "broken-data-url",
        "unsupported-image-type",
        "arguments-not-json",
    ],
)
async def test_malformed_exchanges_are_bad_requests_that_reach_no_provider(
    gateway: Gateway, messages: Any, extra: dict[str, Any], param: str | None, says: str
) -> None:
    client = await _openai_client(gateway, "malformed@example.com")

    with pytest.raises(openai.BadRequestError) as caught:
        await client.chat.completions.create(model="gpt-4o-mini", messages=messages, **extra)

    assert caught.value.param == param
    assert says in caught.value.message
    assert caught.value.body["type"] == "invalid_request_error"  # type: ignore[index]
    assert gateway.api.upstreams[Provider.OPENAI].bodies() == []
