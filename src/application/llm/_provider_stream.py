"""A provider's streamed answer, made safe to consume from a request that may go away."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Generic, NoReturn, Self, TypeVar

from domain.errors import DomainError, ProviderError, ProviderProtocolError
from domain.llm import CompletionChunk, Usage

R = TypeVar("R")

# Characters of reply text kept from one stream; the adapters also stop reading at 8 MiB.
MAX_REPLY_CHARS = 8 * 1024 * 1024

# Work of streams whose consumer went away: referenced until done (asyncio holds tasks weakly).
_FINISHING: set[asyncio.Task[Any]] = set()


@dataclass(frozen=True, slots=True)
class OpenedStream(Generic[R]):
    """What ``open`` hands over once the call is resolved: the provider's chunks, how to
    translate its failures, and how to keep the outcome (``usage`` is None when cut short)."""

    chunks: AsyncIterator[CompletionChunk]
    translate: Callable[[ProviderError], Awaitable[DomainError]]
    keep: Callable[[str, Usage | None], Awaitable[R]]


class ProviderStream(Generic[R]):
    """- ``start()`` (also run by ``async with`` and the first iteration) opens the call and
      waits for the provider's first chunk: a failure before any byte is raised there,
      translated, and nothing is kept;
    - iterating yields the chunks; a failure mid-stream is translated, kept in ``error`` and
      raised; so is a reply longer than ``max_chars`` (the chunk that would pass it is not
      yielded, the provider's stream is closed and the reply ends incomplete);
    - ``finish()`` keeps the outcome once: the text and the usage when the provider finished,
      else what arrived and no usage (the consumer stopped early or was cancelled, the provider
      dropped). It runs in a task of its own, so a consumer cancelled meanwhile cannot lose it;
      leaving ``async with`` calls it."""

    def __init__(
        self,
        open_: Callable[[], Awaitable[OpenedStream[R]]],
        *,
        max_chars: int = MAX_REPLY_CHARS,
    ) -> None:
        self._open = open_
        self._max_chars = max_chars
        self._chars = 0
        self._opened: OpenedStream[R] | None = None
        self._started = False
        self._first: CompletionChunk | None = None
        self._exhausted = False
        self._parts: list[str] = []
        self._usage: Usage | None = None
        self._complete = False
        self._finishing: asyncio.Task[R | None] | None = None
        self.error: DomainError | None = None

    @property
    def text(self) -> str:
        """What arrived so far."""
        return "".join(self._parts)

    async def start(self) -> None:
        if self._started:
            return
        self._started = True
        opened = await self._open()
        try:
            self._first = await anext(opened.chunks)
        except StopAsyncIteration:
            self._exhausted = True
        except ProviderError as exc:
            await _close(opened.chunks)
            raise await opened.translate(exc) from exc
        except BaseException:
            # UnsafeBaseUrl, InvalidModelName, cancellation: nothing to keep, but the provider's
            # stream (and its connection) must not be left open.
            await _close(opened.chunks)
            raise
        self._opened = opened

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> CompletionChunk:
        await self.start()
        chunk = await self._next_chunk()
        if chunk.delta:
            if self._chars + len(chunk.delta) > self._max_chars:
                await self._too_long()
            self._chars += len(chunk.delta)
            self._parts.append(chunk.delta)
        if chunk.usage is not None:
            self._usage = chunk.usage
        if chunk.is_final:
            self._complete = True
        return chunk

    async def _next_chunk(self) -> CompletionChunk:
        if self._first is not None:
            chunk, self._first = self._first, None
            return chunk
        opened = self._opened
        if opened is None or self._exhausted or self._finishing is not None:
            raise StopAsyncIteration
        try:
            return await anext(opened.chunks)
        except StopAsyncIteration:
            self._exhausted = True
            raise
        except ProviderError as exc:
            self._exhausted = True
            self.error = await opened.translate(exc)
            raise self.error from exc

    async def _too_long(self) -> NoReturn:
        opened = self._opened
        assert opened is not None  # noqa: S101 - a chunk arrived, so the call was opened
        self._exhausted = True
        await _close(opened.chunks)
        # Which provider sent it is not known here; the translator keeps the message.
        cut = ProviderProtocolError(
            "", f"the reply was longer than {self._max_chars} characters; it was cut short"
        )
        self.error = await opened.translate(cut)
        raise self.error

    async def finish(self) -> R | None:
        """What ``keep`` returned; None when the provider was never reached."""
        if self._finishing is None:
            task = asyncio.ensure_future(self._keep())
            _FINISHING.add(task)
            task.add_done_callback(_FINISHING.discard)
            self._finishing = task
        return await asyncio.shield(self._finishing)

    async def aclose(self) -> None:
        await self.finish()

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

    async def _keep(self) -> R | None:
        opened = self._opened
        if opened is None:
            return None
        await _close(opened.chunks)
        return await opened.keep(self.text, self._usage if self._complete else None)


async def _close(chunks: AsyncIterator[CompletionChunk]) -> None:
    aclose = getattr(chunks, "aclose", None)
    if aclose is None:
        return
    try:
        await aclose()
    except RuntimeError:
        # Still running in a task that was cancelled: it is finishing on its own.
        return
