"""Usage numbers and finish reasons as the domain records them."""

from __future__ import annotations

import json

import pytest

from domain.llm import FinishReason, Usage
from tests.support.fake_http_api import reply, sse_reply
from tests.support.llm_contract import (
    CASE,
    OPENAI_COMPLETION,
    OPENAI_STREAM_EVENTS,
    make_harness,
)
from tests.support.wire import sse


async def test_a_compatible_servers_usage_numbers_are_clamped() -> None:
    """Negative counts would lower the recorded cost; counts past int4 fail the insert."""
    case = CASE["openai_compatible"]
    hostile = {"prompt_tokens": -1_000_000, "completion_tokens": 2**40, "total_tokens": 1}
    body = json.loads(json.dumps(OPENAI_COMPLETION))
    body["usage"] = hostile
    last = json.loads(OPENAI_STREAM_EVENTS[-2].removeprefix("data: "))
    last["usage"] = hostile
    events = [*OPENAI_STREAM_EVENTS[:-2], "data: " + json.dumps(last), "data: [DONE]"]
    h = make_harness(case, reply(200, body), sse_reply(sse.encode(events)))
    assert (await h.complete()).usage == Usage(0, 2**31 - 1)
    assert (await h.stream())[-1].usage == Usage(0, 2**31 - 1)


async def test_a_gemini_prompt_blocked_by_safety_is_a_content_filter_finish() -> None:
    case = CASE["gemini"]
    blocked = {
        "promptFeedback": {"blockReason": "SAFETY"},
        "usageMetadata": {"promptTokenCount": 9, "totalTokenCount": 9},
    }
    h = make_harness(case, reply(200, blocked))
    completion = await h.complete()
    assert completion.text == ""
    assert completion.finish_reason is FinishReason.CONTENT_FILTER
    assert completion.usage == Usage(9, 0)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("length", FinishReason.LENGTH), ("content_filter", FinishReason.CONTENT_FILTER)],
)
async def test_openai_finish_reasons_map_to_the_domain(raw: str, expected: FinishReason) -> None:
    case = CASE["openai"]
    body = json.loads(json.dumps(OPENAI_COMPLETION))
    body["choices"][0]["finish_reason"] = raw
    h = make_harness(case, reply(200, body))
    assert (await h.complete()).finish_reason is expected


async def test_a_compatible_server_that_omits_usage_is_not_taken_to_have_counted_zero() -> None:
    """Many OpenAI-compatible servers send no usage (stream_options ignored): before, the call
    was recorded as 0 tokens; now its usage says it was not reported (and is estimated)."""
    case = CASE["openai_compatible"]
    body = json.loads(json.dumps(OPENAI_COMPLETION))
    del body["usage"]
    last = json.loads(OPENAI_STREAM_EVENTS[-2].removeprefix("data: "))
    del last["usage"]
    events = [*OPENAI_STREAM_EVENTS[:-2], "data: " + json.dumps(last), "data: [DONE]"]
    h = make_harness(case, reply(200, body), sse_reply(sse.encode(events)))

    whole = (await h.complete()).usage
    streamed = (await h.stream())[-1].usage

    assert not whole.reported
    assert streamed is not None
    assert not streamed.reported
