"""What a piece of code asks of the database (``count_sql(engine)``): the SQL statements it runs,
grouped per transaction. SQLAlchemy's events see what goes through SQLAlchemy; on PostgreSQL
asyncpg's query loggers see what is sent on the driver's connection itself (the usage journal),
which SQLAlchemy never sees. asyncpg logs some of SQLAlchemy's own traffic too (its BEGIN,
COMMIT, ROLLBACK and executemany): each connection keeps the echoes it expects, dropped once."""

from __future__ import annotations

import re
import weakref
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.persistence.sqlalchemy._lent import lent_connections


@dataclass
class SqlCount:
    """``transactions``: the statements of each transaction, in the order they began (BEGIN,
    COMMIT and ROLLBACK not counted as statements: ``commits`` and ``rollbacks`` count how
    transactions ended); a statement in autocommit is a transaction of its own."""

    transactions: list[list[str]] = field(default_factory=list)
    commits: int = 0
    rollbacks: int = 0
    _open: dict[Any, list[str]] = field(default_factory=dict)

    @property
    def statements(self) -> list[str]:
        return [s for each in self.transactions for s in each]

    @property
    def kinds(self) -> list[str]:
        """Each statement as its verb and table, ``INSERT llm_usage``, in order."""
        return [_verb_and_table(s) for s in self.statements]

    def shape(self) -> list[int]:
        """How many statements each transaction ran (SAVEPOINTs included)."""
        return [len(each) for each in self.transactions]

    def tables(self) -> list[list[str]]:
        """Per transaction, each statement as its verb and table: a readable summary."""
        return [[_verb_and_table(s) for s in each] for each in self.transactions]

    def inserts_into(self, table: str) -> int:
        return self.kinds.count(f"INSERT {table}")

    def reset(self) -> None:
        self.transactions.clear()
        self.commits = self.rollbacks = 0

    def _begin(self, owner: Any) -> None:
        self._open[owner] = []
        self.transactions.append(self._open[owner])

    def _statement(self, owner: Any, sql: str) -> None:
        if owner not in self._open:
            self.transactions.append([" ".join(sql.split())])  # autocommit
        else:
            self._open[owner].append(" ".join(sql.split()))

    def _end(self, owner: Any, committed: bool) -> None:
        if self._open.pop(owner, None) is None:
            return
        if committed:
            self.commits += 1
        else:
            self.rollbacks += 1


@contextmanager
def count_sql(engine: AsyncEngine) -> Iterator[SqlCount]:
    """Statements and transactions on ``engine`` while the block runs (whatever task runs them)."""
    counted = SqlCount()
    sync = engine.sync_engine
    on_postgres = sync.dialect.name == "postgresql"
    # Per asyncpg connection: what asyncpg will log of SQLAlchemy's own traffic, in order.
    echoes: weakref.WeakKeyDictionary[Any, deque[str]] = weakref.WeakKeyDictionary()

    def expect(conn: Any, echo: str) -> None:
        if on_postgres:
            echoes.setdefault(conn.connection.driver_connection, deque()).append(echo)

    def began_on_driver(conn: Any) -> bool:
        return conn.connection.dbapi_connection._transaction is not None

    def before(conn: Any, _cursor: Any, sql: str, _params: Any, _ctx: Any, many: bool) -> None:
        # SQLite's BEGIN is sent by our own "begin" listener (engine.py): the "begin" event.
        if sql == "BEGIN":
            return
        if on_postgres and not began_on_driver(conn):
            expect(conn, "BEGIN")
        if many:
            expect(conn, sql)
        counted._statement(conn, sql)

    def end(conn: Any, committed: bool) -> None:
        if on_postgres and began_on_driver(conn):
            expect(conn, "COMMIT" if committed else "ROLLBACK")
        counted._end(conn, committed)

    listeners: list[tuple[Any, str, Callable[..., Any]]] = [
        (sync, "before_cursor_execute", before),
        (sync, "begin", counted._begin),
        (sync, "commit", lambda conn: end(conn, True)),
        (sync, "rollback", lambda conn: end(conn, False)),
    ]
    loggers: dict[Any, Callable[[Any], None]] = {}

    def watch(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        driver = dbapi_connection.driver_connection
        if driver not in loggers:
            loggers[driver] = _raw_logger(counted, driver, echoes)
            driver.add_query_logger(loggers[driver])

    if on_postgres:
        listeners.append((sync.pool, "checkout", watch))
        # Connections the raw-driver paths keep between uses are checked out again, and seen.
        lent_connections(engine).give_all_back()
    for target, name, listener in listeners:
        event.listen(target, name, listener)
    try:
        yield counted
    finally:
        for target, name, listener in listeners:
            event.remove(target, name, listener)
        for driver, logger in loggers.items():
            driver.remove_query_logger(logger)


def _raw_logger(
    counted: SqlCount, driver: Any, echoes: weakref.WeakKeyDictionary[Any, deque[str]]
) -> Callable[[Any], None]:
    """What asyncpg sends on ``driver`` that SQLAlchemy did not: raw statements, grouped by the
    raw transaction they ran in (the driver is the owner)."""

    def logged(query: Any) -> None:
        text = str(query.query).strip()
        word = text.split(None, 1)[0].upper().rstrip(";") if text else ""
        expected = echoes.get(driver)
        if expected and expected[0] in (word, text):
            expected.popleft()
        elif word == "BEGIN":
            counted._begin(driver)
        elif word in ("COMMIT", "ROLLBACK"):
            counted._end(driver, word == "COMMIT")
        else:
            counted._statement(driver, text)

    return logged


def _verb_and_table(sql: str) -> str:
    """``SELECT agent_sessions``: the verb, and the table after its own FROM, INTO or UPDATE
    (not a subquery's); a statement of data-modifying CTEs is ``WITH`` and what each changes,
    in order: ``WITH UPDATE agent_sessions, INSERT agent_messages``."""
    verb = sql.split(None, 1)[0].upper() if sql.strip() else ""
    if verb == "WITH":
        changes = re.findall(r"\b(UPDATE|INSERT INTO|DELETE FROM)\s+\"?(\w+)", sql, re.IGNORECASE)
        return f"WITH {', '.join(f'{v.split()[0].upper()} {t}' for v, t in changes)}".strip()
    marker = {"SELECT": "FROM", "INSERT": "INTO", "UPDATE": "UPDATE", "DELETE": "FROM"}.get(verb)
    if marker is None:
        return verb
    depth, words = 0, []
    for token in sql.replace("(", " ( ").replace(")", " ) ").replace(",", " ").split():
        depth += {"(": 1, ")": -1}.get(token, 0)
        if depth == 0 and token not in "()":
            words.append(token)
    upper = [w.upper() for w in words]
    at = upper.index(marker) if marker in upper else -1
    table = words[at + 1] if 0 <= at < len(words) - 1 else "?"
    return f"{verb} {table.strip(chr(34))}"
