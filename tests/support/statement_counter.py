"""Counts the statements and transactions an engine sends: SQLAlchemy's events, and on
PostgreSQL asyncpg's query loggers too (statements sent on the driver's connection itself, which
SQLAlchemy never sees; SQLAlchemy's own BEGIN and COMMIT show there as well)."""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


@dataclass
class StatementCounter:
    """``statements``: every statement but transaction control, in order; ``transactions``:
    each BEGIN, and each statement that ran outside one (autocommit: a transaction of its own)."""

    engine: AsyncEngine
    statements: list[str] = field(default_factory=list)
    transactions: int = 0
    _watched: weakref.WeakSet[Any] = field(default_factory=weakref.WeakSet)

    def __post_init__(self) -> None:
        sync = self.engine.sync_engine
        event.listen(sync, "before_cursor_execute", self._sqlalchemy_statement)
        if sync.dialect.name == "postgresql":
            event.listen(sync.pool, "checkout", self._watch)
        else:
            event.listen(sync, "begin", self._sqlalchemy_begin)

    def reset(self) -> None:
        self.statements.clear()
        self.transactions = 0

    def inserts_into(self, table: str) -> int:
        return sum(s.upper().startswith(f"INSERT INTO {table.upper()}") for s in self.statements)

    def _sqlalchemy_statement(self, *args: Any) -> None:
        statement = str(args[2]).strip()
        if not statement.upper().startswith(_CONTROL):
            self.statements.append(statement)

    def _sqlalchemy_begin(self, _connection: Any) -> None:
        self.transactions += 1

    def _watch(self, dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        driver = dbapi_connection.driver_connection
        if driver in self._watched:
            return
        self._watched.add(driver)

        def logged(query: Any) -> None:
            text = str(query.query).strip()
            if text.upper().startswith("BEGIN"):
                self.transactions += 1
            elif not text.upper().startswith(_CONTROL):
                self.statements.append(text)
                if not driver.is_in_transaction():
                    self.transactions += 1

        driver.add_query_logger(logged)
