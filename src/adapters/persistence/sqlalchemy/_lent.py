"""Connections of an engine's pool that the raw-driver paths keep between uses.

Checking a connection out of SQLAlchemy's pool and back runs the pool in a greenlet of its own
(a new frame stack mapped and unmapped each time): about 20 µs of CPU in a tight loop, 75 µs
between round trips (tests/bench/bench_session_turn.py: 0.72 against 0.57 ms a chat turn,
which checks out twice). A connection handed back in good order is kept instead, up to
``keep`` of them and only while the pool has another to give, and lent to the next caller
without a checkout; one left idle ``idle_s`` goes back to the pool. So a quiet worker holds
none, and a caller of the pool (the unit of work) that finds it exhausted by others waits for
one kept here about ``idle_s`` (once the event loop runs the timer).

Kept only in good order: a connection whose use failed or was cancelled, or that is left in a
transaction, goes back to the pool as before. Not lent: one the server closed (seen for free,
as the pool's own checkout hook does), one older than the pool's last invalidation (a
disconnect seen elsewhere: the pool replaces those at checkout), one from another event loop
(asyncpg's connections are bound to theirs: dropped, not pooled). ``Engine.dispose`` closes
the idle ones and those on their way back, as it closes the pool's (``dispose(close=False)``,
for a pool inherited across a fork, is not supported: nothing here calls it). A connection the
pool must close on its return (one over its size) is returned in SQLAlchemy's greenlet, where
closing it can wait for the driver, shielded from a second cancellation.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import weakref
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import QueuePool
from sqlalchemy.util import greenlet_spawn

IDLE_S = 0.05


class Loan:
    """A pooled connection lent once: ``driver`` is asyncpg's connection."""

    __slots__ = ("driver", "generation", "loop", "pooled")

    def __init__(self, pooled: Any, generation: int, loop: asyncio.AbstractEventLoop) -> None:
        self.pooled = pooled
        self.driver = pooled.driver_connection
        self.generation = generation
        self.loop = loop


class LentConnections:
    """The lender of one engine (``lent_connections``); it holds no reference to it."""

    def __init__(self, *, keep: int, idle_s: float = IDLE_S) -> None:
        self._keep = keep
        self._idle_s = idle_s
        self._idle: list[tuple[Loan, float]] = []  # with when each was handed back
        self._loop: asyncio.AbstractEventLoop | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._returning: set[asyncio.Task[None]] = set()
        self._generation = 0

    @property
    def idle(self) -> int:
        return len(self._idle)

    async def take(self, engine: AsyncEngine) -> Loan:
        """An idle connection, else one checked out of the pool."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._forget()  # kept on another loop, whose connections this one cannot use
            self._loop = loop
        pool: Any = engine.sync_engine.pool
        while self._idle:
            loan, _ = self._idle.pop()  # the latest: its socket is the warmest
            # The pool's own record of when it last invalidated its connections (private).
            record = loan.pooled._connection_record
            if not loan.driver.is_closed() and record.starttime >= pool._invalidate_time:
                return loan
            await _returned(engine, loan.pooled)  # its checkout hook replaces it
        return Loan(await engine.raw_connection(), self._generation, loop)

    async def give_back(self, engine: AsyncEngine, loan: Loan, *, clean: bool) -> None:
        """``clean``: its use ended without an exception; it is kept if it can be lent."""
        if loan.generation != self._generation:
            await greenlet_spawn(loan.pooled.invalidate)  # its pool was disposed of: closed
            return
        if (
            not clean
            or loan.loop is not self._loop
            or loan.loop is not asyncio.get_running_loop()
            or len(self._idle) >= self._keep
            or not _has_another(engine.sync_engine.pool)
            or loan.driver.is_closed()
            or loan.driver.is_in_transaction()
        ):
            await _returned(engine, loan.pooled)
            return
        self._idle.append((loan, time.monotonic()))
        if self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self._idle_s, self._trim, engine)

    def give_all_back(self) -> None:
        """Every idle connection back to the pool (the next callers check out again)."""
        for loan in self._drained():
            loan.pooled.close()

    def disposed(self, _engine: Any) -> None:
        """``engine_disposed``: run by ``Engine.dispose`` in SQLAlchemy's greenlet, where a
        connection may be closed."""
        self._generation += 1
        for loan in self._drained():
            loan.pooled.invalidate()  # closed, as the disposed pool closed its own

    def _trim(self, engine: AsyncEngine) -> None:
        self._timer = None
        stale_before = time.monotonic() - self._idle_s
        stale = [loan for loan, since in self._idle if since <= stale_before]
        self._idle = [(loan, since) for loan, since in self._idle if since > stale_before]
        if self._idle:
            wait = self._idle[0][1] - stale_before  # when the oldest kept one is due
            self._timer = asyncio.get_running_loop().call_later(wait, self._trim, engine)
        if stale:
            task = asyncio.get_running_loop().create_task(self._all_returned(engine, stale))
            self._returning.add(task)
            task.add_done_callback(self._returning.discard)

    async def _all_returned(self, engine: AsyncEngine, loans: list[Loan]) -> None:
        for loan in loans:
            if loan.generation != self._generation:  # disposed of meanwhile: its pool is gone
                await greenlet_spawn(loan.pooled.invalidate)
            else:
                await _returned(engine, loan.pooled)

    def _forget(self) -> None:
        for loan in self._drained():
            loan.pooled.detach()  # its record goes back empty; the pool connects anew
            with contextlib.suppress(Exception):
                loan.driver.terminate()  # bound to another loop: never back into the pool

    def _drained(self) -> list[Loan]:
        """The idle connections, no longer kept (the timer that would return them cancelled)."""
        idle, self._idle = self._idle, []
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        return [loan for loan, _ in idle]


def _has_another(pool: Any) -> bool:
    """Whether the pool can hand out one more connection without waiting."""
    if not isinstance(pool, QueuePool):
        return False
    most = getattr(pool, "_max_overflow", -1)  # not in QueuePool's public interface
    return bool(pool.checkedin() > 0 or most < 0 or pool.overflow() < most)


async def _returned(engine: AsyncEngine, pooled: Any) -> None:
    pool: Any = engine.sync_engine.pool
    if isinstance(pool, QueuePool) and pool.checkedin() < pool.size():
        pooled.close()  # into the pool's queue: nothing is closed
    else:
        # The pool closes this one, which needs SQLAlchemy's greenlet; shielded, so that a
        # second cancellation cannot cut the close short.
        await asyncio.shield(greenlet_spawn(pooled.close))


_LENDERS: weakref.WeakKeyDictionary[AsyncEngine, LentConnections] = weakref.WeakKeyDictionary()


def lent_connections(engine: AsyncEngine) -> LentConnections:
    """The engine's lender (one per engine), keeping at most half its pool's size idle (none
    for a pool of one, or a pool without a size)."""
    lender = _LENDERS.get(engine)
    if lender is None:
        size = getattr(engine.sync_engine.pool, "size", lambda: 0)()
        lender = _LENDERS[engine] = LentConnections(keep=size // 2)
        event.listen(engine.sync_engine, "engine_disposed", lender.disposed)
    return lender
