"""The states of a provider's stream, and what its opening hands over."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from enum import Enum
from typing import Generic, TypeVar

from domain.errors import DomainError, ProviderError
from domain.llm import CompletionChunk, Reply, Usage

R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class OpenedStream(Generic[R]):
    """What ``open`` hands over once the call is resolved: the provider's chunks, how to
    translate its failures, how to keep the outcome (``usage`` is None when cut short), and
    how to let go of what the call reserved when it ends with nothing to keep."""

    chunks: AsyncIterator[CompletionChunk]
    translate: Callable[[ProviderError], Awaitable[DomainError]]
    keep: Callable[[Reply, Usage | None], Awaitable[R]]
    release: Callable[[], None] = lambda: None


class StreamState(Enum):
    """Where a ``ProviderStream`` is. Its methods say which moves they make."""

    NEW = "new"  # nothing asked of the provider yet
    OPENING = "opening"  # preparing the call, waiting for the provider's first chunk
    STREAMING = "streaming"  # chunks are being read
    EXHAUSTED = "exhausted"  # the provider sent all it had
    TRUNCATED = "truncated"  # the reply reached its cap: the rest is never read
    FAILED = "failed"  # the provider failed mid-reply, or the reply grew too long: ``error``
    FINISHING = "finishing"  # keeping the outcome (in a task of its own, or from its first wait)
    FINISHED = "finished"  # kept (``result``), or nothing to keep: the provider never answered


# States of a stream that reached the provider and whose outcome is not kept yet.
TO_KEEP = frozenset(
    {StreamState.STREAMING, StreamState.EXHAUSTED, StreamState.TRUNCATED, StreamState.FAILED}
)


# States in which the provider's stream has ended, or was closed already: keeping it closes
# nothing (a close may enter the HTTP client's cancel scopes, which must not change tasks).
CLOSED = frozenset({StreamState.EXHAUSTED, StreamState.FAILED, StreamState.TRUNCATED})


class Chunks(Generic[R]):
    """A stream's chunks as an async iterator (``ProviderStream.chunks()``)."""

    def __init__(self, next_chunk: Callable[[], Awaitable[CompletionChunk]]) -> None:
        self._next_chunk = next_chunk

    def __aiter__(self) -> Chunks[R]:
        return self

    def __anext__(self) -> Awaitable[CompletionChunk]:
        return self._next_chunk()  # its own awaitable: no coroutine around it per chunk


async def close_chunks(chunks: AsyncIterator[CompletionChunk]) -> None:
    aclose = getattr(chunks, "aclose", None)
    if aclose is None:
        return
    try:
        await aclose()
    except RuntimeError:
        # Still running in a task that was cancelled: it is finishing on its own.
        return
