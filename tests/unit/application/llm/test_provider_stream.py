"""``ProviderStream`` around a provider's chunks: each state move, bounded text, and never a
stream left open."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any

import pytest

from application.llm._provider_stream import MAX_REPLY_CHARS, ProviderStream
from application.llm._stream_state import OpenedStream, StreamState
from domain.errors import (
    DomainError,
    InvalidMessage,
    InvalidModelName,
    ProviderCallFailed,
    ProviderError,
    ProviderUnavailable,
    SessionNotFound,
    UnsafeBaseUrl,
)
from domain.llm import CompletionChunk, FinishReason, Reply, Usage
from domain.tools import ToolCall, ToolCallDelta

FINAL = CompletionChunk(usage=Usage(3, 2), finish_reason=FinishReason.STOP)


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
    """What ``keep`` and ``translate`` were called with. ``keep`` waits for ``release`` when
    given one, and fails with ``fail`` when given one (the store is down)."""

    def __init__(
        self, *, release: asyncio.Event | None = None, fail: DomainError | None = None
    ) -> None:
        self.kept: list[tuple[str, Usage | None]] = []
        self.calls: list[tuple[ToolCall, ...]] = []
        self.translated: list[ProviderError] = []
        self.release = release
        self.fail = fail
        self.keeping = asyncio.Event()

    async def translate(self, error: ProviderError) -> DomainError:
        self.translated.append(error)
        return ProviderCallFailed(error.provider, error.message)

    async def keep(self, reply: Reply, usage: Usage | None) -> str:
        text = reply.text
        self.calls.append(reply.tool_calls)
        self.keeping.set()
        if self.release is not None:
            await self.release.wait()
        if self.fail is not None:
            raise self.fail
        self.kept.append((text, usage))
        return text


def stream_of(
    chunks: AsyncIterator[CompletionChunk],
    kept: Kept,
    *,
    keep_alive: set[asyncio.Future[Any]] | None = None,
    max_chars: int = MAX_REPLY_CHARS,
    cap: int | None = None,
) -> ProviderStream[str]:
    async def open_() -> OpenedStream[str]:
        return OpenedStream(chunks, kept.translate, kept.keep)

    held = set() if keep_alive is None else keep_alive
    return ProviderStream(open_, keep_alive=held, max_chars=max_chars, cap=cap)


class Scripted:
    """A provider that sends ``chunks`` (after ``gate`` opens, when given), then fails with
    ``fail`` if given; it records being asked and being closed."""

    def __init__(
        self,
        *chunks: CompletionChunk,
        fail: ProviderError | None = None,
        gate: asyncio.Event | None = None,
    ) -> None:
        self.script = chunks
        self.fail = fail
        self.gate = gate
        self.asked = asyncio.Event()
        self.closed = False

    async def chunks(self) -> AsyncGenerator[CompletionChunk, None]:
        self.asked.set()
        try:
            if self.gate is not None:
                await self.gate.wait()
            for chunk in self.script:
                yield chunk
            if self.fail is not None:
                raise self.fail
        finally:
            self.closed = True


def state(stream: ProviderStream[str]) -> StreamState:
    # Read through a call: mypy would carry an earlier assert's narrowing across awaits.
    return stream.state


def hello() -> Scripted:
    return Scripted(CompletionChunk(delta="Hello"), CompletionChunk(delta=" there"), FINAL)


# --- NEW ---------------------------------------------------------------------------------------


async def test_a_new_stream_asks_nothing_of_the_provider() -> None:
    opened: list[bool] = []

    async def open_() -> OpenedStream[str]:
        opened.append(True)
        raise AssertionError("not expected to open")

    stream = ProviderStream(open_, keep_alive=set())

    assert state(stream) is StreamState.NEW
    assert (stream.text, stream.error, stream.result) == ("", None, None)
    assert opened == []


async def test_finishing_a_new_stream_keeps_nothing_and_never_opens_it_afterwards() -> None:
    provider, kept = hello(), Kept()
    stream = stream_of(provider.chunks(), kept)

    assert await stream.finish() is None
    assert state(stream) is StreamState.FINISHED
    await stream.start()
    assert [text async for text in stream] == []
    assert not provider.asked.is_set()
    assert kept.kept == []


# --- NEW → OPENING → STREAMING / EXHAUSTED / FINISHED ------------------------------------------


async def test_start_opens_once_and_waits_for_the_first_chunk() -> None:
    gate = asyncio.Event()
    provider, kept = Scripted(CompletionChunk(delta="Hi"), FINAL, gate=gate), Kept()
    stream = stream_of(provider.chunks(), kept)

    starting = asyncio.ensure_future(stream.start())
    await provider.asked.wait()
    assert state(stream) is StreamState.OPENING
    await stream.start()  # a second start while opening does nothing
    gate.set()
    await starting

    assert state(stream) is StreamState.STREAMING
    assert stream.text == "", "the first chunk is held until it is read"


async def test_a_provider_that_sends_nothing_is_exhausted_at_start() -> None:
    provider, kept = Scripted(), Kept()
    stream = stream_of(provider.chunks(), kept)

    await stream.start()

    assert state(stream) is StreamState.EXHAUSTED
    assert [text async for text in stream] == []
    assert await stream.finish() == ""
    assert kept.kept == [("", None)]


async def test_a_provider_refusing_at_start_is_translated_and_nothing_is_kept() -> None:
    provider, kept = Scripted(fail=ProviderUnavailable("openai", "down")), Kept()
    stream = stream_of(provider.chunks(), kept)

    with pytest.raises(ProviderCallFailed, match="down"):
        await stream.start()

    assert state(stream) is StreamState.FINISHED
    assert stream.error is None, "raised, not kept: no response has started"
    assert provider.closed
    assert await stream.finish() is None
    assert kept.kept == []


async def test_a_call_that_cannot_be_prepared_finishes_with_nothing_kept() -> None:
    async def open_() -> OpenedStream[str]:
        raise SessionNotFound()

    stream = ProviderStream(open_, keep_alive=set())

    with pytest.raises(SessionNotFound):
        await stream.start()
    assert state(stream) is StreamState.FINISHED
    assert await stream.finish() is None


async def test_finishing_while_opening_keeps_nothing_and_closes_the_provider_stream() -> None:
    gate = asyncio.Event()
    provider, kept = Scripted(CompletionChunk(delta="late"), FINAL, gate=gate), Kept()
    stream = stream_of(provider.chunks(), kept)
    starting = asyncio.ensure_future(stream.start())
    await provider.asked.wait()

    assert await stream.finish() is None
    gate.set()
    await starting

    assert state(stream) is StreamState.FINISHED
    assert provider.closed
    assert [text async for text in stream] == []
    assert kept.kept == []


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


async def drain(stream: ProviderStream[str], into: list[str]) -> None:
    async for text in stream:
        into.append(text)


async def test_a_reply_longer_than_the_limit_ends_incomplete_with_what_fits() -> None:
    provider, kept = Endless(size=4), Kept()
    stream = stream_of(provider.chunks(), kept, max_chars=10)
    received: list[str] = []
    with pytest.raises(ProviderCallFailed, match="longer than 10 characters"):
        await drain(stream, received)
    assert received == ["xxxx", "xxxx"]  # the third would pass 10
    assert isinstance(stream.error, ProviderCallFailed)
    assert state(stream) is StreamState.FAILED
    assert provider.closed
    assert await stream.finish() == "x" * 8
    assert kept.kept == [("x" * 8, None)]  # no usage: stored as incomplete


async def test_a_reply_reaching_the_cap_ends_there_truncated_without_a_failure() -> None:
    provider, kept = Endless(size=4), Kept()
    stream = stream_of(provider.chunks(), kept, cap=10)
    received: list[str] = []
    await drain(stream, received)
    assert received == ["xxxx", "xxxx", "xx"]  # what fits of the third
    assert stream.error is None
    assert state(stream) is StreamState.TRUNCATED
    assert provider.closed  # nothing more is read
    assert stream.reply.truncated
    assert await stream.finish() == "x" * 10
    assert kept.kept == [("x" * 10, None)]


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


# --- STREAMING → EXHAUSTED / FAILED ------------------------------------------------------------


async def test_reading_yields_the_text_pieces_and_chunks_yields_every_chunk() -> None:
    script = (CompletionChunk(delta="Hi"), CompletionChunk(), CompletionChunk(delta="!"), FINAL)
    texts = stream_of(Scripted(*script).chunks(), Kept())
    chunks = stream_of(Scripted(*script).chunks(), Kept())

    assert [text async for text in texts] == ["Hi", "!"]
    assert [chunk async for chunk in chunks.chunks()] == list(script)


async def test_the_providers_end_exhausts_the_stream_and_its_usage_is_kept() -> None:
    provider, kept = hello(), Kept()
    stream = stream_of(provider.chunks(), kept)

    async with stream:
        assert [text async for text in stream] == ["Hello", " there"]
        assert state(stream) is StreamState.EXHAUSTED

    assert state(stream) is StreamState.FINISHED
    assert stream.result == "Hello there"
    assert kept.kept == [("Hello there", Usage(3, 2))]


async def test_a_provider_failing_mid_reply_fails_the_stream_and_keeps_what_arrived() -> None:
    provider = Scripted(CompletionChunk(delta="Hel"), fail=ProviderUnavailable("openai", "gone"))
    kept = Kept()
    stream = stream_of(provider.chunks(), kept)
    received: list[str] = []

    with pytest.raises(ProviderCallFailed, match="gone") as raised:
        await drain(stream, received)

    assert received == ["Hel"]
    assert state(stream) is StreamState.FAILED
    assert stream.error is raised.value
    assert [text async for text in stream] == [], "a failed stream is not read again"
    assert await stream.finish() == "Hel"
    assert kept.kept == [("Hel", None)]


async def test_a_consumer_stopping_early_keeps_what_it_read_without_usage() -> None:
    provider, kept = hello(), Kept()
    stream = stream_of(provider.chunks(), kept)

    async for _ in stream:
        break
    await stream.aclose()

    assert provider.closed
    assert kept.kept == [("Hello", None)]


# --- FINISHING → FINISHED ----------------------------------------------------------------------


async def test_finishing_runs_in_a_task_held_until_it_is_done() -> None:
    held: set[asyncio.Future[Any]] = set()
    release = asyncio.Event()
    kept = Kept(release=release)
    stream = stream_of(hello().chunks(), kept, keep_alive=held)
    await stream.start()

    finishing = asyncio.ensure_future(stream.finish())
    await kept.keeping.wait()
    assert state(stream) is StreamState.FINISHING
    assert len(held) == 1
    assert [text async for text in stream] == [], "nothing is read once finishing"
    release.set()
    assert await finishing == ""

    assert state(stream) is StreamState.FINISHED
    assert held == set()


async def test_a_consumer_cancelled_while_finishing_does_not_lose_the_outcome() -> None:
    release = asyncio.Event()
    kept = Kept(release=release)
    stream = stream_of(hello().chunks(), kept)
    async for _ in stream:
        break

    finishing = asyncio.ensure_future(stream.finish())
    await kept.keeping.wait()
    finishing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await finishing
    release.set()

    assert await stream.finish() == "Hello"
    assert kept.kept == [("Hello", None)]


async def test_the_outcome_is_kept_once_however_often_it_is_finished() -> None:
    kept = Kept()
    stream = stream_of(hello().chunks(), kept)
    async for _ in stream:
        pass

    assert await stream.finish() == "Hello there"
    assert await stream.finish() == "Hello there"
    await stream.aclose()

    assert len(kept.kept) == 1


@pytest.mark.parametrize("provider_fails", [False, True], ids=["ends", "fails"])
async def test_a_read_in_flight_when_finishing_starts_cannot_make_it_keep_twice(
    provider_fails: bool,
) -> None:
    """A reader waits on the provider while another task finishes the stream; the provider then
    ends (or fails): the stream stays finished and the outcome is kept once."""
    gate = asyncio.Event()
    fail = ProviderUnavailable("openai", "dropped") if provider_fails else None
    provider = Scripted(CompletionChunk(delta="a"))
    later = Scripted(fail=fail, gate=gate)

    async def chunks() -> AsyncGenerator[CompletionChunk, None]:
        async for chunk in provider.chunks():
            yield chunk
        async for chunk in later.chunks():
            yield chunk

    kept = Kept()
    stream = stream_of(chunks(), kept)
    assert await anext(stream) == "a"
    reader = asyncio.create_task(anext(stream, None))
    await later.asked.wait()
    finishing = asyncio.create_task(stream.finish())
    await asyncio.sleep(0)
    gate.set()
    await asyncio.gather(reader, finishing, return_exceptions=True)
    await stream.finish()
    await stream.aclose()
    assert kept.kept == [("a", None)]
    assert state(stream) is StreamState.FINISHED


async def test_a_keep_failure_is_raised_by_finish_and_logged_by_aclose(
    caplog: pytest.LogCaptureFixture,
) -> None:
    kept = Kept(fail=InvalidMessage("the store refused it"))
    stream = stream_of(hello().chunks(), kept)
    await stream.start()

    with pytest.raises(InvalidMessage):
        await stream.finish()
    assert state(stream) is StreamState.FINISHED
    assert stream.result is None
    with caplog.at_level(logging.WARNING, logger="application.llm._provider_stream"):
        await stream.aclose()

    assert "could not be stored after the response" in caplog.text


async def test_streamed_tool_calls_are_assembled_and_kept_with_the_text() -> None:
    provider = Scripted(
        CompletionChunk(delta="Let me check."),
        CompletionChunk(tool_calls=(ToolCallDelta(0, id="c1", name="get_quote"),)),
        CompletionChunk(tool_calls=(ToolCallDelta(0, arguments='{"symbol":'),)),
        CompletionChunk(tool_calls=(ToolCallDelta(0, arguments=' "EURUSD"}'),)),
        CompletionChunk(usage=Usage(3, 2), finish_reason=FinishReason.TOOL_CALLS),
    )
    kept = Kept()
    async with stream_of(provider.chunks(), kept) as stream:
        assert [chunk async for chunk in stream.chunks()][
            -1
        ].finish_reason is FinishReason.TOOL_CALLS

    assert kept.kept == [("Let me check.", Usage(3, 2))]
    assert kept.calls == [(ToolCall("c1", "get_quote", '{"symbol": "EURUSD"}'),)]


async def test_tool_call_arguments_count_against_the_reply_limit() -> None:
    provider = Scripted(
        CompletionChunk(tool_calls=(ToolCallDelta(0, id="c1", name="q", arguments="x" * 6),)),
        CompletionChunk(tool_calls=(ToolCallDelta(0, arguments="y" * 6),)),
        FINAL,
    )
    kept = Kept()
    stream = stream_of(provider.chunks(), kept, max_chars=10)
    with pytest.raises(ProviderCallFailed, match="longer than 10"):
        async for _ in stream.chunks():
            pass
    await stream.finish()

    assert kept.calls == [(ToolCall("c1", "q", "x" * 6),)]
    assert provider.closed
