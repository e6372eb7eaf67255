"""Connections of an engine's pool that the raw-driver paths keep between uses.

Checking a connection out of SQLAlchemy's pool and back runs the pool in a greenlet of its own
(a new frame stack mapped and unmapped each time): about 20 µs of CPU in a tight loop, 75 µs
between round trips (tests/bench/bench_session_turn.py: 0.72 against 0.57 ms a chat turn,
which checks out twice). A
connection handed back in good order is kept instead, up to ``keep`` of them, and lent to the
next caller without a checkout; one left idle ``idle_s`` goes back to the pool, so a quiet
worker holds none and the pool's other users are never short of more than ``keep``, for
longer than that.

Never lent again: a connection whose use failed or was cancelled (it may be broken, or busy
with a statement the server is still cancelling), one left in a transaction, one the server
closed (seen for free, as the pool's own checkout hook does), and one from before the engine
was disposed. ``Engine.dispose`` closes the idle ones, as it closes the pool's.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

# Long enough for the next request of a busy worker, short enough that a caller of the pool
# (the unit of work) finding it exhausted waits for an idle one only that long.
IDLE_S = 0.25


class Loan:
    """A pooled connection lent once: ``driver`` is asyncpg's connection."""

    __slots__ = ("driver", "generation", "pooled")

    def __init__(self, pooled: Any, generation: int) -> None:
        self.pooled = pooled
        self.driver = pooled.driver_connection
        self.generation = generation


class LentConnections:
    def __init__(self, engine: AsyncEngine, *, keep: int, idle_s: float = IDLE_S) -> None:
        self._engine = engine
        self._keep = keep
        self._idle_s = idle_s
        self._idle: list[tuple[Loan, float]] = []  # with when each was handed back
        self._timer: asyncio.TimerHandle | None = None
        self._generation = 0
        event.listen(engine.sync_engine, "engine_disposed", self._disposed)

    @property
    def idle(self) -> int:
        return len(self._idle)

    async def take(self) -> Loan:
        """An idle connection, else one checked out of the pool."""
        while self._idle:
            loan, _ = self._idle.pop()  # the latest: its socket is the warmest
            if not loan.driver.is_closed():
                return loan
            loan.pooled.close()  # back to the pool, whose checkout hook replaces it
        return Loan(await self._engine.raw_connection(), self._generation)

    def give_back(self, loan: Loan, *, clean: bool) -> None:
        """``clean``: its use ended without an exception; it is kept if it can be lent."""
        if (
            not clean
            or len(self._idle) >= self._keep
            or loan.generation != self._generation
            or loan.driver.is_closed()
            or loan.driver.is_in_transaction()
        ):
            loan.pooled.close()
            return
        self._idle.append((loan, time.monotonic()))
        if self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self._idle_s, self._trim)

    def give_all_back(self) -> None:
        """Every idle connection back to the pool (the next callers check out again)."""
        idle, self._idle = self._idle, []
        for loan, _ in idle:
            loan.pooled.close()

    def _trim(self) -> None:
        self._timer = None
        stale = time.monotonic() - self._idle_s
        kept = []
        for loan, since in self._idle:
            if since > stale:
                kept.append((loan, since))
            else:
                loan.pooled.close()
        self._idle = kept
        if kept:
            wait = kept[0][1] - stale  # when the oldest kept one is idle long enough
            self._timer = asyncio.get_running_loop().call_later(wait, self._trim)

    def _disposed(self, _engine: Any) -> None:
        # Run by Engine.dispose in SQLAlchemy's greenlet, where a connection may be closed.
        self._generation += 1
        idle, self._idle = self._idle, []
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for loan, _ in idle:
            loan.pooled.invalidate()  # closed, as the disposed pool closed its own


_LENDERS: weakref.WeakKeyDictionary[AsyncEngine, LentConnections] = weakref.WeakKeyDictionary()


def lent_connections(engine: AsyncEngine) -> LentConnections:
    """The engine's lender (one per engine), keeping at most half its pool's size idle (none
    for a pool of one, or a pool without a size)."""
    lender = _LENDERS.get(engine)
    if lender is None:
        size = getattr(engine.sync_engine.pool, "size", lambda: 0)()
        lender = _LENDERS[engine] = LentConnections(engine, keep=size // 2)
    return lender
