"""A provider's streamed answer, made safe to consume from a request that may go away."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from types import TracebackType
from typing import Any, Generic, NoReturn, Self, TypeVar

from application.llm._eager import start_eagerly
from application.llm._stream_state import (
    CLOSED,
    TO_KEEP,
    Chunks,
    OpenedStream,
    StreamState,
)
from application.llm._stream_state import close_chunks as _close
from domain.errors import DomainError, ProviderError, ProviderProtocolError
from domain.llm import CompletionChunk, Reply, Usage
from domain.tools import ToolCallDelta, assemble_tool_calls

R = TypeVar("R")

logger = logging.getLogger(__name__)

# Characters of reply text kept from one stream; the adapters also stop reading at 8 MiB.
MAX_REPLY_CHARS = 8 * 1024 * 1024


class ProviderStream(Generic[R]):
    """- ``start()`` (also run by ``async with`` and the first read) opens the call and waits
      for the provider's first chunk: a failure before any byte is raised there, translated,
      and nothing is kept;
    - iterating yields the reply's text pieces, ``chunks()`` the provider's chunks; a failure
      mid-stream is translated, kept in ``error`` and raised; so is a reply longer than
      ``max_chars`` (the chunk that would pass it is not yielded, the provider's stream is
      closed and the reply ends incomplete);
    - with a ``cap``, a reply that reaches ``cap`` characters (text and tool-call arguments)
      ends there instead, without a failure: the text that fits is yielded, the provider's
      stream is closed (nothing more is read), and the reply is ``truncated`` (TRUNCATED);
    - ``finish()`` keeps the outcome once (``result``): the text and the usage when the
      provider finished, else what arrived and no usage (the consumer stopped early or was
      cancelled, the provider dropped). It runs in a task of its own, held in ``keep_alive``
      (asyncio holds tasks weakly; its owner outlives the stream), so a consumer cancelled
      meanwhile cannot lose it; leaving ``async with`` and ``aclose()`` call it. With
      ``eager_keep`` (a keep that enters no timeout, scope or lock before it waits), a stream
      with nothing left to close is kept in the caller's turn, in a task only from its first
      wait (``start_eagerly``)."""

    def __init__(
        self,
        open_: Callable[[], Awaitable[OpenedStream[R]]],
        *,
        keep_alive: set[asyncio.Future[Any]],
        max_chars: int = MAX_REPLY_CHARS,
        cap: int | None = None,
        eager_keep: bool = False,
    ) -> None:
        self._open = open_
        self._keep_alive = keep_alive
        self._eager_keep = eager_keep
        self._max_chars = max_chars
        self._cap = cap
        self._state = StreamState.NEW
        self._opened: OpenedStream[R] | None = None
        self._first: CompletionChunk | None = None
        self._parts: list[str] = []
        self._calls: list[ToolCallDelta] = []
        self._chars = 0
        self._cut = False
        self._usage: Usage | None = None
        self._finishing: asyncio.Future[R | None] | None = None
        self.error: DomainError | None = None
        self.result: R | None = None

    @property
    def state(self) -> StreamState:
        return self._state

    @property
    def text(self) -> str:
        """What arrived so far."""
        return "".join(self._parts)

    @property
    def reply(self) -> Reply:
        """The text and the tool calls that arrived so far."""
        return Reply(self.text, assemble_tool_calls(self._calls), self._cut)

    async def start(self) -> None:
        """NEW → OPENING → STREAMING (EXHAUSTED when the provider sent nothing at all); a failure
        → FINISHED with nothing kept, and raised (translated when it is the provider's)."""
        if self._state is not StreamState.NEW:
            return
        self._state = StreamState.OPENING
        try:
            self._opened = opened = await self._open()
        except BaseException:
            self._state = StreamState.FINISHED
            raise
        try:
            self._first = await anext(opened.chunks)
        except StopAsyncIteration:
            self._first = None
        except BaseException as exc:
            # UnsafeBaseUrl, InvalidModelName, cancellation, the provider refusing: nothing to
            # keep, but the provider's stream (and its connection) must not be left open.
            self._state = StreamState.FINISHED
            opened.release()
            await _close(opened.chunks)
            if isinstance(exc, ProviderError):
                raise await opened.translate(exc) from exc
            raise
        if self._state is not StreamState.OPENING:
            # Finished while opening: nobody will read it.
            opened.release()
            await _close(opened.chunks)
            return
        self._state = StreamState.EXHAUSTED if self._first is None else StreamState.STREAMING

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> str:
        """The next piece of text (chunks without text are read past)."""
        while not (chunk := await self.next_chunk()).delta:
            pass
        return chunk.delta

    def chunks(self) -> AsyncIterator[CompletionChunk]:
        """The provider's chunks, with their finish reason and usage."""
        return Chunks(self.next_chunk)

    async def next_chunk(self) -> CompletionChunk:
        """The provider's next chunk, starting the call if needed; StopAsyncIteration when there
        is none (STREAMING → EXHAUSTED at the provider's end)."""
        if self._state is StreamState.NEW:
            await self.start()
        opened = self._opened
        if opened is None or self._state is not StreamState.STREAMING:
            raise StopAsyncIteration
        chunk = await self._read(opened)
        # Tool-call arguments count against the same bound as text.
        size = len(chunk.delta) + sum(len(call.arguments) for call in chunk.tool_calls)
        if self._cap is not None and self._chars + size > self._cap:
            return await self._truncate(opened, chunk.delta[: self._cap - self._chars])
        if self._chars + size > self._max_chars:
            # Which provider sent it is not known here; the translator keeps the message.
            too_long = f"the reply was longer than {self._max_chars} characters"
            await self._fail(opened, ProviderProtocolError("", f"{too_long}; it was cut short"))
        self._chars += size
        if chunk.delta:
            self._parts.append(chunk.delta)
        self._calls.extend(chunk.tool_calls)
        if chunk.usage is not None:
            # Only a final chunk carries usage: it is kept only when the provider finished.
            self._usage = chunk.usage
        return chunk

    async def _truncate(self, opened: OpenedStream[R], fits: str) -> CompletionChunk:
        """STREAMING → TRUNCATED: what fits of the chunk is kept (not its calls), the
        provider's stream closed."""
        self._cut = True
        self._move(StreamState.STREAMING, StreamState.TRUNCATED)
        await _close(opened.chunks)
        self._chars += len(fits)
        if fits:
            self._parts.append(fits)
        return CompletionChunk(delta=fits)

    async def _read(self, opened: OpenedStream[R]) -> CompletionChunk:
        if self._first is not None:
            chunk, self._first = self._first, None
            return chunk
        try:
            return await anext(opened.chunks)
        except StopAsyncIteration:
            self._move(StreamState.STREAMING, StreamState.EXHAUSTED)
            raise
        except ProviderError as exc:
            await self._fail(opened, exc)

    async def _fail(self, opened: OpenedStream[R], error: ProviderError) -> NoReturn:
        """STREAMING → FAILED: the provider's stream is closed, the translated error kept in
        ``error`` and raised."""
        self._move(StreamState.STREAMING, StreamState.FAILED)
        await _close(opened.chunks)
        self.error = await opened.translate(error)
        raise self.error from error

    async def finish(self) -> R | None:
        """→ FINISHING → FINISHED, once: what ``keep`` returned (also in ``result``), or None
        when the provider never answered (NEW, OPENING, a failed start)."""
        finishing = self._finishing
        if finishing is not None and finishing.done():
            # Kept already (a response's end, then its cleanup, each finish it): no shield.
            return finishing.result()
        if self._state in (StreamState.NEW, StreamState.OPENING):
            self._state = StreamState.FINISHED
        elif (
            (opened := self._opened) is not None
            and self._state in TO_KEEP
            and self._finishing is None
        ):
            eager = self._eager_keep and self._state in CLOSED
            self._state = StreamState.FINISHING
            keep = self._keep(opened)
            self._finishing = keeping = start_eagerly(keep) if eager else asyncio.create_task(keep)
            if not keeping.done():  # it waits: it goes on in a task, held until it is done
                self._keep_alive.add(keeping)
                keeping.add_done_callback(self._keep_alive.discard)
        if self._finishing is None:
            return None
        return await asyncio.shield(self._finishing)

    def _move(self, expected: StreamState, to: StreamState) -> None:
        # A read still in flight when another task finished the stream ends after it: it must
        # not move a finishing or finished stream back to a state that keeps again.
        if self._state is expected:
            self._state = to

    async def _keep(self, opened: OpenedStream[R]) -> R | None:
        try:
            await _close(opened.chunks)
            self.result = await opened.keep(self.reply, self._usage)
        finally:
            self._state = StreamState.FINISHED
        return self.result

    async def aclose(self) -> None:
        """Keep the outcome, if not done yet. Nobody is left to tell of a failure here (the
        response has gone), so it is logged, not raised."""
        try:
            await self.finish()
        except DomainError as exc:
            logger.warning("reply could not be stored after the response: %s", exc.code)

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.finish()
