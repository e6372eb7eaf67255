"""What the cross-process feeds share: listeners told first, a background task that keeps one
listening connection and reconnects with backoff, the ``live`` flag, and log lines that name the
failure but never the connection's secret."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from abc import abstractmethod
from uuid import UUID

from domain.ports import ChangeFeed, ChangeListener

logger = logging.getLogger("adapters.changes")


def user_of(payload: str) -> UUID | bool | None:
    """The user a notice names, None for "everything" (empty), False for a payload that is not
    ours (another program may use the channel): it is ignored."""
    if not payload:
        return None
    try:
        return UUID(payload)
    except ValueError:
        return False


class RemoteChangeFeed(ChangeFeed):
    """A subclass connects, holds and drops the listening connection and sends a notice; this
    class decides when. Listeners hear of a reconnection (None) before ``live`` is True again, so
    nothing remembered while notices could be missed survives it."""

    def __init__(self, name: str, secret: str | None, backoff_s: tuple[float, float]) -> None:
        self._name = name
        self._secret = secret
        self._backoff_s = backoff_s
        self._listeners: list[ChangeListener] = []
        self._live = False
        self._task: asyncio.Task[None] | None = None

    @property
    def live(self) -> bool:
        return self._live

    def subscribe(self, listener: ChangeListener) -> None:
        self._listeners.append(listener)

    async def publish(self, user_id: UUID) -> None:
        self._tell(user_id)  # before any await: this process never serves the old state
        if not self._live:  # not tried: a request must not wait out a connection timeout
            logger.warning("change feed %s: other processes not told (not connected)", self._name)
            return
        try:
            await self._send(str(user_id))
        except Exception as exc:  # committed already: other processes rely on their TTL
            why = self._why(exc)
            logger.warning("change feed %s: other processes not told (%s)", self._name, why)

    async def open(self) -> None:
        if self._task is not None:
            return
        first: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._task = task = asyncio.create_task(self._run(first), name=f"change feed {self._name}")
        # Connected, or the first attempt failed (it keeps trying), or closed meanwhile.
        await asyncio.wait((first, task), return_when=asyncio.FIRST_COMPLETED)

    async def aclose(self) -> None:
        task, self._task = self._task, None
        self._live = False
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._release()

    def _receive(self, payload: str) -> None:
        user = user_of(payload)
        if user is False:
            logger.debug("change feed %s: ignored a payload that is not a user id", self._name)
            return
        self._tell(user if isinstance(user, UUID) else None)

    def _tell(self, user_id: UUID | None) -> None:
        for listener in self._listeners:
            try:
                listener(user_id)
            except Exception:  # one faulty listener must not deafen the others
                logger.exception("change feed %s: a listener failed", self._name)

    def _why(self, exc: BaseException) -> str:
        text = f"{type(exc).__name__}: {exc}"
        return text.replace(self._secret, "***") if self._secret else text

    async def _run(self, first: asyncio.Future[None]) -> None:
        low, high = self._backoff_s
        delay, failures, clock = 0.0, 0, asyncio.get_running_loop().time
        while True:
            if delay:
                await asyncio.sleep(delay * random.uniform(0.5, 1.0))  # noqa: S311 (jitter)
            try:
                await self._connect()
            except Exception as exc:
                failures += 1
                log = logger.warning if failures == 1 else logger.debug
                log("change feed %s: cannot connect (%s); retrying", self._name, self._why(exc))
                if not first.done():
                    first.set_result(None)
                delay = min(max(delay * 2, low), high)
                continue
            if failures:
                logger.info("change feed %s: connected again", self._name)
            failures, since = 0, clock()
            try:
                self._tell(None)  # anything may have changed while no notice could arrive
                self._live = True
                if not first.done():
                    first.set_result(None)
                await self._hold()
            except Exception as exc:
                logger.warning("change feed %s: connection lost (%s)", self._name, self._why(exc))
            else:
                logger.warning("change feed %s: connection lost", self._name)
            finally:
                self._live = False
                await self._disconnect()
            # Back at once after a connection that held; slower and slower if it keeps dropping.
            delay = 0.0 if clock() - since > 2 * high else min(max(delay * 2, low), high)

    @abstractmethod
    async def _connect(self) -> None:
        """Open the listening connection and start listening; raise if that fails."""

    @abstractmethod
    async def _hold(self) -> None:
        """Return (or raise) once the listening connection is lost."""

    @abstractmethod
    async def _disconnect(self) -> None:
        """Drop the listening connection, whatever its state; never raise."""

    @abstractmethod
    async def _send(self, payload: str) -> None:
        """Tell the other processes; raise if that fails."""

    async def _release(self) -> None:
        """Release what outlives a connection (after the task has stopped)."""
