"""``ProviderStream`` around a provider's chunks: bounded text, and never a stream left open."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any

import pytest

from application.llm._provider_stream import MAX_REPLY_CHARS, OpenedStream, ProviderStream
from domain.errors import (
    DomainError,
    InvalidModelName,
    ProviderCallFailed,
    ProviderError,
    UnsafeBaseUrl,
)
from domain.llm import CompletionChunk, FinishReason, Usage


class FakeChunks(AsyncGenerator[CompletionChunk, None]):
    """A provider's chunk generator that records being closed. It fails or hangs the way a
    guard check or a slow first byte does, from outside its own frame (so only the consumer
    can close it)."""

    def __init__(self, *, fail: BaseException | None = None, hang: bool = False) -> None:
        self.fail = fail
        self.hang = hang
        self.asked = asyncio.Event()
        self.closed = False

    async def asend(self, value: None) -> CompletionChunk:
        self.asked.set()
        if self.fail is not None:
            raise self.fail
        if self.hang:
            await asyncio.Event().wait()
        return CompletionChunk(delta="never")

    async def athrow(self, *args: Any) -> CompletionChunk:
        raise StopAsyncIteration

    async def aclose(self) -> None:
        self.closed = True


class Kept:
    """What ``keep`` and ``translate`` were called with."""

    def __init__(self) -> None:
        self.kept: list[tuple[str, Usage | None]] = []
        self.translated: list[ProviderError] = []

    async def translate(self, error: ProviderError) -> DomainError:
        self.translated.append(error)
        return ProviderCallFailed(error.provider, error.message)

    async def keep(self, text: str, usage: Usage | None) -> str:
        self.kept.append((text, usage))
        return text


def stream_of(chunks: AsyncIterator[CompletionChunk], kept: Kept, **options: int) -> Any:
    async def open_() -> OpenedStream[str]:
        return OpenedStream(chunks, kept.translate, kept.keep)

    return ProviderStream(open_, **options)


@pytest.mark.parametrize(
    "failure", [UnsafeBaseUrl("refused"), InvalidModelName("bad"), RuntimeError("bug")]
)
async def test_a_first_chunk_failing_with_a_non_provider_error_closes_the_provider_stream(
    failure: BaseException,
) -> None:
    chunks, kept = FakeChunks(fail=failure), Kept()
    stream = stream_of(chunks, kept)
    with pytest.raises(type(failure)):
        await stream.start()
    assert chunks.closed
    assert await stream.finish() is None  # never reached: nothing kept
    assert kept.kept == []


async def test_a_start_cancelled_while_waiting_for_the_first_chunk_closes_the_provider_stream() -> (
    None
):
    chunks, kept = FakeChunks(hang=True), Kept()
    stream = stream_of(chunks, kept)
    starting = asyncio.ensure_future(stream.start())
    await chunks.asked.wait()
    starting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await starting
    assert chunks.closed


class Endless:
    """A provider that never stops talking: ``size``-character deltas, closed on request."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.sent = 0
        self.closed = False

    async def chunks(self) -> AsyncGenerator[CompletionChunk, None]:
        try:
            while self.sent < 20:  # bounded, so a missing limit fails the test, not hangs it
                self.sent += 1
                yield CompletionChunk(delta="x" * self.size)
            yield CompletionChunk(usage=Usage(1, 1), finish_reason=FinishReason.STOP)
        finally:
            self.closed = True


async def drain(stream: Any, into: list[str]) -> None:
    async for chunk in stream:
        into.append(chunk.delta)


async def test_a_reply_longer_than_the_limit_ends_incomplete_with_what_fits() -> None:
    provider, kept = Endless(size=4), Kept()
    stream = stream_of(provider.chunks(), kept, max_chars=10)
    received: list[str] = []
    with pytest.raises(ProviderCallFailed, match="longer than 10 characters"):
        await drain(stream, received)
    assert received == ["xxxx", "xxxx"]  # the third would pass 10
    assert isinstance(stream.error, ProviderCallFailed)
    assert provider.closed
    assert await stream.finish() == "x" * 8
    assert kept.kept == [("x" * 8, None)]  # no usage: stored as incomplete


async def test_the_default_reply_limit_is_about_eight_million_characters() -> None:
    provider, kept = Endless(size=1024 * 1024), Kept()
    stream = stream_of(provider.chunks(), kept)
    received: list[str] = []
    with pytest.raises(ProviderCallFailed):
        await drain(stream, received)
    assert len("".join(received)) == MAX_REPLY_CHARS == 8 * 1024 * 1024
    assert provider.sent == 9
    await stream.finish()
    assert kept.kept[0][1] is None
