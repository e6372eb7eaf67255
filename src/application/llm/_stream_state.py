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
    translate its failures, and how to keep the outcome (``usage`` is None when cut short)."""

    chunks: AsyncIterator[CompletionChunk]
    translate: Callable[[ProviderError], Awaitable[DomainError]]
    keep: Callable[[Reply, Usage | None], Awaitable[R]]


class StreamState(Enum):
    """Where a ``ProviderStream`` is. Its methods say which moves they make."""

    NEW = "new"  # nothing asked of the provider yet
    OPENING = "opening"  # preparing the call, waiting for the provider's first chunk
    STREAMING = "streaming"  # chunks are being read
    EXHAUSTED = "exhausted"  # the provider sent all it had
    TRUNCATED = "truncated"  # the reply reached its cap: the rest is never read
    FAILED = "failed"  # the provider failed mid-reply, or the reply grew too long: ``error``
    FINISHING = "finishing"  # keeping the outcome, in a task of its own
    FINISHED = "finished"  # kept (``result``), or nothing to keep: the provider never answered


# States of a stream that reached the provider and whose outcome is not kept yet.
TO_KEEP = frozenset(
    {StreamState.STREAMING, StreamState.EXHAUSTED, StreamState.TRUNCATED, StreamState.FAILED}
)
