"""A worker's shutdown as the app sees it: readiness turns 503 at once, and streams still
running when the grace period ends are ended by the app (an SSE ``error`` event, the partial
reply kept incomplete) before uvicorn's own, longer, timeout would cut them."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
import time
from collections.abc import AsyncIterator
from types import FrameType
from typing import TypeVar

from domain.errors import DomainError

T = TypeVar("T")

_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
_POLL_S = 0.25  # how soon a stream waiting for its next piece sees the grace run out


class ServiceStopping(DomainError):
    """The instance is stopping and the stream outlived its grace period: what arrived is
    kept, marked incomplete; send again (another instance answers)."""

    code = "service-stopping"

    def __init__(self) -> None:
        super().__init__("the service is restarting: the reply was cut short and kept incomplete")


class Draining:
    """``begun`` once the worker is told to stop; ``until_over`` ends a stream ``grace_s``
    later. Plain attributes, no event loop object: the signal handler may set them, and a
    stream in any loop sees them within ``_POLL_S``."""

    def __init__(self, grace_s: float) -> None:
        self.grace_s = grace_s
        self._deadline: float | None = None

    @property
    def begun(self) -> bool:
        return self._deadline is not None

    def watch_signals(self) -> None:
        """Chains onto the server's SIGTERM and SIGINT handlers (uvicorn's: stop accepting,
        wait for open requests). Signals reach the main thread only, so an app served from
        another thread (tests) is told to stop by ``begin``."""
        if threading.current_thread() is not threading.main_thread():
            return
        for number in _STOP_SIGNALS:
            previous = signal.getsignal(number)

            def handler(signum: int, frame: FrameType | None, previous: object = previous) -> None:
                self.begin()
                if callable(previous):
                    previous(signum, frame)

            signal.signal(number, handler)

    def begin(self) -> None:
        if self._deadline is None:
            self._deadline = time.monotonic() + self.grace_s

    async def until_over(self, items: AsyncIterator[T]) -> AsyncIterator[T]:
        """``items``, until the grace period is over: then the pending read is cancelled
        (the stream keeps what arrived) and ``ServiceStopping`` is raised."""
        while True:
            step = asyncio.ensure_future(anext(items))
            try:
                while not step.done():
                    await asyncio.wait({step}, timeout=self._wait_s())
                    if not step.done() and self._over():
                        raise ServiceStopping()
            finally:
                if not step.done():
                    step.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await step
            try:
                item = step.result()
            except StopAsyncIteration:
                return
            yield item

    def _wait_s(self) -> float:
        if self._deadline is None:
            return _POLL_S
        return max(0.0, min(_POLL_S, self._deadline - time.monotonic()))

    def _over(self) -> bool:
        return self._deadline is not None and time.monotonic() >= self._deadline
