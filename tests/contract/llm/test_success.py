"""An adapter returns the provider's models, a completion and a stream in domain terms."""

from __future__ import annotations

import gc
import sys
from collections.abc import AsyncGenerator, Callable

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


async def test_a_stream_read_to_its_end_leaves_no_iterator_for_the_event_loop_to_close(
    harness: Callable[..., Harness], case: Case
) -> None:
    """The body's iterators (ours, httpx's, the transport's) end with the stream, though the
    adapter stops reading at its last event: one left suspended is closed by the event loop's
    finaliser, in a task of its own (with aiohttp under httpx, three per stream, each a wake-up
    and a task)."""
    h = harness(case.stream)
    first_iter, finalizer = sys.get_asyncgen_hooks()
    left: list[str] = []

    def record(agen: AsyncGenerator[object, None]) -> None:
        left.append(getattr(agen, "__qualname__", repr(agen)))
        if finalizer is not None:
            finalizer(agen)

    sys.set_asyncgen_hooks(first_iter, record)
    try:
        chunks = await h.stream()
        gc.collect()
    finally:
        sys.set_asyncgen_hooks(first_iter, finalizer)
    assert chunks[-1].is_final
    assert left == []
