"""A provider's event stream read a network read at a time, under the call's two clocks.

Only a read waits, so only a read runs under a timeout: the events one read completed (a short
stream arrives whole in one or two) are handed out with no timer armed per event. The clocks
are those of ``CallSpec``: the deadline bounds the whole call; once an event was handed out,
``event_idle`` bounds the wait for the next, counted from when the caller came back for it.
Reads that complete no event (pings, comments, half an event) do not restart that count, so a
server cannot hold a call open by dribbling bytes.
"""

from __future__ import annotations

import httpx

from adapters.llm._bodies import close_chunks, raw_chunks
from adapters.llm._errors import ProviderErrorMapper
from adapters.llm._policy import BodyLimits, Deadline
from adapters.llm.sse import SseEvent, SseLimitExceeded, SseParser, SseStreamTooLarge
from domain.errors import ProviderError, ProviderTimeout


class EventReader:
    """The events of one streamed response (its body unread, its status 200), batch by batch."""

    __slots__ = (
        "_chunks",
        "_deadline",
        "_ended",
        "_errors",
        "_failure",
        "_idle",
        "_idle_until",
        "_parser",
        "_started",
    )

    def __init__(
        self,
        response: httpx.Response,
        *,
        limits: BodyLimits,
        errors: ProviderErrorMapper,
        deadline: Deadline,
        idle: float | None,
    ) -> None:
        self._chunks = raw_chunks(response)
        self._parser = SseParser(
            max_line_bytes=limits.max_line_bytes,
            max_event_bytes=limits.max_event_bytes,
            max_stream_bytes=limits.max_stream_bytes,
        )
        self._errors = errors
        self._deadline = deadline
        self._idle = idle
        self._idle_until: float | None = None  # the first event may take a model's whole think
        self._started = False
        self._ended = False
        self._failure: ProviderError | None = None

    async def batch(self) -> list[SseEvent] | None:
        """The events completed by the next read (or reads) that completes any; the stream's
        last ones, perhaps none, at its end; then ``None``."""
        if self._failure is not None:
            raise self._failure
        if self._ended:
            return None
        if self._started and self._idle is not None:
            self._idle_until = self._deadline.clock() + self._idle
        while True:
            try:
                chunk = await self._read()
                events = self._parser.feed(chunk) if chunk is not None else self._parser.close()
            except TimeoutError as exc:
                raise self._timed_out(exc) from None
            except SseLimitExceeded as exc:
                failure = self._errors.protocol(
                    "the stream exceeded the size limit"
                    if isinstance(exc, SseStreamTooLarge)
                    else "a streamed event exceeded the size limit"
                )
                if not exc.completed:
                    raise failure from None
                self._failure = failure  # after the events the same read completed before it
                return exc.completed
            except httpx.HTTPError as exc:
                raise self._errors.from_transport(exc).error from None
            if chunk is None:
                self._ended = True
                return events
            if events:
                self._started = True
                return events

    async def aclose(self) -> None:
        """Stops reading (before its response is closed)."""
        await close_chunks(self._chunks)

    async def _read(self) -> bytes | None:
        within = None
        if self._idle_until is not None:
            within = self._idle_until - self._deadline.clock()
            if within <= 0:
                raise TimeoutError  # reads since the last event completed none: idle all along
        async with self._deadline.timeout(within):
            return await anext(self._chunks, None)

    def _timed_out(self, exc: TimeoutError) -> ProviderError:
        left = self._deadline.left()
        if self._idle_until is None or (left is not None and left <= 0):
            return self._errors.from_transport(exc).error
        silent = f"{self._errors.label}: the stream sent nothing for {self._idle:g} s"
        return ProviderTimeout(self._errors.provider, silent)
