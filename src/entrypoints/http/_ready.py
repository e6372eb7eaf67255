"""An iterator's next item, with something else done first only when that item has to wait.

A streamed response sends the pieces it holds then (``LeanStream``): pieces ready together, a
provider's events of one network read, leave in one message instead of one each, through
every middleware's ``send`` and the server's. The item is taken in the caller's own task, up
to its first wait; what is done first runs while the item's step stands at that wait, and
the step goes on from there in the same task (so its timeouts and cancel scopes are the
caller's, as with ``anext``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Generator
from typing import Any, TypeVar

T = TypeVar("T")


async def anext_or_first(
    iterator: AsyncIterator[T], first: Callable[[], Awaitable[object]] | None
) -> T:
    """``anext(iterator)``; if its next item has to be waited for, ``first()`` is awaited
    before that wait goes on. A failure of ``first()`` (the caller cancelled meanwhile, or
    the item's own timeout firing then) is thrown in at the item's wait, where it would have
    landed without ``first``."""
    step = iterator.__anext__().__await__()
    try:
        waits = step.send(None)
    except StopIteration as ready:
        item: T = ready.value  # annotated, not cast: no call on a path taken for every item
        return item
    if first is not None:
        try:
            await first()
        except BaseException as exc:
            try:
                waits = step.throw(exc)
            except StopIteration as answered:
                answer: T = answered.value
                return answer
    rest: T = await _Rest(step, waits)
    return rest


class _Rest:
    """The rest of ``step``, which yielded ``waits`` to its driver and stands there."""

    __slots__ = ("_step", "_waits")

    def __init__(self, step: Generator[Any, None, Any], waits: object) -> None:
        self._step = step
        self._waits = waits

    def __await__(self) -> Generator[Any, None, Any]:
        waits = self._waits
        while True:
            try:
                yield waits  # to the task, which wakes us when it is done
            except BaseException as exc:  # thrown in at the wait: it goes to the step
                try:
                    waits = self._step.throw(exc)
                except StopIteration as done:
                    return done.value
                continue
            # asyncio resumes a coroutine with None, which is how ``yield from`` starts it.
            return (yield from self._step)
