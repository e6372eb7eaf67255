"""Concurrent askers of one thing share one answer (one provider call, not one per request)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class SingleFlight(Generic[K, V]):
    """- the first caller for ``key`` starts ``fetch``; callers arriving while it runs await the
      same task, and share its result or its exception;
    - a caller that is cancelled (a client went away) does not cancel the others' fetch;
    - once the fetch ends the key is free: the next caller fetches again."""

    def __init__(self) -> None:
        self._running: dict[K, asyncio.Task[V]] = {}

    async def run(self, key: K, fetch: Callable[[], Awaitable[V]]) -> V:
        task = self._running.get(key)
        if task is None:
            task = asyncio.ensure_future(fetch())
            self._running[key] = task
            task.add_done_callback(lambda done: self._release(key, done))
        return await asyncio.shield(task)

    def _release(self, key: K, done: asyncio.Task[V]) -> None:
        if self._running.get(key) is done:
            del self._running[key]
        if not done.cancelled():
            # Retrieved here so a fetch whose callers all left logs no "never retrieved".
            done.exception()

    def __len__(self) -> int:
        return len(self._running)
