"""A coroutine run in the caller's turn, in a task of its own only once it has to wait.

For a keep that usually waits for nothing (a gateway stream's usage row, queued): in a task it
cost the stream two passes of the event loop before its last piece, and the answer went out in
two writes instead of one. Unlike Python 3.12's eager tasks, the first step runs *as the caller*
(its ``asyncio.current_task()``, its context): hand it only a coroutine that enters no timeout,
cancel scope or lock before its first wait and sets no context variable (``ProviderStream``
does so only for keeps declared ``eager``, with nothing left to close).
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Generator
from types import TracebackType
from typing import Any, TypeVar

T = TypeVar("T")


def start_eagerly(coro: Coroutine[Any, Any, T]) -> asyncio.Future[T]:
    """``coro`` run now up to its first wait: a done future when it never waits (nothing can
    have cancelled it midway: a cancellation only lands where a coroutine waits), else a task
    that goes on from that wait, as ``asyncio.create_task(coro)`` would have."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T]
    try:
        first = coro.send(None)
    except StopIteration as done:
        future = loop.create_future()
        future.set_result(done.value)
        return future
    except asyncio.CancelledError:
        future = loop.create_future()
        future.cancel()
        return future
    except Exception as exc:
        future = loop.create_future()
        future.set_exception(exc)
        return future
    return loop.create_task(_Resumed(coro, first))


class _Resumed(Coroutine[Any, Any, T]):
    """``coro``, which has already yielded ``first`` to its driver, as a coroutine its task
    drives from there: the first ``send`` hands ``first`` up, everything else (values,
    exceptions thrown in, a close) goes to ``coro``; a task cancelled before its first step
    throws the cancellation into ``coro`` at its wait, as it would have into ``coro`` itself."""

    __slots__ = ("_coro", "_first")

    _NOTHING: Any = object()

    def __init__(self, coro: Coroutine[Any, Any, T], first: object) -> None:
        self._coro = coro
        self._first = first

    def send(self, value: Any) -> Any:
        first, self._first = self._first, self._NOTHING
        if first is not self._NOTHING:
            return first
        return self._coro.send(value)

    def throw(
        self,
        typ: Any,
        val: BaseException | object = None,
        tb: TracebackType | None = None,
    ) -> Any:
        self._first = self._NOTHING
        if val is None and tb is None:
            return self._coro.throw(typ)  # how a task throws (the three-argument form is old)
        return self._coro.throw(typ, val, tb)

    def close(self) -> None:
        self._first = self._NOTHING
        self._coro.close()

    def __await__(self) -> Generator[Any, Any, T]:
        # Its task drives it by send and throw; awaited, it is driven the same way.
        value = self.send(None)
        while True:
            try:
                sent = yield value
            except GeneratorExit:
                self.close()
                raise
            except BaseException as exc:
                try:
                    value = self.throw(exc)
                except StopIteration as done:
                    result: T = done.value
                    return result
            else:
                try:
                    value = self.send(sent)
                except StopIteration as done:
                    result = done.value
                    return result
