"""An adapter returns the provider's models, a completion and a stream in domain terms."""

from __future__ import annotations

from collections.abc import Callable

from domain.llm import FinishReason, Usage
from tests.support.llm_contract import (
    Case,
    Harness,
)


async def test_list_models_returns_the_providers_models(
    harness: Callable[..., Harness], case: Case
) -> None:
    h = harness(case.models)
    assert sorted(await h.list_models()) == sorted(case.expected_models)
    assert h.api.requests[0].method == "GET"
    assert h.api.requests[0].url.path.endswith("/models")


async def test_complete_returns_text_usage_and_finish_reason(
    harness: Callable[..., Harness], case: Case
) -> None:
    h = harness(case.completion)
    completion = await h.complete()
    assert completion.text == "Hello there"
    assert completion.usage == Usage(input_tokens=12, output_tokens=5)
    assert completion.finish_reason is FinishReason.STOP
    assert completion.model
    assert len(h.api.requests) == 1


async def test_stream_yields_deltas_in_order_then_one_final_chunk(
    harness: Callable[..., Harness], case: Case
) -> None:
    h = harness(case.stream)
    chunks = await h.stream()
    assert [c.delta for c in chunks[:-1]] == ["Hel", "lo", " there"]
    assert not any(c.is_final for c in chunks[:-1])
    final = chunks[-1]
    assert final.delta == ""
    assert final.usage == Usage(input_tokens=12, output_tokens=5)
    assert final.finish_reason is FinishReason.STOP
