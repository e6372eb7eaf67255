"""A worker's shutdown as the app sees it: readiness turns 503 at once, and streams still
running when the grace period ends are ended by the app (an SSE ``error`` event, the partial
reply kept incomplete) before uvicorn's own, longer, timeout would cut them."""

from __future__ import annotations

import asyncio
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
        (the stream keeps what arrived) and ``ServiceStopping`` is raised.

        Read in the consumer's own task, watched by one timer per stream (re-armed every
        ``_POLL_S``), not one task and one wait per item: a task per chunk cost a streamed
        call about as much CPU as the rest of its chunk."""
        watch = _Watch(asyncio.current_task())
        loop = asyncio.get_running_loop()
        watch.timer = loop.call_later(self._wait_s(), self._check, watch, loop)
        try:
            while True:
                watch.reading = True
                try:
                    item = await anext(items)
                except StopAsyncIteration:
                    return
                except asyncio.CancelledError:
                    # Ours (the grace ran out) unless someone else cancelled too.
                    if watch.stopped and watch.task is not None and watch.task.uncancel() == 0:
                        raise ServiceStopping() from None
                    raise
                finally:
                    watch.reading = False
                yield item
        finally:
            if watch.timer is not None:
                watch.timer.cancel()

    def _check(self, watch: _Watch, loop: asyncio.AbstractEventLoop) -> None:
        if watch.reading and self._over() and watch.task is not None:
            watch.stopped = True
            watch.task.cancel()
            return
        # Over while the item is being handed on: look again soon, when the next read waits.
        delay = self._wait_s() if not self._over() else _POLL_S / 10
        watch.timer = loop.call_later(delay, self._check, watch, loop)

    def _wait_s(self) -> float:
        if self._deadline is None:
            return _POLL_S
        return max(0.0, min(_POLL_S, self._deadline - time.monotonic()))

    def _over(self) -> bool:
        return self._deadline is not None and time.monotonic() >= self._deadline


class _Watch:
    """One stream's watch: its task, whether it is waiting for an item, whether we ended it."""

    __slots__ = ("reading", "stopped", "task", "timer")

    def __init__(self, task: asyncio.Task[object] | None) -> None:
        self.task = task
        self.reading = False
        self.stopped = False
        self.timer: asyncio.TimerHandle | None = None
