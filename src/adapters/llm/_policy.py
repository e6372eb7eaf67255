"""How each kind of provider call behaves: its clocks, its retry budget, its byte limits."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Final

import httpx

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]

MiB: Final = 1024 * 1024


@dataclass(frozen=True, slots=True)
class CallSpec:
    """How one kind of call behaves: its retry budget and its clocks (seconds).

    ``deadline`` bounds the whole call, counted from its start: every attempt (connecting,
    sending, the status and the body of the reply), the waits between attempts and, for a
    stream, every event up to the last. When it passes inside an attempt or an event, the call
    ends with ``ProviderTimeout`` and is not retried; a retry whose wait would end at or past
    it is not made, and the failure in hand is reported instead. ``None``: no deadline.
    ``read_timeout`` bounds each read on its own (a stream's silence between two events).
    ``event_idle`` bounds, once a stream's first event arrived, the wait for each next one:
    comments, pings and bytes that complete no event do not count, so a server cannot hold a
    call open with them alone.
    """

    name: str
    max_retries: int
    read_timeout: float
    deadline: float | None
    names_model: bool
    connect_timeout: float = 5.0
    write_timeout: float = 10.0
    pool_timeout: float = 10.0
    event_idle: float | None = None

    def timeout(self) -> httpx.Timeout:
        return httpx.Timeout(
            connect=self.connect_timeout,
            read=self.read_timeout,
            write=self.write_timeout,
            pool=self.pool_timeout,
        )


LIST_MODELS: Final = CallSpec(
    "list_models", max_retries=2, read_timeout=10.0, deadline=20.0, names_model=False
)
# Pages of a paginated model list read at most (1000 models each): a server that keeps
# answering "more" (or repeats a cursor) cannot keep a key check going forever.
MODEL_LIST_PAGES: Final = 10
COMPLETION: Final = CallSpec(
    "complete", max_retries=1, read_timeout=60.0, deadline=120.0, names_model=True
)
# A stream's deadline bounds the whole reply; the read timeout bounds each silence (stall).
STREAM: Final = CallSpec(
    "stream", max_retries=1, read_timeout=60.0, deadline=600.0, names_model=True
)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Backoff with full jitter. ``sleep``, ``rand`` and ``clock`` (which measures deadlines)
    are injectable so tests never wait."""

    initial_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 8.0
    sleep: Sleep = asyncio.sleep
    rand: Callable[[], float] = random.random
    clock: Clock = time.monotonic

    def backoff(self, retry_number: int) -> float:
        ceiling = min(self.max_delay, self.initial_delay * 2.0 ** min(retry_number, 30))
        return ceiling * self.rand()


@dataclass(frozen=True, slots=True)
class Deadline:
    """The moment a call must be over (``CallSpec.deadline`` after it started), on ``clock``."""

    at: float | None
    clock: Clock

    @classmethod
    def start(cls, seconds: float | None, clock: Clock) -> Deadline:
        return cls(None if seconds is None else clock() + seconds, clock)

    def left(self) -> float | None:
        """Seconds until the deadline (negative once past it); ``None`` when there is none."""
        return None if self.at is None else self.at - self.clock()

    def passed(self) -> bool:
        return self.at is not None and self.clock() >= self.at

    def check(self) -> None:
        """``TimeoutError`` once the deadline has passed: a step that would not wait (a read
        of what already arrived) must not slip past it under a timer that never fired."""
        if self.passed():
            raise TimeoutError

    def timeout(self, within: float | None = None) -> asyncio.Timeout:
        """A block that raises ``TimeoutError`` if the deadline passes while it waits (or
        ``within`` seconds pass, when sooner). Past the deadline no block starts at all (one
        that never waited would otherwise slip through)."""
        left = self.left()
        if left is not None and left <= 0:
            raise TimeoutError
        if within is not None:
            left = within if left is None else min(left, within)
        return asyncio.timeout(left)


@dataclass(frozen=True, slots=True)
class BodyLimits:
    """Bytes read from one response: a JSON body, one streamed line or event, a whole stream.

    A stream past ``max_stream_bytes`` ends like a broken one (``ProviderProtocolError`` after
    the events that fit): a user's own compatible server could otherwise stream gigabytes."""

    max_body_bytes: int = 8 * MiB
    max_event_bytes: int = 1 * MiB
    max_line_bytes: int = 1 * MiB
    max_stream_bytes: int = 8 * MiB
