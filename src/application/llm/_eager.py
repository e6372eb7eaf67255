"""A coroutine run in the caller's turn, in a task of its own only once it has to wait.

What Python 3.12's eager tasks do, for 3.11. Keeping a stream's outcome must survive its
consumer's cancellation, so it runs in a task; but a gateway stream's keep usually waits for
nothing (its usage row is queued), and a task cost it two passes of the event loop, during which
the stream's last piece waited and the answer went out in two writes instead of one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Generator
from typing import Any, Generic, TypeVar

T = TypeVar("T")


def start_eagerly(coro: Coroutine[Any, Any, T]) -> asyncio.Future[T]:
    """``coro`` run now up to its first wait: a done future when it never waits (nothing can
    have cancelled it midway: a cancellation only lands where a coroutine waits), else a task
    that goes on from that wait, as ``asyncio.create_task(coro)`` would have."""
    loop = asyncio.get_running_loop()
    try:
        first = coro.send(None)
    except StopIteration as done:
        future: asyncio.Future[T] = loop.create_future()
        future.set_result(done.value)
        return future
    except Exception as exc:
        future = loop.create_future()
        future.set_exception(exc)
        return future
    return loop.create_task(_go_on(coro, first))


async def _go_on(coro: Coroutine[Any, Any, T], first: object) -> T:
    return await _From(coro, first)


class _From(Generic[T]):
    """Awaits the rest of ``coro``, which has already yielded ``first`` to its driver: each
    value is handed up to the task and each answer (a result, a cancellation) down to ``coro``,
    as ``yield from`` does (PEP 380), the first value included."""

    __slots__ = ("_coro", "_first")

    def __init__(self, coro: Coroutine[Any, Any, T], first: object) -> None:
        self._coro = coro
        self._first = first

    def __await__(self) -> Generator[Any, Any, T]:
        coro, value = self._coro, self._first
        while True:
            try:
                sent = yield value
            except GeneratorExit:
                coro.close()
                raise
            except BaseException as exc:  # what the task throws in: a cancellation, mostly
                try:
                    value = coro.throw(exc)
                except StopIteration as done:
                    result: T = done.value
                    return result
            else:
                try:
                    value = coro.send(sent)
                except StopIteration as done:
                    result = done.value
                    return result
