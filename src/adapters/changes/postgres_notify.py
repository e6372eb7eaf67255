"""A change feed on PostgreSQL's LISTEN/NOTIFY: every process on the same database hears it.

One dedicated asyncpg connection (not from the SQLAlchemy pool, whose connections come and go)
both listens and sends: notices are rare (a key revoked, a token changed), so a lock around its
use costs nothing, and the connection's own echo can be told apart by its backend pid."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from adapters.changes._remote import RemoteChangeFeed

CHANNEL = "byom_changes"


def connect_args(database_url: str) -> dict[str, Any]:
    """asyncpg's keyword arguments for an SQLAlchemy URL, read as the app's own pool reads it
    (``?ssl=require`` and the like included)."""
    url = make_url(database_url).set(drivername="postgresql+asyncpg")
    _, kwargs = url.get_dialect()().create_connect_args(url)
    return dict(kwargs)


class PostgresChangeFeed(RemoteChangeFeed):
    """Notices as ``pg_notify(channel, user id)``; an empty payload means "everything".

    When the database is down, ``publish`` tells this process, logs a warning and returns: the
    change is committed, and the other processes, whose feeds are then down too, are not live
    (their caches step aside) and hear None when they reconnect; the caches' lifetime bounds the
    rare rest (this connection alone lost)."""

    def __init__(
        self,
        database_url: str,
        *,
        channel: str = CHANNEL,
        name: str = "byom-changes",
        heartbeat_s: float = 30.0,
        backoff_s: tuple[float, float] = (0.1, 5.0),
    ) -> None:
        args = connect_args(database_url)
        super().__init__(name, args.get("password"), backoff_s)
        args.setdefault("timeout", 5.0)
        args["server_settings"] = {**args.get("server_settings", {}), "application_name": name}
        self._connect_args = args
        self._channel = channel
        self._heartbeat_s = heartbeat_s
        self._conn: asyncpg.Connection | None = None
        self._lock = asyncio.Lock()
        self._lost = asyncio.Event()

    async def _connect(self) -> None:
        conn = await asyncpg.connect(**self._connect_args)
        self._lost = lost = asyncio.Event()
        conn.add_termination_listener(lambda _conn: lost.set())
        try:
            await conn.add_listener(self._channel, self._notified)
        except BaseException:
            conn.terminate()
            raise
        self._conn = conn

    def _notified(self, conn: Any, pid: int, channel: str, payload: str) -> None:
        if pid != conn.get_server_pid():  # our own notice: its listeners were told already
            self._receive(payload)

    async def _hold(self) -> None:
        conn = self._conn
        while conn is not None and not conn.is_closed():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._heartbeat_s):
                    await self._lost.wait()
                    return
            # Nothing heard for a while: a dead peer without a FIN shows only when asked.
            async with self._lock:
                await conn.execute("SELECT 1", timeout=5.0)

    async def _disconnect(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None or conn.is_closed():
            return
        try:
            await conn.close(timeout=2.0)
        except Exception:
            conn.terminate()

    async def _send(self, payload: str) -> None:
        conn = self._conn
        if conn is None:
            raise ConnectionError("not connected to the database")
        async with self._lock:
            await conn.execute("SELECT pg_notify($1, $2)", self._channel, payload, timeout=5.0)
