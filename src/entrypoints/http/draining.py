"""A worker's shutdown as the app sees it: readiness turns 503 at once, and streams still
running when the grace period ends are ended by the app (an SSE ``error`` event, the partial
reply kept incomplete) before uvicorn's own, longer, timeout would cut them."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
from collections.abc import AsyncIterator
from types import FrameType
from typing import TypeVar

from domain.errors import DomainError

T = TypeVar("T")

_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class ServiceStopping(DomainError):
    """The instance is stopping and the stream outlived its grace period: what arrived is
    kept, marked incomplete; send again (another instance answers)."""

    code = "service-stopping"

    def __init__(self) -> None:
        super().__init__("the service is restarting: the reply was cut short and kept incomplete")


class Draining:
    """``begun`` once the worker is told to stop; ``until_over`` ends a stream ``grace_s``
    later."""

    def __init__(self, grace_s: float) -> None:
        self.grace_s = grace_s
        self.begun = False
        self._over = asyncio.Event()

    def watch_signals(self) -> None:
        """Chains onto the server's SIGTERM and SIGINT handlers (uvicorn's stop accepting and
        wait for open requests). Run in the worker's event loop; signals reach the main
        thread only, so an app served from another thread (tests) is stopped by ``begin``."""
        if threading.current_thread() is not threading.main_thread():
            return
        loop = asyncio.get_running_loop()
        for number in _STOP_SIGNALS:
            previous = signal.getsignal(number)

            def handler(signum: int, frame: FrameType | None, previous: object = previous) -> None:
                loop.call_soon_threadsafe(self.begin)
                if callable(previous):
                    previous(signum, frame)

            signal.signal(number, handler)

    def begin(self) -> None:
        if not self.begun:
            self.begun = True
            asyncio.get_running_loop().call_later(self.grace_s, self._over.set)

    async def until_over(self, items: AsyncIterator[T]) -> AsyncIterator[T]:
        """``items``, until the grace period is over: then the pending read is cancelled
        (the stream keeps what arrived) and ``ServiceStopping`` is raised."""
        over = asyncio.ensure_future(self._over.wait())
        try:
            while True:
                step = asyncio.ensure_future(anext(items))
                await asyncio.wait({step, over}, return_when=asyncio.FIRST_COMPLETED)
                if not step.done():
                    step.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await step
                    raise ServiceStopping()
                try:
                    item = step.result()
                except StopAsyncIteration:
                    return
                yield item
        finally:
            over.cancel()
