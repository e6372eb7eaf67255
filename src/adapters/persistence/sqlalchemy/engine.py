"""The async engine: aiosqlite (the embedded default) or asyncpg (PostgreSQL)."""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
}


def database_url(url: str | URL) -> URL:
    """The URL with its async driver (``sqlite://`` and ``postgresql://`` are accepted)."""
    parsed = make_url(url)
    driver = _DRIVERS.get(parsed.drivername)
    if driver is None:
        # The driver name only: the URL may hold a password.
        raise ValueError(
            f"unsupported database {parsed.drivername!r}: "
            "use sqlite+aiosqlite:///path or postgresql+asyncpg://user@host/db"
        )
    return parsed.set(drivername=driver)


def build_engine(
    url: str | URL,
    *,
    echo: bool = False,
    pool_size: int = 5,
    max_overflow: int = 10,
    connect_timeout_s: float = 5.0,
    busy_timeout_s: float = 5.0,
    lock_timeout_s: float | None = 5.0,
    statement_timeout_s: float | None = 15.0,
    idle_in_transaction_timeout_s: float | None = 30.0,
    foreign_keys: bool = True,
) -> AsyncEngine:
    """``foreign_keys=False`` is for SQLite migrations only (batch table rebuilds need it).

    PostgreSQL sessions give up, with ``StoreUnavailable``, on a lock wait (``users.lock``
    included) past ``lock_timeout_s`` and on a statement past ``statement_timeout_s``, and the
    server ends a session left idle inside a transaction past ``idle_in_transaction_timeout_s``
    (docs/security-tests.md, H6); None is no limit. SQLite waits ``busy_timeout_s`` for its write
    lock.
    """
    parsed = database_url(url)
    _quiet_driver_logs()
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, echo, busy_timeout_s, foreign_keys)
    limits = {
        "lock_timeout": lock_timeout_s,
        "statement_timeout": statement_timeout_s,
        "idle_in_transaction_session_timeout": idle_in_transaction_timeout_s,
    }
    engine = create_async_engine(
        parsed,
        echo=echo,
        hide_parameters=True,
        # Not pool_pre_ping: on asyncpg each ping is three round trips (BEGIN, ";", ROLLBACK),
        # a tenth of a worker's CPU on a one-query request. _replace_closed checks for free.
        pool_pre_ping=False,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=connect_timeout_s,
        connect_args={
            "timeout": connect_timeout_s,
            "server_settings": {
                "application_name": "byom",
                # Milliseconds; 0 is PostgreSQL's "no limit".
                **{name: str(round((s or 0) * 1000)) for name, s in limits.items()},
            },
        },
    )
    event.listen(engine.sync_engine.pool, "checkout", _replace_closed)
    return engine


def _replace_closed(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """A pooled connection the server or the network closed (a restart, a failover,
    ``pg_terminate_backend``, an idle timeout) is replaced before it is used, as
    ``pool_pre_ping`` would, but without a round trip: asyncpg sees the closed socket itself.
    A connection that died silently (no FIN ever arrived) fails its first query instead, which
    is a 503, and the pool is then invalidated and refilled."""
    driver = getattr(dbapi_connection, "driver_connection", None)
    if driver is not None and driver.is_closed():
        raise DisconnectionError()


class _DropDebugRecords(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.DEBUG


_DRIVER_LOG_FILTER = _DropDebugRecords()


def _quiet_driver_logs() -> None:
    """At DEBUG, aiosqlite logs every statement with its bound values and SQLAlchemy logs every
    result row (``hide_parameters`` does not cover rows): ciphertexts, emails, token digests.
    A filter on those loggers drops their DEBUG records whatever level logging is set to."""
    for name in ("aiosqlite", "sqlalchemy.engine.Engine"):
        driver_logger = logging.getLogger(name)
        if _DRIVER_LOG_FILTER not in driver_logger.filters:
            driver_logger.addFilter(_DRIVER_LOG_FILTER)


def _make_private(database: Path) -> None:
    """The database file holds wrapped keys, sealed credentials and password hashes: 0600, made
    so before SQLite first opens it. SQLite gives its -wal and -shm files the database file's
    permissions; left-over ones are tightened too."""
    fd = os.open(database, os.O_RDONLY | os.O_CREAT, 0o600)
    try:
        if os.fstat(fd).st_mode & 0o077:
            os.fchmod(fd, 0o600)
    finally:
        os.close(fd)
    for suffix in ("-wal", "-shm"):
        companion = database.with_name(database.name + suffix)
        if companion.exists() and companion.stat().st_mode & 0o077:
            companion.chmod(0o600)


def _sqlite_engine(url: URL, echo: bool, busy_timeout_s: float, foreign_keys: bool) -> AsyncEngine:
    database = url.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        # If this fails, connecting fails too and says StoreUnavailable, like any unreachable
        # database.
        with contextlib.suppress(OSError):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
            _make_private(Path(database))
    engine = create_async_engine(
        url,
        echo=echo,
        hide_parameters=True,
        connect_args={"timeout": busy_timeout_s},
    )
    busy_timeout_ms = int(busy_timeout_s * 1000)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # sqlite3 would BEGIN only before writes, which breaks SAVEPOINT and read isolation:
        # SQLAlchemy emits BEGIN itself (the recipe in its SQLite dialect documentation).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {busy_timeout_ms}")
        cursor.execute(f"PRAGMA foreign_keys = {'ON' if foreign_keys else 'OFF'}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")

    return engine
